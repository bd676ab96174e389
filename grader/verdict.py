"""A check's verdict: its status, its reason (a Reason code with values, or Parts of several), and the
transcript of what the grader did and saw, for a check that is not passed."""
from __future__ import annotations

from dataclasses import dataclass, field

from .messages import Msg, Parts
from .reasons import Reason

STATUSES = ("pass", "partial", "fail", "skip", "error")


@dataclass
class Verdict:
    status: str                          # one of STATUSES
    message: Msg | Parts | None = None
    transcript: list[dict] = field(default_factory=list)

    @property
    def reason(self) -> Reason | str | None:
        """The code of a single reason (None for none, or for Parts: see `reasons`)."""
        return self.message.key if isinstance(self.message, Msg) else None

    @property
    def reasons(self) -> list:
        """The codes of every reason, Parts flattened, in order."""
        def keys(m) -> list:
            if isinstance(m, Msg):
                return [m.key]
            return [k for part in m for k in keys(part)] if isinstance(m, Parts) else []
        return keys(self.message)

    @property
    def values(self) -> dict:
        return self.message.values if isinstance(self.message, Msg) else {}


def _message(reason: Reason | Msg | Parts | None, values: dict) -> Msg | Parts | None:
    if isinstance(reason, Reason):
        return Msg(reason, **values)
    return reason


def ok(reason: Reason | None = None, **values) -> Verdict:
    return Verdict("pass", _message(reason, values))


def partial(reason: Reason | Msg | Parts, **values) -> Verdict:
    return Verdict("partial", _message(reason, values))


def fail(reason: Reason | Msg | Parts, **values) -> Verdict:
    return Verdict("fail", _message(reason, values))


def skip(reason: Reason | Msg, **values) -> Verdict:
    return Verdict("skip", _message(reason, values))


def error(reason: Reason, **values) -> Verdict:
    return Verdict("error", _message(reason, values))

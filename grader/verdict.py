"""A check's verdict: its status and the reason a student reads (rendered in the report's language)."""
from __future__ import annotations

from dataclasses import dataclass

from .messages import Msg, Parts


@dataclass
class Verdict:
    status: str                          # pass, partial, fail, skip, error
    message: Msg | Parts | None = None


def ok(message: Msg | None = None) -> Verdict:
    return Verdict("pass", message)


def partial(message: Msg | Parts) -> Verdict:
    return Verdict("partial", message)


def fail(message: Msg | Parts) -> Verdict:
    return Verdict("fail", message)

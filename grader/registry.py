"""How a check is declared: once, with its id, what it depends on, its title and what it reads.

    @check("broadcast", after=("registers_name",), reads=("main.broadcast",))
    def broadcast(seen: BroadcastObs) -> Verdict: ...

In the manner of check50's `@check(dependency)`: the runner (grader.runner) calls the function with the
observation parts named in `reads` (dotted paths into grader.observations.Observations) and skips it,
naming the failed one, when a check in `after` did not pass; a `needs` requirement that does not hold
skips it with the requirement's own reason. The title's catalog key is "title.<id>" unless given.
`evidence` names the transcript parts shown with a lost point (default: the check's own id).
Checks are kept in declaration order, which is the report's order.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from .messages import Msg
from .reasons import Reason


@dataclass(frozen=True)
class Requirement:
    """A fact a check needs: `holds(observations)`, or the check is skipped with `reason`."""
    name: str
    holds: Callable[[object], bool]
    reason: Reason


@dataclass(frozen=True)
class Check:
    id: str
    judge: Callable[..., object]
    title_key: str
    depends: tuple[str, ...] = ()
    reads: tuple[str, ...] = ()
    needs: tuple[Requirement, ...] = ()
    evidence: tuple[str, ...] = ()

    @property
    def title(self) -> Msg:
        return Msg(self.title_key)

    @property
    def scenario(self) -> str:
        """The Observations attribute its first part is read from ("main", "busy", "source"...)."""
        return self.reads[0].split(".")[0] if self.reads else ""


class Registry(list):
    """The declared checks, in order."""

    def check(self, id: str, after: tuple[str, ...] = (), reads: tuple[str, ...] = (),
              needs: tuple[Requirement, ...] = (), title: str = "", evidence: tuple[str, ...] | None = None):
        known = {c.id for c in self}
        missing = [d for d in after if d not in known]
        if id in known or missing:
            raise ValueError(f"check {id!r}: declared twice, or depends on an undeclared check {missing}")

        def declare(judge: Callable[..., object]) -> Callable[..., object]:
            self.append(Check(id, judge, title or f"title.{id}", tuple(after), tuple(reads), tuple(needs),
                              (id,) if evidence is None else tuple(evidence)))
            return judge
        return declare

    @property
    def by_id(self) -> dict[str, Check]:
        return {c.id: c for c in self}

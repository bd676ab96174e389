"""Grade one submission: load it, read its code, learn its dialect, run the checks, score."""
from __future__ import annotations

import time
from dataclasses import dataclass, field

from . import dialect as dialects
from . import sandbox, static
from .checks import BY_ID, CHECKS, run_groups
from .harness import Harness, ServerDown
from .rubric import Rubric
from .submission import Submission, load
from .verdict import Verdict, fail

TIME_LIMIT = 20.0   # seconds for one submission, however broken
NO_COMPILE = "the server does not compile"


@dataclass
class CheckResult:
    id: str
    title: str
    status: str
    points: float
    max_points: float
    message: str


@dataclass
class Result:
    submission: str
    score: float
    max_score: float
    transport: str
    checks: list[CheckResult]
    seconds: float
    two_user: bool = False
    dialect: str = ""
    notes: list[str] = field(default_factory=list)
    runs: int = 1
    scores: list[float] = field(default_factory=list)
    changed: dict[str, list[str]] = field(default_factory=dict)   # check id -> its status in every run

    def as_json(self) -> dict:
        return {
            "submission": self.submission,
            "score": self.score,
            "max_score": self.max_score,
            "transport": self.transport,
            "checks": [vars(c) for c in self.checks],
            "seconds": round(self.seconds, 2),
            "dialect": self.dialect,
            **({"runs": self.runs, "changed": self.changed, "scores": self.scores} if self.runs > 1 else {}),
        }


def grade(path: str, rubric: Rubric, seconds: float = TIME_LIMIT) -> Result:
    """Grade the submission at `path`; raises SubmissionError if it cannot be graded at all."""
    started = time.monotonic()
    with load(path) as sub:
        verdicts, transport, two_user, dialect = _run(sub, seconds)
        if verdicts["server_starts"].message.startswith(NO_COMPILE):
            # Code that cannot even be compiled earns nothing, not even for what it imports.
            verdicts["uses_socket"] = verdicts["uses_threading"] = Verdict("skip", "skipped: the server does not compile")
        else:
            verdicts["uses_socket"] = static.uses_socket(sub)
            verdicts["uses_threading"] = static.uses_threading(sub, transport)
    verdicts["transport"] = (Verdict("pass", "TCP") if transport == "tcp" else
                             Verdict("partial", f"UDP: the score is multiplied by {rubric.udp_factor:g}"))
    _settle_dependencies(verdicts)
    results = [CheckResult(c.id, c.title, verdicts[c.id].status, round(rubric.earned(c.id, verdicts[c.id].status), 2),
                           rubric.points.get(c.id, 0.0), verdicts[c.id].message) for c in CHECKS]
    score = rubric.score({r.id: r.status for r in results}, transport, two_user)
    return Result(submission=str(path), score=score, max_score=rubric.max_score, transport=transport,
                  checks=results, seconds=time.monotonic() - started, two_user=two_user,
                  dialect=describe(dialect), notes=list(dialect.notes))


def grade_repeated(path: str, rubric: Rubric, runs: int, seconds: float = TIME_LIMIT) -> Result:
    """Grade `runs` times; the first result, with every check whose verdict changed between runs."""
    results = [grade(path, rubric, seconds) for _ in range(runs)]
    first = results[0]
    first.runs, first.scores = runs, [r.score for r in results]
    for i, check in enumerate(first.checks):
        statuses = [r.checks[i].status for r in results]
        if len(set(statuses)) > 1:
            first.changed[check.id] = statuses
    return first


def _run(sub: Submission, seconds: float) -> tuple[dict[str, Verdict], str, bool, dialects.Dialect]:
    guess = dialects.from_source(sub)
    problem = sandbox.compile_error(sub.root, sub.server.script)
    if problem:
        where = f" ({sub.origins[sub.server.script]})" if sub.server.script in sub.origins else ""
        return {"server_starts": fail(f"{NO_COMPILE}{where}: {problem}")}, guess.transport, False, guess
    h = Harness(sub, seconds)
    try:
        h.dialect = _learn(h, guess)
        verdicts, two_user = run_groups(h, seed=sub.label)
        return verdicts, h.transport or guess.transport, two_user, h.dialect
    finally:
        h.close()


def _learn(h: Harness, guess: dialects.Dialect) -> dialects.Dialect:
    sub = h.sub
    if sub.client is None:
        guess.notes.append("no client program: the handshake and framing were guessed from the server's code")
        return guess
    problem = sandbox.compile_error(sub.root, sub.client.script)
    if problem:
        guess.notes.append(f"the client does not compile ({problem}): the dialect was guessed from the server's code")
        return guess
    try:
        server = h.start_server()
    except ServerDown:
        return guess  # the main checks start their own server and report why it fails
    try:
        return dialects.learn(sub, server.port, server.kind, timeout=h.left(6.0))
    finally:
        server.program.stop()


def _settle_dependencies(verdicts: dict[str, Verdict]) -> None:
    """Skip a check whose dependency did not pass; a check that found no verdict is a grader error."""
    for check in CHECKS:
        failed = [d for d in check.depends if verdicts.get(d, Verdict("skip")).status not in ("pass", "partial")]
        if failed:
            verdicts[check.id] = Verdict("skip", f"skipped: {BY_ID[failed[0]].title} failed")
        elif check.id not in verdicts:
            verdicts[check.id] = Verdict("error", "grader error: the check reached no verdict")


def describe(d: dialects.Dialect) -> str:
    def show(fmt: str | None) -> str:
        return "nothing" if fmt is None else repr(fmt.replace("{{", "{").replace("}}", "}"))
    parts = [f"learned from {d.learned_from}", d.transport.upper(),
             "the server speaks first" if d.greets else "the client speaks first",
             f"name sent as {show(d.name_format)}", f"messages as {show(d.message_format)}",
             f"leaves with {show(d.leave)} then closes" if d.leave else "leaves by closing",
             f"private messages as {show(d.private_format)}"]
    return "; ".join(parts)

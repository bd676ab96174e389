"""Grade one submission: load it, read its code, learn its dialect, run the checks, score."""
from __future__ import annotations

import re
import sys
import time
from dataclasses import dataclass, field

from . import dialect as dialects
from . import sandbox, static
from .checks import BY_ID, CHECKS, run_groups
from .harness import Harness, Server, ServerDown
from .messages import Msg, render
from .rubric import Rubric
from .submission import Submission, load
from .verdict import Verdict, fail

TIME_LIMIT = 20.0   # seconds for one submission, however broken
PYTHON = f"{sys.version_info.major}.{sys.version_info.minor}"


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
    lang: str = "en"
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


def grade(path: str, rubric: Rubric, seconds: float = TIME_LIMIT, lang: str = "en") -> Result:
    """Grade the submission at `path`, reasons in `lang`; raises SubmissionError if it cannot be graded."""
    started = time.monotonic()
    with load(path) as sub:
        verdicts, transport, two_user, dialect = _run(sub, seconds)
        if getattr(verdicts["server_starts"].message, "key", "") == "no_compile":
            # Code that cannot even be compiled earns nothing, not even for what it imports.
            verdicts["uses_socket"] = verdicts["uses_threading"] = Verdict("skip", Msg("skipped.no_compile"))
        else:
            verdicts["uses_socket"] = static.uses_socket(sub)
            verdicts["uses_threading"] = static.uses_threading(sub, transport)
    verdicts["transport"] = (Verdict("pass", Msg("transport.tcp")) if transport == "tcp" else
                             Verdict("partial", Msg("transport.udp", factor=f"{rubric.udp_factor:g}")))
    _settle_dependencies(verdicts)
    results = [CheckResult(c.id, c.title.render(lang), verdicts[c.id].status,
                           round(rubric.earned(c.id, verdicts[c.id].status), 2), rubric.points.get(c.id, 0.0),
                           render(verdicts[c.id].message, lang)) for c in CHECKS]
    score = rubric.score({r.id: r.status for r in results}, transport, two_user)
    return Result(submission=str(path), score=score, max_score=rubric.max_score, transport=transport,
                  checks=results, seconds=time.monotonic() - started, two_user=two_user,
                  dialect=describe(dialect).render(lang), notes=[render(n, lang) for n in dialect.notes], lang=lang)


def grade_repeated(path: str, rubric: Rubric, runs: int, seconds: float = TIME_LIMIT, lang: str = "en") -> Result:
    """Grade `runs` times; the first result, with every check whose verdict changed between runs."""
    results = [grade(path, rubric, seconds, lang) for _ in range(runs)]
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
        origin = sub.origins.get(sub.server.script)
        where = Msg("empty")
        if origin:
            at = re.search(r" line (\d+):", problem)
            where = (Msg("no_compile.where_line", origin=origin.msg, line=origin.first_line + int(at[1]) - 1)
                     if at and origin.first_line else Msg("no_compile.where", origin=origin.msg))
        newer = static.newer_syntax(sub.server_source) if "SyntaxError" in problem else None
        hint = Msg("no_compile.newer", feature=newer, version=PYTHON) if newer else Msg("empty")
        return ({"server_starts": fail(Msg("no_compile", where=where, problem=problem, hint=hint))},
                guess.transport, False, guess)
    h = Harness(sub, seconds)
    try:
        try:
            h.dialect = _learn(h, guess)
        except ServerDown as e:  # no use starting it five more times
            return {"server_starts": fail(e.msg)}, guess.transport, False, guess
        verdicts, two_user = run_groups(h, seed=sub.label)
        return verdicts, h.transport or guess.transport, two_user, h.dialect
    finally:
        h.close()


def _learn(h: Harness, guess: dialects.Dialect) -> dialects.Dialect:
    """The dialect, learned on a server of its own; raises ServerDown if the server does not start."""
    sub = h.sub
    problem = sandbox.compile_error(sub.root, sub.client.script) if sub.client else None
    if sub.client is None:
        guess.notes.append(Msg("note.no_client"))
    elif problem:
        guess.notes.append(Msg("note.client_no_compile", problem=problem))
    server = h.start_server()
    try:
        server = _chat_port(h, server, guess)
        if sub.client is None or problem:
            return guess
        return dialects.learn(sub, server, timeout=h.left(6.0), guess=guess)
    finally:
        server.program.stop()


def _chat_port(h: Harness, server: Server, guess: dialects.Dialect) -> Server:
    """The port the chat is on, when the server opens several: the one the student's client names,
    or else the one where a message from one scripted user reaches another. Sets guess.port."""
    ports = h.listening(server)
    if len(ports) < 2:
        return server
    requested = {p.port: b.requested[1] for p in ports for b in server.program.bindings if b.port == p.port}
    named = [p for p in ports if re.search(rf"\b{requested[p.port]}\b", h.sub.client_source)]
    chosen = named[0] if len(named) == 1 else None
    h.dialect = guess
    for candidate in ([] if chosen else ports):
        try:
            alice, bob = h.join(candidate, "Alice"), h.join(candidate, "Bob")
        except OSError:
            continue
        token, mark = "T" + str(candidate.port), bob.mark()
        h.say(alice, f"which {token}")
        found = bob.wait_token(token, h.left(1.0), mark)
        alice.close(), bob.close()
        if found:
            chosen = candidate
            break
    shown = ", ".join(str(requested[p.port]) for p in ports)
    guess.port = requested[(chosen or ports[0]).port]
    guess.notes.append(Msg("note.ports" if chosen else "note.ports_unknown", ports=shown, port=guess.port))
    return chosen or ports[0]


def _settle_dependencies(verdicts: dict[str, Verdict]) -> None:
    """Skip a check whose dependency did not pass; a check that found no verdict is a grader error."""
    for check in CHECKS:
        failed = [d for d in check.depends if verdicts.get(d, Verdict("skip")).status not in ("pass", "partial")]
        if failed:
            verdicts[check.id] = Verdict("skip", Msg("skipped", title=BY_ID[failed[0]].title))
        elif check.id not in verdicts:
            verdicts[check.id] = Verdict("error", Msg("no_verdict"))


def describe(d: dialects.Dialect) -> Msg:
    def show(fmt: str | None) -> Msg | str:
        return Msg("dialect.nothing") if fmt is None else repr(fmt.replace("{{", "{").replace("}}", "}"))
    return Msg("dialect", source=d.learned_from, transport=d.transport.upper(),
               speaks=Msg("dialect.server_first" if d.greets else "dialect.client_first"),
               name=show(d.name_format), message=show(d.message_format),
               leave=Msg("dialect.leave", leave=show(d.leave)) if d.leave else Msg("dialect.close"),
               private=show(d.private_format))

"""Grade one submission: load it, read its code, learn its dialect, observe it (grader.runner), judge, score."""
from __future__ import annotations

import time
from dataclasses import dataclass, field

from . import dialect as dialects
from . import facts, isolation, quiescence, runner, source
from .checks import CHECKS
from .harness import Harness, Server, ServerDown
from .messages import Msg, render
from .observations import MainObs, Observations, Start, StartObs
from .rubric import Rubric
from .submission import Submission, load
from .transcript import rendered

TIME_LIMIT = 20.0   # seconds for one submission, however broken


@dataclass
class CheckResult:
    id: str
    title: str
    status: str
    points: float
    max_points: float
    message: str
    transcript: list[dict] = field(default_factory=list)   # what was sent and seen, for a check not passed

    def as_json(self) -> dict:
        shown = {k: v for k, v in vars(self).items() if k != "transcript"}
        return shown if self.status == "pass" else {**shown, "transcript": self.transcript}


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
    isolation: isolation.Isolation | None = None

    def as_json(self) -> dict:
        return {
            "submission": self.submission,
            "score": self.score,
            "max_score": self.max_score,
            "transport": self.transport,
            "checks": [c.as_json() for c in self.checks],
            "seconds": round(self.seconds, 2),
            "dialect": self.dialect,
            **({"isolation": self.isolation.as_json()} if self.isolation else {}),
            **({"runs": self.runs, "changed": self.changed, "scores": self.scores} if self.runs > 1 else {}),
        }


def grade(path: str, rubric: Rubric, seconds: float = TIME_LIMIT, lang: str = "en",
          network: str | None = "not entered") -> Result:
    """Grade the submission at `path`, reasons in `lang`; raises SubmissionError if it cannot be graded.
    `network`: what isolation.enter_network_namespace() answered (None: the grading is in its own)."""
    started = time.monotonic()
    with load(path) as sub:
        obs, dialect = _observe(sub, seconds)
    obs.udp_factor = rubric.udp_factor
    verdicts = runner.judge(obs)
    results = [CheckResult(c.id, c.title.render(lang), verdicts[c.id].status,
                           round(rubric.earned(c.id, verdicts[c.id].status), 2), rubric.points.get(c.id, 0.0),
                           render(verdicts[c.id].message, lang), rendered(verdicts[c.id].transcript, lang))
               for c in CHECKS]
    two_user = obs.main.two_user
    score = rubric.score({r.id: r.status for r in results}, obs.transport, two_user)
    return Result(submission=str(path), score=score, max_score=rubric.max_score, transport=obs.transport,
                  checks=results, seconds=time.monotonic() - started, two_user=two_user,
                  dialect=describe(dialect).render(lang), notes=[render(n, lang) for n in dialect.notes], lang=lang,
                  isolation=isolation.describe(network, obs.isolation))


def grade_repeated(path: str, rubric: Rubric, runs: int, seconds: float = TIME_LIMIT, lang: str = "en",
                   network: str | None = "not entered") -> Result:
    """Grade `runs` times; the first result, with every check whose verdict changed between runs."""
    results = [grade(path, rubric, seconds, lang, network) for _ in range(runs)]
    first = results[0]
    first.runs, first.scores = runs, [r.score for r in results]
    for i, check in enumerate(first.checks):
        statuses = [r.checks[i].status for r in results]
        if len(set(statuses)) > 1:
            first.changed[check.id] = statuses
    return first


def _observe(sub: Submission, seconds: float) -> tuple[Observations, dialects.Dialect]:
    """Everything the grading sees of `sub`: its code's facts, and what the scenarios saw its server do."""
    guess = dialects.from_source(sub)
    obs = Observations(source=facts.read_source(sub), transport=guess.transport)
    problem = source.compile_error(sub.root, sub.server.script)
    if problem:
        obs.main = MainObs(start=StartObs(Start.NO_COMPILE, compile=facts.compile_error(sub, problem)))
        return obs, guess
    h = Harness(sub, seconds, stuck=quiescence.stuck)
    try:
        try:
            h.dialect = learn_dialect(h, guess)
        except ServerDown as e:  # no use starting it five more times
            obs.main = MainObs(start=StartObs(Start.DOWN, down=e.msg))
            return obs, guess
        runner.observe(h, obs.source, sub.label, obs)
        obs.transport = h.transport or guess.transport
        return obs, h.dialect
    finally:
        h.close()
        obs.isolation = h.isolation_reports()


def learn_dialect(h: Harness, guess: dialects.Dialect) -> dialects.Dialect:
    """The dialect, learned on a server of its own; raises ServerDown if the server does not start."""
    sub = h.sub
    problem = source.compile_error(sub.root, sub.client.script) if sub.client else None
    if sub.client is None:
        guess.notes.append(Msg("note.no_client"))
    elif problem:
        guess.notes.append(Msg("note.client_no_compile", problem=problem))
    server = h.start_server()
    try:
        server = _chat_port(h, server, guess)
        if sub.client is None or problem:
            return guess
        return dialects.learn(sub, server, timeout=h.left(6.0), guess=guess, stuck=quiescence.stuck)
    finally:
        server.program.stop()


def _chat_port(h: Harness, server: Server, guess: dialects.Dialect) -> Server:
    """The port the chat is on, when the server opens several: the one the student's client names,
    or else the one where a message from one scripted user reaches another. Sets guess.port."""
    ports = h.listening(server)
    if len(ports) < 2:
        return server
    requested = {p.port: b.requested[1] for p in ports for b in server.program.bindings if b.port == p.port}
    named = [p for p in ports if facts.client_names_port(h.sub, requested[p.port])]
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


def describe(d: dialects.Dialect) -> Msg:
    def show(fmt: str | None) -> Msg | str:
        return Msg("dialect.nothing") if fmt is None else repr(fmt.replace("{{", "{").replace("}}", "}"))
    return Msg("dialect", source=d.learned_from, transport=d.transport.upper(),
               speaks=Msg("dialect.server_first" if d.greets else "dialect.client_first"),
               name=show(d.name_format), message=show(d.message_format),
               leave=Msg("dialect.leave", leave=show(d.leave)) if d.leave else Msg("dialect.close"),
               private=show(d.private_format))

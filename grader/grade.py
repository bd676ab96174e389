"""Grade one submission: load it, read its code, learn its dialect, observe it (grader.runner), judge, score."""
from __future__ import annotations

import time
from dataclasses import dataclass, field, replace

from . import dialect as dialects
from . import experiment, facts, interpreters, isolation, learning, quiescence, runner, source
from .checks import CHECKS
from .harness import Harness, Server, ServerDown
from .interpreters import Python
from .messages import Msg, render
from .observations import MainObs, Observations, Start, StartObs
from .reasons import Reason
from .rubric import Rubric
from .submission import Submission, load
from .transcript import rendered

TIME_LIMIT = 20.0   # seconds for one submission, however broken
# script -> the Python it runs on, and its compile error there (None: it compiles)
RunsOn = dict[str, tuple[Python, "str | None"]]


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
    driven: str = ""   # how the scripted users were driven (Observations.driven)
    dialect: str = ""
    notes: list[str] = field(default_factory=list)
    lang: str = "en"
    python: str = ""   # the version of the Python the server ran on, when it is not the grader's own
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
            **({"driven": self.driven} if self.driven else {}),
            "checks": [c.as_json() for c in self.checks],
            "seconds": round(self.seconds, 2),
            "dialect": self.dialect,
            "notes": self.notes,
            **({"python": self.python} if self.python else {}),
            **({"isolation": self.isolation.as_json()} if self.isolation else {}),
            **({"runs": self.runs, "changed": self.changed, "scores": self.scores} if self.runs > 1 else {}),
        }


def grade(path: str, rubric: Rubric, seconds: float = TIME_LIMIT, lang: str = "en",
          network: str | None = "not entered", python: Python | None = None) -> Result:
    """Grade the submission at `path`, reasons in `lang`; raises SubmissionError if it cannot be graded.
    `network`: what isolation.enter_network_namespace() answered (None: the grading is in its own).
    `python`: the interpreter --python gave (None: see choose_python)."""
    started = time.monotonic()
    with load(path) as sub:
        runs_on = {e.script: choose_python(sub, e.script, python) for e in (sub.server, sub.client) if e}
        obs, dialect = _observe(sub, seconds, runs_on)
        notes = [*dialect.notes, *_entry_notes(sub, runs_on, python is not None)]
        server_python = runs_on[sub.server.script][0]
    obs.udp_factor = rubric.udp_factor
    verdicts = runner.judge(obs)
    results = [CheckResult(c.id, c.title.render(lang), verdicts[c.id].status,
                           round(rubric.earned(c.id, verdicts[c.id].status), 2), rubric.points.get(c.id, 0.0),
                           render(verdicts[c.id].message, lang), rendered(verdicts[c.id].transcript, lang))
               for c in CHECKS]
    two_user = obs.main.two_user
    score = rubric.score({r.id: r.status for r in results}, obs.transport, two_user)
    return Result(submission=str(path), score=score, max_score=rubric.max_score, transport=obs.transport,
                  checks=results, seconds=time.monotonic() - started, two_user=two_user, driven=obs.driven,
                  dialect=describe(dialect).render(lang), notes=[render(n, lang) for n in notes], lang=lang,
                  python="" if server_python.own else server_python.label,
                  isolation=isolation.describe(network, obs.isolation))


def grade_repeated(path: str, rubric: Rubric, runs: int, seconds: float = TIME_LIMIT, lang: str = "en",
                   network: str | None = "not entered", python: Python | None = None) -> Result:
    """Grade `runs` times; the first result, with every check whose verdict changed between runs."""
    results = [grade(path, rubric, seconds, lang, network, python) for _ in range(runs)]
    first = results[0]
    first.runs, first.scores = runs, [r.score for r in results]
    for i, check in enumerate(first.checks):
        statuses = [r.checks[i].status for r in results]
        if len(set(statuses)) > 1:
            first.changed[check.id] = statuses
    return first


def choose_python(sub: Submission, script: str, given: Python | None) -> tuple[Python, str | None]:
    """The interpreter that runs `script`, and its compile error there (None: it compiles): the one
    --python gave; else the grader's own, unless the code does not compile on it, seems to use syntax
    of a newer Python (source.newer_than) and such a Python is on PATH (grader.interpreters.newer)."""
    python = given or interpreters.GRADERS
    problem = source.compile_error(sub.root, script, None if python.own else python.path)
    newer = source.newer_than(sub.facts(script), python.version) if problem and "SyntaxError" in problem else None
    found = interpreters.newer(newer[1]) if newer and given is None else None
    if found is None:
        return python, problem
    return found, source.compile_error(sub.root, script, found.path)


def _entry_notes(sub: Submission, runs_on: RunsOn, given: bool) -> list[Msg]:
    """What the report says about how the programs were started: their role answers, their Python
    (`given`: as --python asked)."""
    notes = []
    if sub.server.typed:
        server = repr(sub.server.typed.strip())
        notes.append(Msg("note.role", server=server, client=repr(sub.client.typed.strip())) if sub.client
                     else Msg("note.role_server", server=server))
    if given:
        python = runs_on[sub.server.script][0]
        return [*notes, Msg("note.python", version=python.label, path=python.path)]
    for script, (python, _) in runs_on.items():
        if not python.own:
            feature, needed = source.newer_than(sub.facts(script), interpreters.GRADERS.version)
            notes.append(Msg("note.python_newer", script=script, needed=interpreters.version_label(needed),
                             feature=Msg(feature), version=python.label, path=python.path))
    return notes


def _observe(sub: Submission, seconds: float, runs_on: RunsOn) -> tuple[Observations, dialects.Dialect]:
    """Everything the grading sees of `sub`: its code's facts, and what the scenarios saw its server do
    (on the Python `runs_on` gives it)."""
    guess = dialects.from_source(sub)
    obs = Observations(source=facts.read_source(sub), transport=guess.transport)
    python, problem = runs_on[sub.server.script]
    if problem:
        obs.main = MainObs(start=StartObs(Start.NO_COMPILE, compile=facts.compile_error(sub, problem, python)))
        return obs, guess
    h = Harness(sub, seconds, stuck=quiescence.stuck, python=None if python.own else python.path)
    try:
        try:
            h.dialect = learn_dialect(h, guess, runs_on)
        except ServerDown as e:  # no use starting it five more times
            obs.main = MainObs(start=StartObs(Start.DOWN, down=e.msg))
            return obs, guess
        runner.observe(h, obs.source, sub.label, obs)
        obs.driven = "client" if h.clients else "raw"
        h.dialect.notes.append(Msg(Reason.DRIVEN_CLIENT if h.clients else Reason.DRIVEN_RAW))
        obs.transport = h.transport or guess.transport
        return obs, h.dialect
    finally:
        h.close()
        obs.isolation = h.isolation_reports()


def learn_dialect(h: Harness, guess: dialects.Dialect, runs_on: RunsOn | None = None) -> dialects.Dialect:
    """The dialect, learned on a server of its own and confirmed by experiment on fresh ones (raw users);
    raises ServerDown if the server does not start. The client runs on the Python `runs_on` gives it
    (else the one choose_python() chooses)."""
    sub = h.sub
    python, problem = None, None
    if sub.client:
        python, problem = (runs_on or {}).get(sub.client.script) or choose_python(sub, sub.client.script, None)
    if sub.client is None:
        guess.notes.append(Msg("note.no_client"))
    elif problem:
        guess.notes.append(Msg("note.client_no_compile", problem=problem))
    server = h.start_server()
    try:
        server = _chat_port(h, server, guess)
        if sub.client and not problem:
            guess = learning.learn(sub, server, timeout=h.left(6.0), guess=guess, stuck=h.policy,
                                   python=None if python.own else python.path)
            # Seen reaching the server, the client is what every scripted user types into (grader.users).
            h.clients = guess.learned_from.key == "dialect.from_client"
            if h.clients:   # started as it was learned: with the name on its command line, if it takes it there
                sub.client = replace(sub.client, args=guess.client_args)
                guess.typed_message, guess.private_typed = dialects.typed_menu(sub.client_facts, dialects.typed_private(
                    sub.client_facts.private_prefixes + sub.server_facts.private_prefixes, guess.private_format))
            h.client_python = None if python.own else python.path
    finally:
        server.program.stop()
    confirmed = experiment.confirmed(h, guess)
    # Raw users found the name taken in another form than the client sent (`/nick Alice`): where the
    # client can send it, its users type it; a change of framing alone is the client's own business.
    line = dialects.typed_name(guess, confirmed) if h.clients and confirmed is not guess else None
    if line and line != h.name_line:
        h.name_line = line
        confirmed.notes.append(Msg("note.typed_name", line=repr(line.replace("{name}", "Alice"))))
    return confirmed


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
               name=" → ".join(repr(d.name_format.replace("{name}", line)) for line in d.handshake())
               if d.login and d.name_format else show(d.name_format),
               message=show(d.message_format),
               leave=Msg("dialect.leave", leave=show(d.leave)) if d.leave else Msg("dialect.close"),
               private=Msg("dialect.private_typed", private=" | ".join(map(repr, d.private_typed))) if d.private_typed
               else Msg("dialect.private", private=show(d.private_format)))

"""Run the scenarios side by side, then judge what they saw with every check, in the report's order.

Each scenario gets a thread and a server process of its own. A scenario that raises leaves the parts
it did not reach unseen, and the runner gives those checks its end: ServerDown -> the server's
reason, OSError -> a failed connection, anything else -> a grader error, a normal end out of time ->
out of time. Judging owns the dependency rules: a check whose dependency did not pass is skipped
naming it, one whose requirement does not hold is skipped with the requirement's reason, and a check
that raises is a grader error. A failed or partial verdict carries the transcript of its parts.
"""
from __future__ import annotations

import threading

from .checks import CHECKS
from .harness import Harness, ServerDown
from .observations import Observations, SourceFacts
from .reasons import Reason
from .registry import Check
from .scenarios import SCENARIOS, Scenario, Tokens
from .verdict import Verdict, error, fail, skip

PASSING = ("pass", "partial")
WITH_TRANSCRIPT = ("fail", "partial")


def observe(h: Harness, facts: SourceFacts, seed: str, obs: Observations) -> None:
    """Run every scenario against `h`'s submission and put what each saw into `obs`."""
    tokens = Tokens(seed)
    scenarios = [cls(h, tokens, facts) for cls in SCENARIOS]

    def run(scenario: Scenario) -> None:
        try:
            scenario.run()
            if h.left(1) == 0:
                obs.fallback[scenario.name] = fail(Reason.OUT_OF_TIME)
        except ServerDown as e:
            obs.fallback[scenario.name] = fail(e.msg)
        except OSError as e:
            obs.fallback[scenario.name] = fail(Reason.CONNECTION_FAILED, error=e.strerror or e)
        except Exception as e:  # a grader bug: report it on the checks it hides, never crash the grading
            obs.fallback[scenario.name] = error(Reason.GRADER_ERROR, error=f"{type(e).__name__}: {e}")

    threads = [threading.Thread(target=run, args=(s,), daemon=True) for s in scenarios]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for s in scenarios:
        if s.seen is not None:
            setattr(obs, s.name, s.seen)
        obs.transcripts[s.name] = s.log


def judge(obs: Observations, checks: list[Check] = CHECKS) -> dict[str, Verdict]:
    """Every check's verdict, in order; never raises."""
    verdicts: dict[str, Verdict] = {}
    by_id = {c.id: c for c in checks}
    for c in checks:
        verdict = _judge_one(c, obs, verdicts, by_id)
        if verdict.status in WITH_TRANSCRIPT:
            verdict.transcript = _evidence(c, obs, verdict)
        verdicts[c.id] = verdict
    return verdicts


def _evidence(c: Check, obs: Observations, verdict: Verdict) -> list[dict]:
    """What a lost point rests on: the transcript of the check's parts; else all its scenario saw
    (a server that went down before the part began); else, for what was read from the code or the
    compiler, or a server that never started, the reason itself as a note."""
    log = obs.transcripts.get(c.scenario)
    events = log.events(c.evidence) if log else []
    if not events and log:
        events = log.events(log.parts)
    return events or [{"t": 0.0, "user": "", "event": "note", "text": verdict.message}]


def _judge_one(c: Check, obs: Observations, verdicts: dict[str, Verdict], by_id: dict[str, Check]) -> Verdict:
    failed = [d for d in c.depends if verdicts.get(d, Verdict("skip")).status not in PASSING]
    if failed:
        return skip(Reason.SKIPPED, title=by_id[failed[0]].title)
    unmet = [n for n in c.needs if not n.holds(obs)]
    if unmet:
        return skip(unmet[0].reason)
    parts = [_part(obs, path) for path in c.reads]
    if any(p is None for p in parts):
        end = obs.fallback.get(c.scenario)
        return Verdict(end.status, end.message) if end else error(Reason.NO_VERDICT)
    try:
        verdict = c.judge(*parts)
    except Exception as e:  # a grader bug in one check costs that check only
        return error(Reason.GRADER_ERROR, error=f"{type(e).__name__}: {e}")
    return verdict if isinstance(verdict, Verdict) else error(Reason.NO_VERDICT)


def _part(obs: Observations, path: str):
    value = obs
    for name in path.split("."):
        value = getattr(value, name, None)
        if value is None:
            return None
    return value

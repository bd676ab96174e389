"""Turn a grading result into what a person or a program reads."""
from __future__ import annotations

import json

from .grade import Result
from .messages import Msg

MARKS = {"pass": "✓", "partial": "~", "fail": "✗", "skip": "-", "error": "!"}


def _num(x: float) -> str:
    return f"{x:g}"


def text(result: Result) -> str:
    def say(key: str, **values) -> str:
        return Msg(key, **values).render(result.lang)

    width = max(len(c.id) for c in result.checks)
    lines = [say("report.head", submission=result.submission, score=_num(result.score), max=_num(result.max_score),
                 transport=result.transport.upper(), seconds=f"{result.seconds:.1f}")]
    for c in result.checks:
        points = f"{_num(c.points)}/{_num(c.max_points)}"
        message = c.message.replace("\n", "\n" + " " * (width + 14))
        lines.append(f"  {MARKS.get(c.status, '?')} {c.id:<{width}}  {points:>6}  {message}".rstrip())
    if result.two_user:
        lines.append("  " + say("report.two_user"))
    lines.append("  " + say("report.dialect", dialect=result.dialect))
    lines += ["  " + say("report.note", note=n) for n in result.notes]
    if result.runs > 1:
        lines.append("  " + say("report.runs", runs=result.runs, scores=", ".join(map(_num, result.scores))))
        for cid, statuses in result.changed.items():
            lines.append("  ! " + say("report.changed", check=cid, statuses=", ".join(statuses)))
        if not result.changed:
            lines.append("  " + say("report.stable"))
    if result.isolation and result.isolation.weaker:
        lines.append("  " + say("report.isolation", why=result.isolation.weaker))
    lines.append(say("report.score", score=_num(result.score), max=_num(result.max_score)))
    return "\n".join(lines)


def as_json(result: Result) -> str:
    return json.dumps(result.as_json(), ensure_ascii=False, indent=2)


def gradescope(result: Result) -> str:
    """Gradescope's results.json: the total, and one test per check with its points and reason."""
    tests = [{
        "name": f"{c.id}: {c.title}",
        "score": c.points,
        "max_score": c.max_points,
        "status": "passed" if c.status == "pass" else "failed",
        "output": c.message,
        "visibility": "visible",
    } for c in result.checks]
    summary = [Msg("report.score", score=_num(result.score), max=_num(result.max_score)).render(result.lang)]
    if result.two_user:
        summary.append(Msg("report.two_user").render(result.lang))
    summary.append(Msg("report.dialect", dialect=result.dialect).render(result.lang))
    return json.dumps({
        "score": result.score,
        "execution_time": round(result.seconds, 1),
        "output": "\n".join(summary),
        "stdout_visibility": "hidden",
        "tests": tests,
    }, ensure_ascii=False, indent=2)


def gradescope_error(message: str) -> str:
    """results.json for a hand-in that cannot be graded at all: zero, and why."""
    return json.dumps({"score": 0, "output": message, "tests": []}, ensure_ascii=False, indent=2)

"""Turn a grading result into what a person or a program reads."""
from __future__ import annotations

import json

from .grade import Result

MARKS = {"pass": "✓", "partial": "~", "fail": "✗", "skip": "-", "error": "!"}


def _num(x: float) -> str:
    return f"{x:g}"


def text(result: Result) -> str:
    width = max(len(c.id) for c in result.checks)
    lines = [f"{result.submission}: {_num(result.score)} / {_num(result.max_score)} "
             f"({result.transport.upper()}, graded in {result.seconds:.1f} s)"]
    for c in result.checks:
        points = f"{_num(c.points)}/{_num(c.max_points)}"
        message = c.message.replace("\n", "\n" + " " * (width + 14))
        lines.append(f"  {MARKS.get(c.status, '?')} {c.id:<{width}}  {points:>6}  {message}".rstrip())
    if result.two_user:
        lines.append("  a two-user chat: the score is capped")
    lines.append(f"  dialect: {result.dialect}")
    lines += [f"  note: {n}" for n in result.notes]
    if result.runs > 1:
        lines.append(f"  graded {result.runs} times: scores {', '.join(map(_num, result.scores))}")
        for cid, statuses in result.changed.items():
            lines.append(f"  ! {cid} changed between runs: {', '.join(statuses)}")
        if not result.changed:
            lines.append("  every verdict was the same in every run")
    lines.append(f"Score: {_num(result.score)} / {_num(result.max_score)}")
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
    summary = f"{_num(result.score)} / {_num(result.max_score)} ({result.transport.upper()})"
    if result.two_user:
        summary += "; a two-user chat: the score is capped"
    return json.dumps({
        "score": result.score,
        "execution_time": round(result.seconds, 1),
        "output": summary + "\ndialect: " + result.dialect,
        "stdout_visibility": "hidden",
        "tests": tests,
    }, ensure_ascii=False, indent=2)

"""Turn a grading result into what a person or a program reads.

A check that lost points may carry a transcript (grade.CheckResult.transcript: events {"t", "user",
"event", "text"}): the text report prints it under the check with -v, Gradescope puts it into the
test's output, and html_report into the student's detail. Its text is the student's server's output,
so control characters are shown as escapes (`\x1b`) and never reach a terminal.
"""
from __future__ import annotations

import json
import unicodedata

from .grade import Result
from .messages import Msg

MARKS = {"pass": "✓", "partial": "~", "fail": "✗", "skip": "-", "error": "!"}


def _num(x: float) -> str:
    return f"{x:g}"


def shown(text: str) -> str:
    """`text` with every control or format character (escape sequences, bidi overrides) as an escape."""
    return "".join(ch if ch == "\n" or unicodedata.category(ch) not in ("Cc", "Cf") else
                   (f"\\x{ord(ch):02x}" if ord(ch) < 0x100 else f"\\u{ord(ch):04x}") for ch in text)


def transcript_lines(events: list[dict] | None, lang: str) -> list[str]:
    """One line per event: "0.42 s  Alice sent: hello"; a multi-line text stays on one line (⏎)."""
    lines = []
    for e in events or []:
        at = Msg("transcript.at", seconds=f"{float(e.get('t', 0)):.2f}").render(lang)
        event = e.get("event") if e.get("event") in ("sent", "typed", "got", "printed", "server") else "note"
        said = shown(str(e.get("text", "")).replace("\r\n", "\n")).replace("\n", "⏎")
        lines.append(Msg(f"transcript.{event}", at=at, user=shown(str(e.get("user", ""))), text=said).render(lang))
    return lines


def text(result: Result, verbose: bool = False) -> str:
    """The report: a line per check with its reason; with `verbose`, each check's transcript under it."""
    def say(key: str, **values) -> str:
        return Msg(key, **values).render(result.lang)

    width = max(len(c.id) for c in result.checks)
    lines = [say("report.head", submission=result.submission, score=_num(result.score), max=_num(result.max_score),
                 transport=result.transport.upper(), seconds=f"{result.seconds:.1f}")]
    for c in result.checks:
        points = f"{_num(c.points)}/{_num(c.max_points)}"
        message = c.message.replace("\n", "\n" + " " * (width + 14))
        lines.append(f"  {MARKS.get(c.status, '?')} {c.id:<{width}}  {points:>6}  {message}".rstrip())
        if verbose:
            lines += [" " * (width + 14) + line for line in transcript_lines(getattr(c, "transcript", None), result.lang)]
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
        "output": "\n".join([c.message, *transcript_lines(getattr(c, "transcript", None), result.lang)]),
        "visibility": "visible",
    } for c in result.checks]
    summary = [Msg("report.score", score=_num(result.score), max=_num(result.max_score)).render(result.lang)]
    if result.two_user:
        summary.append(Msg("report.two_user").render(result.lang))
    summary.append(Msg("report.dialect", dialect=result.dialect).render(result.lang))
    summary += [Msg("report.note", note=n).render(result.lang) for n in result.notes]
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

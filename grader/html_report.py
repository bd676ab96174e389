"""The class report as one HTML file (python -m grader CLASS --html report.html).

What a teacher looks at after grading a class: a histogram of the scores, each check's pass / partial
/ fail / skipped shares as bars, the most common lost points with the students who lost them, the
near-copies, a table of every student, and for each student an expandable detail with every check,
its reason and its transcript.

The file stands alone and needs nothing to be shown: inline CSS, charts as inline SVG, no script and
nothing fetched; a Content-Security-Policy says so to the browser, so even an escape that was missed
could neither run nor fetch anything. Everything that comes from a student (ids, messages, tracebacks,
transcripts) is hostile and goes through html.escape; element ids are row numbers, never names.
"""
from __future__ import annotations

import statistics
from html import escape
from pathlib import Path

from . import batch, similarity
from .messages import Msg
from .report import MARKS, transcript_lines

BINS = 10                                     # histogram bars over 0..max_score
STATUSES = ("pass", "partial", "fail", "skip")  # "error" (the grader's own) counts as fail
COLORS = {"pass": "#2e7d32", "partial": "#f9a825", "fail": "#c62828", "skip": "#9e9e9e"}
TOP_LOST = 8                                  # checks listed under the most common lost points
POLICY = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
CSS = """
body { font: 15px/1.45 system-ui, sans-serif; margin: 2em auto; max-width: 70em; padding: 0 1em; color: #212121; }
h1 { font-size: 1.5em; } h2 { font-size: 1.2em; margin-top: 2em; border-bottom: 1px solid #ddd; }
table { border-collapse: collapse; width: 100%; } td, th { text-align: left; vertical-align: top; padding: .25em .5em; }
tr:nth-child(even) td { background: #f6f6f6; } td.num, th.num { text-align: right; white-space: nowrap; } th { white-space: nowrap; }
details { margin: .3em 0; border: 1px solid #ddd; border-radius: 4px; padding: .3em .6em; }
details[open] { background: #fcfcfc; } summary { cursor: pointer; font-weight: 600; }
.reason { white-space: pre-wrap; } .error { color: #b71c1c; }
pre.transcript { background: #263238; color: #eceff1; padding: .5em; overflow-x: auto; font-size: 13px;
  white-space: pre-wrap; margin: .3em 0; }
.legend span { display: inline-block; margin-right: 1.2em; } .swatch { display: inline-block; width: .9em;
  height: .9em; margin-right: .3em; vertical-align: middle; }
svg text { font: 12px system-ui, sans-serif; fill: #212121; }
"""


def write(rows: list[dict], path: Path, folder: str, lang: str = "en") -> None:
    path.write_text(page(rows, folder, lang), encoding="utf-8")


def page(rows: list[dict], folder: str, lang: str = "en") -> str:
    def say(key: str, **values) -> str:
        return escape(Msg(key, **values).render(lang))

    graded = [r for r in rows if not r.get("error")]
    max_score = max([r["max_score"] or 0 for r in rows] + [0]) or 100
    scores = [r["score"] for r in rows]
    summary = say("html.summary", count=len(rows), mean=_num(statistics.fmean(scores) if scores else 0),
                  median=_num(statistics.median(scores) if scores else 0), max=_num(max_score),
                  errors=len(rows) - len(graded))
    parts = [
        f"<h1>{say('html.title', folder=folder)}</h1>", f"<p>{summary}</p>",
        f"<h2>{say('html.histogram')}</h2>", histogram(scores, max_score, say),
        f"<h2>{say('html.checks')}</h2>", check_bars(graded, say),
        f"<h2>{say('html.lost')}</h2>", lost_points(rows, say),
        f"<h2>{say('html.copies')}</h2>", copies(rows, say),
        f"<h2>{say('html.students')}</h2>", students(rows, say),
        f"<h2>{say('html.details')}</h2>", *(detail(i, row, say, lang) for i, row in enumerate(rows)),
    ]
    return (f'<!DOCTYPE html>\n<html lang="{escape(lang)}"><head><meta charset="utf-8">'
            f'<meta http-equiv="Content-Security-Policy" content="{POLICY}">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f'<link rel="icon" href="data:,"><title>{say("html.title", folder=folder)}</title>'
            f"<style>{CSS}</style></head>\n<body>\n" + "\n".join(parts) + "\n</body></html>\n")


def _num(x: float) -> str:
    return f"{round(x, 1):g}"


def _anchor(i: int, rows: list[dict]) -> str:
    return f'<a href="#s-{i}">{escape(rows[i]["id"])}</a>'


def histogram(scores: list[float], max_score: float, say) -> str:
    """Bars of how many students scored in each tenth of the maximum (the last one takes the maximum)."""
    counts = [0] * BINS
    for s in scores:
        counts[min(BINS - 1, max(0, int(s / max_score * BINS)))] += 1
    width, height, bar, top = 640, 220, 56, max(counts + [1])
    out = [f'<svg role="img" width="{width}" height="{height + 40}" viewBox="0 0 {width} {height + 40}" '
           f'xmlns="http://www.w3.org/2000/svg" class="histogram">']
    for i, count in enumerate(counts):
        x, h = 20 + i * (bar + 6), round(count / top * (height - 20))
        low, high = _num(max_score * i / BINS), _num(max_score * (i + 1) / BINS)
        out.append(f'<rect x="{x}" y="{height - h}" width="{bar}" height="{h}" fill="#1565c0">'
                   f'<title>{say("html.histogram.bar", low=low, high=high, count=count)}</title></rect>')
        if count:
            out.append(f'<text x="{x + bar / 2}" y="{height - h - 4}" text-anchor="middle">{count}</text>')
        out.append(f'<text x="{x + bar / 2}" y="{height + 16}" text-anchor="middle">{low}–{high}</text>')
    out.append(f'<line x1="16" y1="{height}" x2="{width - 4}" y2="{height}" stroke="#616161"/>')
    out.append(f'<text x="{width / 2}" y="{height + 36}" text-anchor="middle">'
               f'{say("html.histogram.axis", max=_num(max_score))}</text></svg>')
    return "".join(out)


def _status(check: dict) -> str:
    return check["status"] if check["status"] in STATUSES else "fail"


def check_bars(graded: list[dict], say) -> str:
    """One bar per check, split into the shares of students who passed, partly passed, failed it, or
    were skipped (a check it depends on failed)."""
    order = [(c["id"], c["title"]) for c in graded[0]["checks"]] if graded else []
    label, width, row_h = 170, 460, 24
    out = [f'<svg role="img" width="{label + width + 10}" height="{len(order) * row_h + 10}" '
           f'xmlns="http://www.w3.org/2000/svg" class="checks">']
    for n, (cid, title) in enumerate(order):
        counts = {s: 0 for s in STATUSES}
        for row in graded:
            for c in row["checks"]:
                if c["id"] == cid:
                    counts[_status(c)] += 1
        total, x, y = sum(counts.values()) or 1, float(label), n * row_h + 4
        out.append(f'<text x="{label - 6}" y="{y + 14}" text-anchor="end">{escape(cid)}<title>{escape(title)}</title></text>')
        for status in STATUSES:
            w = counts[status] / total * width
            if w:
                tip = say("html.checks.bar", check=cid, status=Msg(f"html.status.{status}"), count=counts[status],
                          total=total)
                out.append(f'<rect x="{x:.1f}" y="{y}" width="{w:.1f}" height="{row_h - 6}" fill="{COLORS[status]}">'
                           f'<title>{tip}</title></rect>')
            x += w
    out.append("</svg>")
    legend = "".join(f'<span><i class="swatch" style="background:{COLORS[s]}"></i>{say(f"html.status.{s}")}</span>'
                     for s in STATUSES)
    return "".join(out) + f'<p class="legend">{legend}</p>'


def lost_points(rows: list[dict], say) -> str:
    """The checks most students lost points on, each with the students who did."""
    lost: dict[str, list[int]] = {}
    titles: dict[str, str] = {}
    for i, row in enumerate(rows):
        for c in row["checks"]:
            titles[c["id"]] = c["title"]
            if c["points"] < c["max_points"] and c["status"] != "skip":   # a skip is its dependency's loss
                lost.setdefault(c["id"], []).append(i)
    if not lost:
        return f"<p>{say('html.lost.none')}</p>"
    ranked = sorted(lost.items(), key=lambda item: -len(item[1]))[:TOP_LOST]
    items = [f"<li><b>{say('html.lost.item', check=cid, title=titles[cid], count=len(who))}</b>: "
             + ", ".join(_anchor(i, rows) for i in who) + "</li>" for cid, who in ranked]
    return '<ul class="lost">' + "".join(items) + "</ul>"


def copies(rows: list[dict], say) -> str:
    threshold = f"{similarity.THRESHOLD:.0%}"
    by_id = {row["id"]: i for i, row in enumerate(rows)}
    pairs = sorted({(min(i, by_id[p["id"]]), max(i, by_id[p["id"]]), p["share"])
                    for i, row in enumerate(rows) for p in row.get("similar", []) if p["id"] in by_id},
                   key=lambda p: (-p[2], p[0], p[1]))
    if not pairs:
        return f'<p class="copies">{say("html.copies.none", threshold=threshold)}</p>'
    lines = "".join(f'<tr><td>{_anchor(a, rows)}</td><td>{_anchor(b, rows)}</td><td class="num">{share:.0%}</td></tr>'
                    for a, b, share in pairs)
    return (f"<p>{say('html.copies.explain', threshold=threshold)}</p>"
            f'<table class="copies"><tr><th>{say("class.head.student")}</th><th>{say("class.head.student")}</th>'
            f'<th class="num">{say("html.copies.share")}</th></tr>{lines}</table>')


def students(rows: list[dict], say) -> str:
    by_id = {row["id"]: i for i, row in enumerate(rows)}
    lines = []
    for i, row in enumerate(rows):
        lost = escape(batch.lost(row))
        if row.get("error"):
            lost = f'<span class="error">{lost}</span>'
        similar = ", ".join(f'{_anchor(by_id[p["id"]], rows)} ({p["share"]:.0%})'
                            for p in row.get("similar", []) if p["id"] in by_id)
        lines.append(f'<tr><td>{_anchor(i, rows)}</td><td class="num">{_num(row["score"])} / {_num(row["max_score"] or 0)}'
                     f"</td><td>{lost}</td><td>{similar}</td></tr>")
    return (f'<table class="students"><tr><th>{say("class.head.student")}</th><th class="num">{say("class.head.score")}'
            f'</th><th>{say("class.head.lost")}</th><th>{say("class.head.similar")}</th></tr>' + "".join(lines) + "</table>")


def detail(i: int, row: dict, say, lang: str) -> str:
    """A student's expandable detail: every check with its points, reason and transcript."""
    head = (f'<details id="s-{i}"><summary>{escape(row["id"])} — {_num(row["score"])} / '
            f'{_num(row["max_score"] or 0)}</summary>')
    if row.get("error"):
        return head + f'<p class="error">{say("html.not_graded", error=row["error"])}</p></details>'
    lines = []
    for c in row["checks"]:
        events = transcript_lines(c.get("transcript"), lang)
        transcript = (f'<div>{say("html.transcript")}:</div><pre class="transcript">' + escape("\n".join(events)) + "</pre>"
                      if events else "")
        lines.append(f'<tr><td>{MARKS.get(c["status"], "?")}</td><td>{escape(c["id"])}</td>'
                     f'<td class="num">{_num(c["points"])} / {_num(c["max_points"])}</td>'
                     f'<td><div class="reason">{escape(c["message"])}</div>{transcript}</td></tr>')
    notes = "".join(f"<li>{escape(n)}</li>" for n in row.get("notes", []))
    return (head + f'<table><tr><th></th><th>{say("html.col.check")}</th><th class="num">{say("html.col.points")}</th>'
            f'<th>{say("html.col.reason")}</th></tr>' + "".join(lines) + "</table>"
            + (f'<div>{say("html.notes")}:</div><ul class="notes">{notes}</ul>' if notes else "") + "</details>")

"""The load benchmark's table: medians of the rounds per target, and the ratios to the first target."""
from __future__ import annotations

import statistics

from .load import Run

METRICS = [  # (field, label, format, ratio: "higher" is better / "lower" is better / None)
    ("expected", "deliveries expected", "{:.0f}", None),
    ("received", "deliveries received", "{:.0f}", None),
    ("whole_lines", "whole lines", None, None),
    ("per_second", "deliveries/s", "{:,.0f}", "higher"),
    ("p50_ms", "latency p50 ms", "{:.2f}", "lower"),
    ("p99_ms", "latency p99 ms", "{:.2f}", "lower"),
    ("max_ms", "latency max ms", "{:.2f}", "lower"),
    ("rss_mib", "server peak RSS MiB", "{:.1f}", "lower"),
    ("cpu_s", "server CPU s", "{:.2f}", "lower"),
    ("busy_pct", "server CPU % of a core", "{:.0f}", None),
    ("switches", "server context switches", "{:,.0f}", None),
    ("idle_cpu_pct", "idle CPU %", "{:.2f}", None),
    ("join_s", "join s", "{:.2f}", None),
    ("bench_cpu_pct", "load generator CPU %", "{:.0f}", None),
    ("others_cpu_pct", "other processes CPU %", "{:.0f}", None),
]


def median_of(runs: list[Run], name: str):
    """The median of field `name` over the runs that completed; for whole_lines, whether all had them."""
    values = [getattr(r, name) for r in runs if not r.error or name in ("expected", "received")]
    if name == "whole_lines":
        flags = [getattr(r, name) for r in runs]
        return None if any(f is None for f in flags) else all(flags)
    return statistics.median(values) if values else None


def table(results: dict[tuple[int, int, float], dict[str, list[Run]]], rounds: int) -> str:
    """One block per cell: a row per metric, a column per target, then the ratios and every error."""
    out = []
    for (n, m, rate), cell in results.items():
        labels = list(cell)
        mode = f"paced at {rate:g} msg/s per user" if rate else "burst"
        out.append(f"N = {n} users, M = {m} messages each, {mode}; median of {rounds} interleaved round(s)")
        head = labels + [f"{labels[0]} / {other}" for other in labels[1:]]
        rows = [["", *head]]
        for name, label, fmt, better in METRICS:
            row = [label]
            medians = [median_of(cell[lab], name) for lab in labels]
            for value in medians:
                if value is None:
                    row.append("n/a" if name == "whole_lines" else "-")
                elif name == "whole_lines":
                    row.append("yes" if value else "NO")
                else:
                    row.append(fmt.format(value))
            for value in medians[1:]:
                base = medians[0]
                row.append(f"{base / value:.2f}x" if better and base and value else "")
            rows.append(row)
        widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
        for row in rows:
            out.append("  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths))))
        for lab in labels:
            for i, r in enumerate(cell[lab]):
                if r.error:
                    out.append(f"  {lab} round {i + 1}: {r.error}")
        out.append("")
    return "\n".join(out)

"""The grader speed benchmark: grade every example submission (and chat.py, and the hostile set if it
is there) with -j 1 and -j 2, time each and the whole, time a class of 25, and find where the time
goes.

Timings come from the grader as a teacher runs it: one child `python -m grader ENTRY --format json`
per submission (grader.batch.grade_one), so process start-up and imports are counted. Every verdict
is compared with the example's expected.json, so a faster grader that judges differently shows up.

The profile (--profile) grades each submission once more in this process with timers wrapped around
the grader's waits, and splits the critical path (learning the dialect, then the slowest group of
checks) into what it waited for.
"""
from __future__ import annotations

import json
import os
import tempfile
import threading
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from .. import batch, interpreters, source
from ..submission import load

ROOT = Path(__file__).resolve().parent.parent.parent
EXAMPLES = ROOT / "assignments" / "examples"
HOSTILE = ROOT / "assignments" / "hostile"
CLASS_SIZE = 25
TARGET_CHAT = 3.0       # seconds for chat.py
TARGET_CLASS = 60.0     # seconds for a class of 25 with -j 2


def subjects() -> list[tuple[str, Path]]:
    """(label, path): chat.py, every example, every hostile submission (if that set exists)."""
    found = [("chat.py", ROOT / "chat.py")]
    for folder, prefix in ((EXAMPLES, ""), (HOSTILE, "hostile/")):
        if folder.is_dir():
            found += [(prefix + p.name, p) for p in sorted(folder.iterdir()) if p.is_dir() and not p.name.startswith(".")]
    return found


def expected(path: Path) -> dict | None:
    """The entry's expected.json; for code that needs a newer Python than the grader's and will find
    none on this machine, its "without_newer_python" verdicts instead. None where nothing is expected."""
    try:
        want = json.loads((path / "expected.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    fallback = want.get("without_newer_python")
    return {**want, **fallback} if fallback and not finds_the_python_it_needs(path) else want


def finds_the_python_it_needs(entry: Path) -> bool:
    """Whether grading `entry` here runs its server on a Python that has the syntax it uses: the
    grader's own, or one the grader finds on PATH (as grader.grade.choose_python does)."""
    with load(entry) as sub:
        newer = source.newer_than(sub.server_facts, interpreters.GRADERS.version)
    return newer is None or interpreters.newer(newer[1]) is not None


def verdict_note(path: Path, row: dict) -> str:
    """"as expected", what differs from expected.json, or the score where nothing is expected."""
    if row.get("error"):
        return "error: " + row["error"]
    want = expected(path)
    got = {c["id"]: c["status"] for c in row.get("checks", [])}
    if path.name == "chat.py" and path.parent == ROOT:
        return "as expected" if row["score"] == row["max_score"] and all(s == "pass" for s in got.values()) \
            else f"NOT full marks: {row['score']:g}"
    if not want:
        return f"score {row['score']:g}"
    differ = sorted(k for k, v in want.get("checks", {}).items() if got.get(k) != v)
    if want.get("score") is not None and row["score"] != want["score"]:
        differ.append(f"score {row['score']:g} != {want['score']:g}")
    return "as expected" if not differ else "DIFFERS: " + ", ".join(differ)


def grade_all(entries: list[tuple[str, Path]], jobs: int, time_limit: float = 20.0) -> tuple[list[dict], float]:
    """Grade every entry in a child process, `jobs` side by side. Returns the rows, each with "wall"
    (this entry's child process, start to end), and the wall time of the whole."""
    options = ["--time-limit", str(time_limit)]
    rows: list[dict | None] = [None] * len(entries)

    def one(i: int) -> None:
        label, path = entries[i]
        started = time.monotonic()
        row = batch.grade_one(path, options, time_limit)
        row["wall"] = time.monotonic() - started
        row["label"], row["note"] = label, verdict_note(path, row)
        rows[i] = row

    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        list(pool.map(one, range(len(entries))))
    return rows, time.monotonic() - started  # type: ignore[return-value]


def class_folder(size: int) -> tempfile.TemporaryDirectory:
    """A class of `size` students made of symbolic links to chat.py and the examples, repeated in
    order until there are enough (the mix of a real class: mostly working chats, a few broken)."""
    pool = [p for _, p in subjects() if not str(p).startswith(str(HOSTILE))]
    tmp = tempfile.TemporaryDirectory(prefix="grader-bench-class-")
    for i in range(size):
        source = pool[i % len(pool)]
        name = f"s{i + 1:02d}_{source.stem}" + (source.suffix if source.is_file() else "")
        os.symlink(source, Path(tmp.name) / name)
    return tmp


def grade_class(size: int, jobs: int, time_limit: float = 20.0) -> tuple[float, list[dict]]:
    """Wall time of grading a class of `size` as `python -m grader CLASS -j JOBS` does."""
    with class_folder(size) as folder:
        started = time.monotonic()
        rows = batch.grade_class(Path(folder), jobs, ["--time-limit", str(time_limit)], time_limit)
        return time.monotonic() - started, rows


# -- the profile -------------------------------------------------------------------------------

class Profiler:
    """Exclusive wall time per (context, category): a wrapped call's time minus that of the wrapped
    calls inside it. The context is the group of checks (or "learn dialect") the thread works for."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.times: dict[tuple[str, str], float] = defaultdict(float)
        self.counts: dict[tuple[str, str], int] = defaultdict(int)
        self.walls: dict[str, float] = {}
        self.local = threading.local()
        self.undo: list[tuple[object, str, object]] = []

    def context(self) -> str:
        return getattr(self.local, "context", "grading")

    def wrap(self, owner, name: str, category, context: str | None = None) -> None:
        """Time owner.name under `category` (a string, or a function of the call's result giving one);
        with `context`, everything the call does is counted in that context and its wall kept."""
        real = getattr(owner, name)
        profiler = self

        def timed(*args, **kwargs):
            stack = profiler.local.__dict__.setdefault("stack", [])
            outer_context = profiler.context()
            if context:
                profiler.local.context = context
            stack.append(0.0)
            started = time.monotonic()
            result = None
            try:
                result = real(*args, **kwargs)
                return result
            finally:
                elapsed = time.monotonic() - started
                inner = stack.pop()
                if stack:
                    stack[-1] += elapsed
                cat = category(result) if callable(category) else category
                key = (profiler.context(), cat)
                with profiler.lock:
                    profiler.times[key] += elapsed - inner
                    profiler.counts[key] += 1
                    if context:
                        profiler.walls[context] = profiler.walls.get(context, 0.0) + elapsed
                if context:
                    profiler.local.context = outer_context

        self.undo.append((owner, name, real))
        setattr(owner, name, timed)

    def restore(self) -> None:
        for owner, name, real in reversed(self.undo):
            setattr(owner, name, real)
        self.undo.clear()


def _install(p: Profiler) -> None:
    from .. import grade, harness, peer, quiescence, relay, sandbox, scenarios, source, submission, waiting
    from ..kernel import tcp
    p.wrap(grade, "learn_dialect", "learn: other (running the client, typing)", context="learn dialect")
    for scenario in scenarios.SCENARIOS:
        p.wrap(scenario, "run", "checks: other (sending, sockets, CPU)", context=scenario.__name__)
    p.wrap(grade, "load", "load the submission")
    p.wrap(source, "compile_error", "compile")
    p.wrap(sandbox, "start", "process: spawn (copy + fork)")
    p.wrap(sandbox.Program, "wait_bound", "process: start-up until listening")
    p.wrap(sandbox.Program, "stop", "process: stop")
    p.wrap(sandbox.Program, "wait_exit", "wait: did it exit? (timeout = it did not)")
    p.wrap(sandbox.Program, "wait_events", "wait: client program events")
    p.wrap(sandbox.Program, "wait_output", lambda ok: "wait: console output arrived" if ok
           else "wait: console output timed out")
    p.wrap(relay.Relay, "wait_quiet", "wait: relay quiet")
    p.wrap(relay.Relay, "wait_for", lambda ok: "wait: relay event arrived" if ok else "wait: relay event timed out")
    p.wrap(peer.Peer, "wait_read", "wait: server read our message (sock_diag)")
    p.wrap(waiting, "wait_accepted", "wait: server accepted (sock_diag)")
    p.wrap(waiting, "wait_idle", "wait: server idle (/proc)")
    p.wrap(tcp, "connection", "  of which connection look-ups")
    p.wrap(quiescence, "stuck", "  of which looks whether the server is stuck")
    p.wrap(peer.Peer, "wait", lambda ok: "wait: message arrived" if ok else "wait: message timed out (not delivered)")
    p.wrap(peer.Peer, "wait_quiet", "wait: quiet (nothing more arrives)")
    p.wrap(peer.Peer, "wait_closed", lambda ok: "wait: closed" if ok else "wait: close timed out (still open)")
    p.wrap(peer.Peer, "connect", "connect")
    p.wrap(peer.Peer, "send", lambda ok: "send" if ok else "send: gave up (the server stopped reading)")
    p.wrap(scenarios.BusyScenario, "busy", "CPU sampling window")
    p.wrap(harness.Harness, "close", "process: stop")
    del submission


def profile(entries: list[tuple[str, Path]], time_limit: float = 20.0) -> list[dict]:
    """Grade each entry in this process with the profiler on; one dict per entry, with its verdicts
    judged against expected.json."""
    from .. import rubric
    from ..checks import BY_ID
    from ..grade import grade
    points = rubric.load(None, set(BY_ID))
    out = []
    for label, path in entries:
        p = Profiler()
        started = time.monotonic()
        _install(p)
        try:
            result = grade(str(path), points, time_limit)
            row = {"score": result.score, "max_score": result.max_score,
                   "checks": [{"id": c.id, "status": c.status} for c in result.checks]}
        except Exception as e:  # a submission the grader refuses: its time still counts
            row = {"score": 0, "error": f"{type(e).__name__}: {e}"}
        finally:
            p.restore()
        wall = time.monotonic() - started
        groups = {k: v for k, v in p.walls.items() if k != "learn dialect"}
        slowest = max(groups, key=groups.get) if groups else None
        out.append({"label": label, "wall": wall, "score": row["score"], "note": verdict_note(path, row),
                    "learn": p.walls.get("learn dialect", 0.0), "groups": groups, "slowest": slowest,
                    "times": {f"{c}|{k}": v for (c, k), v in p.times.items()},
                    "counts": {f"{c}|{k}": v for (c, k), v in p.counts.items()}})
    return out


def critical(entry: dict) -> dict[str, float]:
    """Seconds per category on the critical path: learning the dialect, then the slowest group."""
    keep = {"learn dialect", entry["slowest"], "grading"}
    path: dict[str, float] = defaultdict(float)
    for key, seconds in entry["times"].items():
        context, category = key.split("|", 1)
        if context in keep:
            path[category] += seconds
    return path


def format_profile(entries: list[dict]) -> str:
    lines = ["per submission: wall s, learning the dialect, the slowest group of checks and its top three costs"]
    width = max(len(e["label"]) for e in entries)
    for e in entries:
        top = sorted(critical(e).items(), key=lambda kv: -kv[1])[:3]
        slow = f"{e['slowest']} {e['groups'][e['slowest']]:.2f}" if e["slowest"] else "no checks run"
        lines.append(f"  {e['label']:<{width}}  {e['wall']:5.2f}  learn {e['learn']:4.2f}  {slow:<24} "
                     + ", ".join(f"{c.strip()} {s:.2f}" for c, s in top)
                     + ("" if e["note"] == "as expected" or e["note"].startswith("score") else f"  [{e['note']}]"))
    total: dict[str, float] = defaultdict(float)
    calls: dict[str, int] = defaultdict(int)
    for e in entries:
        for c, s in critical(e).items():
            total[c] += s
        for key, n in e["counts"].items():
            calls[key.split("|", 1)[1]] += n
    wall = sum(e["wall"] for e in entries)
    lines.append(f"\nwhere the time goes, summed over {len(entries)} submissions ({wall:.1f} s graded one at a time, "
                 "critical path only):")
    for c, s in sorted(total.items(), key=lambda kv: -kv[1]):
        lines.append(f"  {s:6.2f} s  {s / wall:4.0%}  {c}  ({calls[c]} calls)")
    return "\n".join(lines)


def format_rows(rows1: list[dict], total1: float, rows2: list[dict], total2: float) -> str:
    width = max(len(r["label"]) for r in rows1)
    lines = [f"{'submission':<{width}}  {'-j 1 s':>7}  {'-j 2 s':>7}  {'score':>5}  verdicts"]
    by_label = {r["label"]: r for r in rows2}
    for r in rows1:
        other = by_label.get(r["label"], {})
        lines.append(f"{r['label']:<{width}}  {r['wall']:7.2f}  {other.get('wall', 0):7.2f}  {r['score']:>5g}  {r['note']}"
                     + ("" if other.get("note", r["note"]) == r["note"] else f" (-j 2: {other['note']})"))
    lines.append(f"{'total':<{width}}  {total1:7.2f}  {total2:7.2f}")
    return "\n".join(lines)


def main(jobs: list[int], class_size: int, do_profile: bool, time_limit: float = 20.0) -> int:
    entries = subjects()
    hostile = sum(1 for label, _ in entries if label.startswith("hostile/"))
    print(f"grading {len(entries)} submissions: chat.py, {len(entries) - 1 - hostile} examples"
          + (f", {hostile} hostile" if hostile else "") + "; wall time of each child `python -m grader`", flush=True)
    results = {j: grade_all(entries, j, time_limit) for j in jobs}
    first, second = jobs[0], jobs[-1]
    print(format_rows(results[first][0], results[first][1], results[second][0], results[second][1]))
    if len(jobs) > 2:
        for j in jobs[1:-1]:
            print(f"total with -j {j}: {results[j][1]:.2f} s")
    class_wall, class_rows = grade_class(class_size, second, time_limit)
    errors = [r for r in class_rows if r.get("error")]
    print(f"\na class of {class_size} (chat.py and the examples, repeated), python -m grader CLASS -j {second}: "
          f"{class_wall:.1f} s" + (f"; {len(errors)} errors" if errors else ""))
    chat = next(r for r in results[first][0] if r["label"] == "chat.py")
    differ = [r["label"] for j in jobs for r in results[j][0] if r["note"] not in ("as expected",) and not r["note"].startswith("score")]
    print(f"\ntargets: chat.py in at most {TARGET_CHAT:g} s: {'met' if chat['wall'] <= TARGET_CHAT else 'MISSED'} "
          f"({chat['wall']:.2f} s wall, {chat.get('seconds') or 0:.2f} s grading); "
          f"a class of {class_size} in at most {TARGET_CLASS:g} s with -j {second}: "
          f"{'met' if class_wall <= TARGET_CLASS else 'MISSED'} ({class_wall:.1f} s); "
          f"verdicts: {'all as expected' if not differ else 'DIFFERENT for ' + ', '.join(sorted(set(differ)))}")
    if do_profile:
        print("\nprofile (each submission graded once more, in this process):", flush=True)
        print(format_profile(profile(entries, time_limit)))
    return 0

"""What the grader's tests share: the class folder's entries and their expected verdicts, grading a
folder as a teacher does (`python -m grader FOLDER -j N --format json`), comparing gradings, and finding
the processes a test run left alive by a mark in their environment (/proc).

The fixtures built on these live in conftest.py.
"""
from __future__ import annotations

import csv
import glob
import json
import os
import re
import signal
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from grader import interpreters
from grader.bench import grading

ROOT = Path(__file__).resolve().parent.parent
SETS = ("examples", "reports", "hostile")
ENTRIES = sorted((p.parent for s in SETS for p in (ROOT / "assignments" / s).glob("*/expected.json")),
                 key=lambda p: p.name)
ORIGINAL = ROOT / "assignments" / "examples" / "good_keyword_name"
COPY = "copy_of_good_keyword_name"   # in the class folder beside ENTRIES: ORIGINAL, disguised (issue 14)
GRADING_TIMEOUT = 600      # for one grading of the class folder, however loaded the machine
CLASS_TEST_TIMEOUT = 900   # for a test that waits for it (pytest-timeout counts fixture set-up)
BOOT = "grader/shim/boot.py"
SANDBOX_MARK = "GRADER_SANDBOX"   # grader.sandbox.SANDBOX_MARK: set for every sandboxed program


def expected(entry: Path) -> dict:
    """The verdicts `entry` must get on this machine (grader.bench.grading.expected)."""
    return grading.expected(entry) or {}


def newer_pythons() -> list[interpreters.Python]:
    """One Python 3.12 or newer per version this machine has that really runs, oldest first: those
    on PATH, and the pyenv builds (CI's machines have 3.12 and 3.13 only as pyenv builds, with shims
    on PATH that refuse to run them). Tests that need one are skipped when this is empty."""
    candidates = [shutil.which(name) for name in interpreters.NEWER_NAMES]
    candidates += sorted(glob.glob(os.path.expanduser("~/.pyenv/versions/3.*/bin/python3.*")))
    found: dict[tuple[int, int], interpreters.Python] = {}
    for path in candidates:
        python = interpreters.probe(path) if path and re.search(r"python3\.\d+$", path) else None
        if python is not None and python.version >= (3, 12):
            found.setdefault(python.version, python)
    return [found[v] for v in sorted(found)]


@dataclass
class Run:
    rows: dict          # id -> row of --format json
    seconds: float
    csv: list | None = None                            # grades.csv, parsed, when it was asked for
    left_running: list = field(default_factory=list)   # processes alive after it, when looked for
    left_in_tmp: list = field(default_factory=list)    # what it left in its TMPDIR, when it had one
    home: list = field(default_factory=list)           # what it left in its HOME, when it had one
    cwd: Path | None = None                            # where it ran (report.html is written there with the CSV)
    canary_hits: int = 0                               # connections a listener outside the grading got


def start(folder: Path, cwd: Path, jobs: int, csv_name: str | None = None, env: dict | None = None) -> subprocess.Popen:
    command = [sys.executable, "-m", "grader", str(folder), "-j", str(jobs), "--format", "json"]
    if csv_name:
        command += ["--csv", csv_name, "--html", "report.html"]
    return subprocess.Popen(command, cwd=cwd, env=dict(env or os.environ, PYTHONPATH=str(ROOT)),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True)


def finish(proc: subprocess.Popen, started: float, cwd: Path, csv_name: str | None = None) -> Run:
    try:
        out, err = proc.communicate(timeout=GRADING_TIMEOUT)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        raise
    seconds = time.monotonic() - started
    assert proc.returncode == 0, err[-3000:]
    rows = json.loads(out)
    table = None
    if csv_name:
        with open(cwd / csv_name, newline="", encoding="utf-8") as f:
            table = list(csv.reader(f))
    print(f"\ngraded {len(rows)} entries with -j {proc.args[5]} in {seconds:.0f} s")
    return Run({row["id"]: row for row in rows}, seconds, table, cwd=cwd)


def grade_class(folder: Path, cwd: Path, jobs: int, csv_name: str | None = None, env: dict | None = None) -> Run:
    started = time.monotonic()
    return finish(start(folder, cwd, jobs, csv_name, env), started, cwd, csv_name)


def verdicts(row: dict) -> dict:
    """What must not change between runs: each check's status, or the error that stopped the grading."""
    if row.get("error"):
        return {"error": row["error"]}
    return {c["id"]: c["status"] for c in row["checks"]}


def differences(row: dict, other: dict) -> dict:
    """What differs between two gradings of one entry: each check whose status changed, with both
    messages (or both errors)."""
    if row.get("error") or other.get("error"):
        return {"error": (row.get("error"), other.get("error"))}
    mine = {c["id"]: c for c in row["checks"]}
    return {c["id"]: (f"{mine[c['id']]['status']}: {mine[c['id']]['message']}", f"{c['status']}: {c['message']}")
            for c in other["checks"] if mine[c["id"]]["status"] != c["status"]}


def explain(row: dict) -> str:
    """Every verdict with its reason, and what the grader sent and saw for each lost point: the
    evidence for a verdict that changed on one run only."""
    if row.get("error"):
        return row["error"]
    lines = []
    for c in row["checks"]:
        lines.append(f"{c['id']}: {c['status']} {c['message']}")
        if c["status"] != "pass":
            lines += (f"    {e['t']:7.3f} {e['user']}: {e['event']} {e['text']!r}" for e in c.get("transcript", []))
    return "\n".join(lines)


def marked_processes(mark: str, value: str, sandboxed_only: bool = False) -> list[tuple[int, str]]:
    """(pid, command line) of every live process whose environment holds mark=value; with
    sandboxed_only, only those the grader's sandbox started: they run the boot shim, or carry the
    sandbox's mark (a `sleep` started by a student's program does)."""
    needle = f"{mark}={value}".encode()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            if (entry / "stat").read_bytes().rsplit(b")", 1)[1].split()[0] in (b"Z", b"X"):
                continue
            environ = (entry / "environ").read_bytes().split(b"\0")
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode("utf-8", "replace")
        except (OSError, IndexError):
            continue
        if needle not in environ:
            continue
        if sandboxed_only and BOOT not in cmdline and not any(v.startswith(f"{SANDBOX_MARK}=".encode()) for v in environ):
            continue
        found.append((int(entry.name), cmdline))
    return found


def survivors(mark: str, value: str, sandboxed_only: bool = False, grace: float = 1.0) -> list[tuple[int, str]]:
    """The marked processes still alive after `grace` seconds (a process SIGKILLed a moment ago may not
    have turned into a zombie yet); kills them by pid, so that one leak fails one test, not every later one."""
    deadline = time.monotonic() + grace
    while True:
        left = marked_processes(mark, value, sandboxed_only)
        if not left or time.monotonic() >= deadline:
            break
        time.sleep(0.05)  # /proc has no event to wait on
    for pid, _ in left:
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
    return left

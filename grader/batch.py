"""Grade a whole class: a folder with one entry (a file or a folder) per student.

Each student is graded by a child `python -m grader ENTRY --format json`, several side by side. A
process per student means one student's code (or a grader failure on it) can cost only that
student's row, never the batch, and parallel gradings share nothing: ports come from the OS, temp
folders are private, CPU is measured per server process.
"""
from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Callable

from .messages import Msg
from .submission import REPORT_SUFFIXES, SKIP_DIRS, looks_like_submission_folder

PACKAGE_PARENT = Path(__file__).resolve().parent.parent
MARGIN = 30.0   # seconds beyond a grading's own time limit before its child process is killed


def is_class_folder(path: Path) -> bool:
    """A folder of students' entries rather than one student's files."""
    return path.is_dir() and not looks_like_submission_folder(path)


def entries(folder: Path) -> list[Path]:
    found = []
    for p in sorted(folder.iterdir()):
        if p.name.startswith(".") or p.name in SKIP_DIRS:
            continue
        if p.is_dir() or p.suffix.lower() in (".py", *REPORT_SUFFIXES):
            found.append(p)
    return found


def student_id(entry: Path) -> str:
    return entry.name if entry.is_dir() else entry.stem


def grade_one(entry: Path, options: list[str], time_limit: float, lang: str = "en") -> dict:
    """Grade one entry in a child process; always returns a row, whatever happens to the child."""
    command = [sys.executable, "-m", "grader", str(entry), "--one", "--format", "json", *options]
    env = dict(os.environ, PYTHONPATH=str(PACKAGE_PARENT))
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL,
                            env=env, start_new_session=True)
    try:
        out, err = proc.communicate(timeout=time_limit + MARGIN)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        return error_row(entry, Msg("class.timeout", seconds=f"{time_limit + MARGIN:g}").render(lang))
    lines = err.decode("utf-8", "replace").strip().splitlines()
    if proc.returncode == 0:
        try:
            row = json.loads(out)
        except ValueError:
            return error_row(entry, Msg("class.unreadable").render(lang))
        row["id"] = student_id(entry)
        return row
    if proc.returncode == 2 and lines:
        return error_row(entry, lines[-1].removeprefix("grader: error: "))
    error = lines[-1] if lines else f"exit status {proc.returncode}"
    return error_row(entry, Msg("grader_error", error=error).render(lang))


def error_row(entry: Path, message: str) -> dict:
    return {"id": student_id(entry), "submission": str(entry), "score": 0, "max_score": None,
            "transport": None, "checks": [], "seconds": None, "error": message}


def grade_class(folder: Path, jobs: int, options: list[str], time_limit: float, lang: str = "en",
                progress: Callable[[int, int, dict], None] | None = None) -> list[dict]:
    todo = entries(folder)
    rows: dict[Path, dict] = {}
    lock = threading.Lock()

    def work(entry: Path) -> None:
        row = grade_one(entry, [*options, "--lang", lang], time_limit, lang)
        with lock:
            rows[entry] = row
            if progress:
                progress(len(rows), len(todo), row)

    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        list(pool.map(work, todo))
    return [rows[e] for e in todo]


def fill_max(rows: list[dict], max_score: float) -> None:
    for row in rows:
        if row["max_score"] is None:
            row["max_score"] = max_score


def write_csv(rows: list[dict], path: Path, check_ids: list[str]) -> None:
    """One row per student: id, score, max, the points of every check (the transport column says tcp or
    udp instead: it carries no points), and the error that stopped the grading, if any."""
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["id", "score", "max_score", *check_ids, "error"])
        for row in rows:
            points = {c["id"]: c["points"] for c in row["checks"]}
            points["transport"] = row["transport"] or ""
            writer.writerow([row["id"], row["score"], row["max_score"], *(points.get(cid, "") for cid in check_ids),
                             row.get("error", "")])


def text(rows: list[dict], lang: str = "en") -> str:
    def say(key: str, **values) -> str:
        return Msg(key, **values).render(lang)

    width = max([len(r["id"]) for r in rows] + [len(say("class.head.student"))])
    lines = [f"{say('class.head.student'):<{width}}  {say('class.head.score'):>12}  {say('class.head.lost')}"]
    for row in rows:
        score = f"{row['score']:g} / {row['max_score']:g}"
        checks = {c["id"]: c for c in row["checks"]}
        if row.get("error"):
            lost = row["error"]
        elif checks["server_starts"]["status"] != "pass":
            lines = checks["server_starts"]["message"].strip().split("\n")
            lost = lines[0] + (" " + lines[-1].strip() if len(lines) > 1 else "")  # a traceback's last line says most
        else:
            lost = ", ".join(c["id"] for c in row["checks"] if c["points"] < c["max_points"]) or "-"
        if row.get("changed"):
            lost += say("class.changed", checks=", ".join(row["changed"]))
        lines.append(f"{row['id']:<{width}}  {score:>12}  {lost}")
    return "\n".join(lines)

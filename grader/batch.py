"""Grade a whole class: a folder with one entry (a file, a folder or an archive) per student.

Each student is graded by a child `python -m grader ENTRY --format json`, several side by side. A
process per student means one student's code (or a grader failure on it) can cost only that
student's row, never the batch, and parallel gradings share nothing: ports come from the OS, temp
folders are private, CPU is measured per server process.

How a folder is read (a class, or one student's files: grader.submission's rule) is said in one line,
`reading(path)`. Every entry of a class gets a row, except hidden ones, SKIP_DIRS and the teacher's
own files (grader.submission.TEACHER_SUFFIXES, such as a gradebook): an archive is unpacked into
a temporary folder of the parent's and graded from there (or its row says why it was refused), and
an entry the grader cannot read gets a row with that error. Rows name entries relative to the class
folder. The parent also reads each student's code (as the grader finds it, archives included) and
fingerprints it, to flag near-copies (grader.similarity) once every row is in.
"""
from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Callable

from . import archives, similarity
from .messages import Msg, Parts
from .submission import (REPORT_SUFFIXES, TEACHER_SUFFIXES, Entry, SubmissionError, choose, folder_entries,
                         looks_like_submission_folder)

PACKAGE_PARENT = Path(__file__).resolve().parent.parent
MARGIN = 30.0   # seconds beyond a grading's own time limit before its child process is killed


def is_class_folder(path: Path) -> bool:
    """A folder of students' entries rather than one student's files: one whose own entries are each
    a whole chat (grader.submission), or one with archives, unless it is .py files beside a single
    archive (a student's code and a zip of it)."""
    if not path.is_dir():
        return False
    if not looks_like_submission_folder(path):
        return True
    top = entries(path)
    packed = sum(archives.is_archive(p) for p in top)
    return packed >= 2 or (packed == 1 and not any(p.suffix == ".py" and p.is_file() for p in top))


def entries(folder: Path) -> list[Path]:
    """Every entry that gets a row: all but hidden ones, tool folders (__pycache__, venv...) and the
    teacher's files."""
    return folder_entries(folder)


def reading(path: Path, as_class: bool) -> Msg | None:
    """How a folder was read (`as_class`: is_class_folder's answer), in one line: a class (how many
    students, of what shapes, which files were left out as the teacher's) or one student's hand-in
    (which program is the server, which the client, which others there are). None for a file, or a
    folder that cannot be graded (its error says why)."""
    if not path.is_dir():
        return None
    if as_class:
        todo = entries(path)
        shapes = [_shape(e) for e in todo]
        counted = Parts(Msg(f"read.shape.{k}", count=shapes.count(k)) for k in SHAPES if k in shapes)
        left = [p.name for p in sorted(path.iterdir()) if p.is_file() and p.suffix.lower() in TEACHER_SUFFIXES
                and not p.name.startswith(".")]
        return Msg("read.class", path=path, count=len(todo), shapes=counted,
                   left=Msg("read.left", names=", ".join(left)) if left else "")
    try:
        read, server, client, others = choose(path)
    except SubmissionError:
        return None
    return Msg("read.one", path=path, server=_started(server),
               report=Msg("read.report", report=read.name) if read != path else "",
               client=Msg("read.client", client=_started(client)) if client else Msg("read.no_client"),
               others=Msg("read.others", names=", ".join(others)) if others else "")


SHAPES = ("folder", "file", "report", "archive", "other")


def _shape(entry: Path) -> str:
    if entry.is_dir():
        return "folder"
    if archives.is_archive(entry):
        return "archive"
    suffix = entry.suffix.lower()
    return "file" if suffix == ".py" else "report" if suffix in REPORT_SUFFIXES else "other"


def _started(entry: Entry) -> str:
    """`chat.py client NAME`: the program and the arguments it is started with."""
    return " ".join([entry.script, *(a.replace("{name}", "NAME") for a in entry.args)])


def gradable(entry: Path) -> bool:
    return entry.is_dir() or entry.suffix.lower() in (".py", *REPORT_SUFFIXES)


def student_id(entry: Path) -> str:
    if entry.is_dir():
        return entry.name
    return archives.stem(entry) if archives.is_archive(entry) else entry.stem


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


def _relabel(row: dict, base: Path, name: str, student: str) -> dict:
    """Name the entry relative to the class folder, in the row and in its error, whatever path the
    child was given (the class folder's, or the temporary folder an archive was unpacked into)."""
    prefix = os.path.join(str(base), "")
    row["id"], row["submission"] = student, name
    if row.get("error"):
        row["error"] = row["error"].replace(prefix, "")
    return row


def grade_entry(folder: Path, entry: Path, options: list[str], time_limit: float,
                lang: str = "en") -> tuple[dict, list[str]]:
    """One student's row, and their code (server and client sources) for the near-copy search."""
    name, student = entry.relative_to(folder).as_posix(), student_id(entry)
    if gradable(entry):
        return _relabel(grade_one(entry, options, time_limit, lang), folder, name, student), similarity.code_of(entry)
    if not archives.is_archive(entry):
        return _relabel(error_row(entry, Msg("class.not_submission", name=name).render(lang)), folder, name, student), []
    with tempfile.TemporaryDirectory(prefix="grader-archive-") as tmp:
        unpacked = Path(tmp) / entry.name   # so that messages name the archive: ivanov.zip/server.py
        try:
            archives.unpack(entry, unpacked, name)
        except archives.ArchiveError as e:
            return _relabel(error_row(entry, e.msg.render(lang)), folder, name, student), []
        row = grade_one(unpacked, options, time_limit, lang)
        return _relabel(row, Path(tmp), name, student), similarity.code_of(unpacked)


def grade_class(folder: Path, jobs: int, options: list[str], time_limit: float, lang: str = "en",
                progress: Callable[[int, int, dict], None] | None = None) -> list[dict]:
    """A row for every entry, in the folder's order, each with "similar": the students whose code is a
    near-copy of theirs."""
    todo = entries(folder)
    rows: dict[Path, dict] = {}
    prints: dict[Path, frozenset[int]] = {}
    lock = threading.Lock()

    def work(entry: Path) -> None:
        row, code = grade_entry(folder, entry, [*options, "--lang", lang], time_limit, lang)
        found = similarity.fingerprints(code)
        with lock:
            rows[entry], prints[entry] = row, found
            if progress:
                progress(len(rows), len(todo), row)

    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        list(pool.map(work, todo))
    index = {str(i): e for i, e in enumerate(todo)}
    similar = similarity.near_copies({i: prints[e] for i, e in index.items()})
    for i, entry in index.items():
        rows[entry]["similar"] = [{"id": rows[index[p["id"]]]["id"], "share": p["share"]} for p in similar.get(i, [])]
    return [rows[e] for e in todo]


def fill_max(rows: list[dict], max_score: float) -> None:
    for row in rows:
        if row["max_score"] is None:
            row["max_score"] = max_score


def write_csv(rows: list[dict], path: Path, check_ids: list[str]) -> None:
    """One row per student: id, score, max, the points of every check (the transport column says tcp or
    udp instead: it carries no points), the error that stopped the grading, if any, and the near-copies
    ("petrov 0.93; sidorov 0.71")."""
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["id", "score", "max_score", *check_ids, "error", "similar"])
        for row in rows:
            points = {c["id"]: c["points"] for c in row["checks"]}
            points["transport"] = row["transport"] or ""
            writer.writerow([row["id"], row["score"], row["max_score"], *(points.get(cid, "") for cid in check_ids),
                             row.get("error", ""), similar_text(row)])


def similar_text(row: dict) -> str:
    return "; ".join(f"{p['id']} {p['share']:.2f}" for p in row.get("similar", []))


def lost(row: dict) -> str:
    """What a row lost, in one line: the error that stopped the grading, why the server did not start,
    or the ids of the checks that lost points ("-" for none)."""
    checks = {c["id"]: c for c in row["checks"]}
    if row.get("error"):
        return row["error"]
    if "server_starts" in checks and checks["server_starts"]["status"] != "pass":
        said = checks["server_starts"]["message"].strip().split("\n")
        return said[0] + (" " + said[-1].strip() if len(said) > 1 else "")  # a traceback's last line says most
    return ", ".join(c["id"] for c in row["checks"] if c["points"] < c["max_points"]) or "-"


def text(rows: list[dict], lang: str = "en") -> str:
    def say(key: str, **values) -> str:
        return Msg(key, **values).render(lang)

    width = max([len(r["id"]) for r in rows] + [len(say("class.head.student"))])
    table = [f"{say('class.head.student'):<{width}}  {say('class.head.score'):>12}  {say('class.head.lost')}"]
    for row in rows:
        score = f"{row['score']:g} / {row['max_score']:g}"
        summary = lost(row)
        if row.get("changed"):
            summary += say("class.changed", checks=", ".join(row["changed"]))
        if row.get("similar"):
            summary += say("class.similar", others=similar_text(row))
        table.append(f"{row['id']:<{width}}  {score:>12}  {summary}")
    return "\n".join(table)

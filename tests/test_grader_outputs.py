"""What the grader prints, from results built by hand: the class table (issue 10: it lost its header
and every row above a student whose server did not start), the single report with and without -v
(transcripts under the checks), Gradescope's output, the CSV's similar column, and the JSON error
of a path that cannot be graded."""
import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest

from grader import batch, report
from grader.dialect import Dialect, typed_private
from grader.grade import CheckResult, Result, describe
from grader.messages import render

ROOT = Path(__file__).resolve().parent.parent
IDS = ["uses_socket", "server_starts", "broadcast", "private_message"]
TRACEBACK = ("the server does not compile: server.py line 3\n  s.bind(('', 5555)\n"
             "SyntaxError: '(' was never closed")


def check(cid: str, status: str = "pass", points: float = 5, max_points: float = 5, message: str = "ok",
          transcript: list | None = None) -> dict:
    row = {"id": cid, "title": f"title of {cid}", "status": status, "points": points, "max_points": max_points,
           "message": message}
    if transcript is not None:
        row["transcript"] = transcript
    return row


def student(sid: str, score: float, lost: tuple = (), **extra) -> dict:
    checks = [check(c, "fail", 0) if c in lost else check(c) for c in IDS]
    return {"id": sid, "submission": sid, "score": score, "max_score": 20, "transport": "tcp", "checks": checks,
            "seconds": 1.0, **extra}


def five_students() -> list[dict]:
    """Five rows as the class grader returns them; the fourth student's server does not compile."""
    broken = student("dmitriev", 0, lost=tuple(IDS))
    broken["checks"][1]["message"] = TRACEBACK
    return [student("alekseeva", 20), student("borisov", 15, lost=("broadcast",)),
            student("vasilieva", 15, lost=("private_message",)), broken, student("egorov", 20)]


def test_the_class_table_shows_the_header_and_every_student():
    lines = batch.text(five_students()).split("\n")
    assert len(lines) == 6, lines
    assert lines[0].split() == ["student", "score", "lost", "points"]
    assert [line.split()[0] for line in lines[1:]] == ["alekseeva", "borisov", "vasilieva", "dmitriev", "egorov"]
    assert lines[1].endswith("20 / 20  -") and lines[2].endswith("15 / 20  broadcast")
    # a traceback is shown by its first and last lines
    assert "server does not compile: server.py line 3 SyntaxError: '(' was never closed" in lines[4]


def test_the_class_table_shows_errors_changes_and_near_copies():
    rows = five_students()
    rows[0]["similar"] = [{"id": "egorov", "share": 0.91}]
    rows[4]["similar"] = [{"id": "alekseeva", "share": 0.91}]
    rows[1]["changed"] = {"broadcast": ["fail", "pass"]}
    error = batch.error_row(Path("/class/zhukov.pdf"), "zhukov.pdf: not a submission")
    error["max_score"] = 20
    lines = batch.text([*rows, error], lang="ru").split("\n")
    assert lines[0].split()[0] == "студент" and len(lines) == 7
    assert lines[1].endswith("-; почти копия: egorov 0.91") and lines[5].endswith("почти копия: alekseeva 0.91")
    assert "менялось от запуска к запуску: broadcast" in lines[2]
    assert lines[6].split() == ["zhukov", "0", "/", "20", "zhukov.pdf:", "not", "a", "submission"]


def test_the_gradebook_has_a_similar_column(tmp_path):
    rows = five_students()
    rows[0]["similar"] = [{"id": "egorov", "share": 0.91}, {"id": "borisov", "share": 0.6}]
    batch.write_csv(rows, tmp_path / "grades.csv", IDS)
    with open(tmp_path / "grades.csv", newline="", encoding="utf-8") as f:
        header, *lines = list(csv.reader(f))
    assert header == ["id", "score", "max_score", *IDS, "error", "similar"]
    assert lines[0][-1] == "egorov 0.91; borisov 0.60" and all(line[-1] == "" for line in lines[1:])


TRANSCRIPT = [
    {"t": 0.0, "user": "Alice", "event": "sent", "text": "hello\n"},
    {"t": 0.51, "user": "server", "event": "server", "text": "Traceback: \x1b[31mBrokenPipeError\x1b[0m"},
    {"t": 3.0, "user": "", "event": "note", "text": "Bob got nothing within 3 s"},
]


def result(transcript=TRANSCRIPT) -> Result:
    checks = [CheckResult("server_starts", "the server starts", "pass", 10, 10, "listening (TCP)"),
              CheckResult("broadcast", "a message reaches another user", "fail", 0, 10,
                          "Alice's message did not reach Bob within 3 s")]
    checks[1].transcript = transcript   # the field grade.CheckResult gets with issue 14; absent is empty
    return Result(submission="ivanov", score=10, max_score=20, transport="tcp", checks=checks, seconds=4.2,
                  dialect="learned from the client")


def test_the_single_report_has_a_line_per_check_and_the_score():
    lines = report.text(result()).split("\n")
    assert lines[0] == "ivanov: 10 / 20 (TCP, graded in 4.2 s)"
    assert lines[1].split()[:3] == ["✓", "server_starts", "10/10"]
    assert lines[2].split()[:3] == ["✗", "broadcast", "0/10"] and lines[2].endswith("did not reach Bob within 3 s")
    assert lines[3] == "  dialect: learned from the client" and lines[-1] == "Score: 10 / 20"
    assert "Alice sent" not in "\n".join(lines)   # transcripts only with -v


def test_verbose_prints_the_transcript_under_its_check_with_control_characters_escaped():
    lines = report.text(result(), verbose=True).split("\n")
    at = next(i for i, line in enumerate(lines) if "broadcast" in line)
    shown = [line.strip() for line in lines[at + 1:at + 4]]
    assert shown == ["0.00 s  Alice sent: hello⏎",
                     "0.51 s  server printed: Traceback: \\x1b[31mBrokenPipeError\\x1b[0m",
                     "3.00 s  Bob got nothing within 3 s"]
    assert all(line.startswith(" " * 20) for line in lines[at + 1:at + 4])   # indented under the reason
    assert "\x1b" not in "\n".join(lines)
    assert lines[at + 4] == "  dialect: learned from the client"
    # a check without a transcript (empty, or the field missing) prints nothing more
    assert report.text(result(transcript=[]), verbose=True) == report.text(result(transcript=[]))
    bare = result()
    del bare.checks[1].transcript
    assert report.text(bare, verbose=True) == report.text(bare)


def test_gradescope_puts_the_transcript_into_the_tests_output():
    tests = json.loads(report.gradescope(result()))["tests"]
    assert tests[0]["output"] == "listening (TCP)"
    assert tests[1]["output"].split("\n") == ["Alice's message did not reach Bob within 3 s",
                                              "0.00 s  Alice sent: hello⏎",
                                              "0.51 s  server printed: Traceback: \\x1b[31mBrokenPipeError\\x1b[0m",
                                              "3.00 s  Bob got nothing within 3 s"]


def grader(*args, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "grader", *map(str, args)], cwd=cwd, capture_output=True, text=True,
                          timeout=50, stdin=subprocess.DEVNULL, env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})


@pytest.mark.timeout(60)
@pytest.mark.parametrize("make, words", [
    (lambda d: d / "missing.py", "no such file"),
    (lambda d: (d / "notes.pdf").write_bytes(b"%PDF") and d / "notes.pdf", "not a Python file"),
    (lambda d: (d / "client.py").write_text("import socket\nsocket.socket().connect(('127.0.0.1', 1))\n") and d,
     "no server"),
], ids=["missing", "not-python", "no-server"])
def test_json_format_prints_one_json_error_for_a_path_that_cannot_be_graded(tmp_path, make, words):
    path = make(tmp_path)
    proc = grader(path, "--format", "json", cwd=tmp_path)
    assert proc.returncode == 2, proc
    assert json.loads(proc.stdout) == {"submission": str(path), "error": proc.stderr.strip().removeprefix("grader: error: ")}
    assert words in proc.stderr and len(proc.stderr.strip().split("\n")) == 1


@pytest.mark.timeout(60)
def test_json_format_prints_a_json_error_for_an_empty_folder_and_for_options_of_a_class(tmp_path):
    (tmp_path / "class").mkdir()
    (tmp_path / "class" / ".hidden").write_text("x")
    proc = grader(tmp_path / "class", "--format", "json", cwd=tmp_path)
    assert proc.returncode == 2 and "no Python files found" in json.loads(proc.stdout)["error"], proc
    server = tmp_path / "server.py"
    server.write_text("import socket\n")
    proc = grader(server, "--format", "json", "--html", tmp_path / "r.html", cwd=tmp_path)
    assert proc.returncode == 2 and "--html" in json.loads(proc.stdout)["error"], proc
    assert not (tmp_path / "r.html").exists()


def test_the_dialect_line_says_what_is_typed_for_a_private_message_where_the_client_is_typed_into():
    raw = render(describe(Dialect()), "en")
    assert raw.endswith("private messages as '@{to} {text}'")
    typed = Dialect(private_typed=typed_private(("PM",), "@{to} {text}"))
    assert render(describe(typed), "en").endswith("private messages typed as 'PM {to} {text}' | '@{to} {text}'")
    assert render(describe(typed), "ru").endswith("личные сообщения набираются как 'PM {to} {text}' | '@{to} {text}'")


def test_notes_go_into_every_format_of_a_single_report():
    noted = result()
    noted.notes = ["every scripted user typed into a running copy of the student's client"]
    assert "  note: every scripted user typed into a running copy of the student's client" in report.text(noted)
    assert noted.as_json()["notes"] == noted.notes
    assert json.loads(report.gradescope(noted))["output"].split("\n")[-1] == (
        "note: every scripted user typed into a running copy of the student's client")

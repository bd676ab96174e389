"""The grader's command line: usage errors are one line and exit 2; a graded submission exits 0."""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from grader_helpers import newer_pythons

ROOT = Path(__file__).resolve().parent.parent
PY312 = ROOT / "assignments" / "examples" / "py312_fstring"
NEWER = newer_pythons()
needs_newer = pytest.mark.skipif(not NEWER, reason="no Python 3.12 or newer on this machine")


def run_grader(*args, cwd=ROOT, timeout=60, env=None):
    return subprocess.run([sys.executable, "-m", "grader", *map(str, args)], cwd=cwd, capture_output=True,
                          text=True, timeout=timeout, env=env)


def assert_usage_error(proc, *words):
    assert proc.returncode == 2, proc
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("grader: error:"), proc.stderr
    assert "Traceback" not in proc.stderr
    for word in words:
        assert word in lines[0]
    assert proc.stdout == ""


@pytest.mark.timeout(30)
def test_missing_path_is_a_one_line_error(tmp_path):
    assert_usage_error(run_grader(tmp_path / "nope.py"), "no such file")


@pytest.mark.timeout(30)
def test_folder_without_server_is_a_one_line_error(tmp_path):
    (tmp_path / "client.py").write_text("import socket\ns = socket.socket()\ns.connect(('127.0.0.1', 5555))\n")
    assert_usage_error(run_grader(tmp_path), "no server")


@pytest.mark.timeout(30)
def test_not_python_is_a_one_line_error(tmp_path):
    notes = tmp_path / "notes.pdf"
    notes.write_bytes(b"%PDF-1.4")
    assert_usage_error(run_grader(notes), "not a Python file")


@pytest.mark.timeout(30)
def test_bad_rubric_is_a_one_line_error(tmp_path):
    bad = tmp_path / "rubric.toml"
    bad.write_text("[points]\nbroadcastt = 5\n")
    assert_usage_error(run_grader(ROOT / "chat.py", "--rubric", bad), "unknown check id 'broadcastt'")
    assert_usage_error(run_grader(ROOT / "chat.py", "--rubric", tmp_path / "missing.toml"), "cannot read")


@pytest.mark.timeout(60)
def test_json_output_is_one_object_in_the_documented_shape(tmp_path):
    server = tmp_path / "server.py"
    server.write_text("import socket\ns = socket.socket()\ns.bind(('', 5555)\ns.listen()\n")
    proc = run_grader(server, "--format", "json")
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    assert set(report) >= {"submission", "score", "max_score", "transport", "checks", "seconds"}
    assert report["score"] == 0 and report["max_score"] == 100 and report["transport"] in ("tcp", "udp")
    statuses = {c["id"]: c["status"] for c in report["checks"]}
    assert statuses["server_starts"] == "fail" and statuses["broadcast"] == "skip"
    for check in report["checks"]:
        shown = {"id", "title", "status", "points", "max_points", "message"}
        assert set(check) == (shown if check["status"] == "pass" else shown | {"transcript"})
        assert check["status"] in ("pass", "partial", "fail", "skip", "error")
    starts = next(c for c in report["checks"] if c["id"] == "server_starts")
    assert "server.py" in starts["message"] and "line 3" in starts["message"]


def without_newer_python(tmp_path) -> dict:
    """The environment of a grading that finds no newer Python: PATH is an empty folder (the grader and
    the students' programs are started by absolute path)."""
    (tmp_path / "empty-bin").mkdir(exist_ok=True)
    return dict(os.environ, PATH=str(tmp_path / "empty-bin"))


@pytest.mark.timeout(30)
@pytest.mark.skipif(sys.version_info >= (3, 12), reason="the construct compiles on this Python")
def test_syntax_of_a_newer_python_is_named(tmp_path):
    server = tmp_path / "server.py"
    server.write_text("import socket\ntype Users = list\ns = socket.socket()\ns.bind(('', 5555))\ns.listen()\n")
    proc = run_grader(server, "--format", "json", env=without_newer_python(tmp_path))
    starts = next(c for c in json.loads(proc.stdout)["checks"] if c["id"] == "server_starts")
    assert starts["status"] == "fail" and "line 2" in starts["message"]
    assert starts["message"].endswith("(a `type X = ...` statement needs Python 3.12 or newer; the grader ran "
                                      f"{sys.version_info[0]}.{sys.version_info[1]}: give one with --python PATH)")


@pytest.mark.timeout(60)
@pytest.mark.skipif(sys.version_info >= (3, 12), reason="the example compiles on this Python")
def test_without_a_newer_python_the_example_gets_its_without_verdicts(tmp_path):
    want = json.loads((PY312 / "expected.json").read_text(encoding="utf-8"))["without_newer_python"]
    proc = run_grader(PY312, "--format", "json", "--lang", "ru", env=without_newer_python(tmp_path))
    report = json.loads(proc.stdout)
    assert {c["id"]: c["status"] for c in report["checks"]} == want["checks"] and report["score"] == want["score"]
    starts = next(c for c in report["checks"] if c["id"] == "server_starts")
    assert "нужен Python 3.12 или новее" in starts["message"] and "python" not in report


@pytest.mark.slow
@pytest.mark.timeout(120)
@needs_newer
@pytest.mark.parametrize("how", ["--python", "PATH"])
def test_code_for_a_newer_python_is_graded_on_one(tmp_path, how):
    """Given with --python, or found on PATH (beside a pyenv shim that refuses to run): the example gets
    the verdicts of Python 3.12, and the report says which Python ran it."""
    env = without_newer_python(tmp_path)
    bin_dir = tmp_path / "empty-bin"
    (bin_dir / "python3.12").write_text("#!/bin/sh\necho 'pyenv: python3.12: command not found' >&2\nexit 127\n")
    (bin_dir / "python3.12").chmod(0o755)
    if how == "PATH":
        (bin_dir / "python3.13").symlink_to(NEWER[-1].path)
        args, version = (), NEWER[-1].label
    else:
        args, version = ("--python", NEWER[0].path), NEWER[0].label
    proc = run_grader(PY312, "--format", "json", *args, env=env, timeout=100)
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    want = json.loads((PY312 / "expected.json").read_text(encoding="utf-8"))
    assert {c["id"]: c["status"] for c in report["checks"]} == want["checks"], report
    assert (report["score"], report["python"]) == (want["score"], version)
    text = run_grader(PY312, *args, env=env, timeout=100).stdout   # the note that names it
    assert f"Python {version} (" in text and ("as --python asked" if args else "found on PATH") in text


@pytest.mark.slow
@pytest.mark.timeout(180)
@needs_newer
def test_a_class_runs_every_student_on_the_python_given(tmp_path):
    submissions = tmp_path / "submissions"
    submissions.mkdir()
    (submissions / "ivanov").symlink_to(PY312, target_is_directory=True)
    (submissions / "petrova.py").write_text("import socket\ns = socket.socket()\ns.bind(('', 5555)\ns.listen()\n")
    proc = run_grader(submissions, "-j", "2", "--format", "json", "--python", NEWER[0].path,
                      env=without_newer_python(tmp_path), timeout=170)
    rows = {row["id"]: row for row in json.loads(proc.stdout)}
    assert rows["ivanov"]["score"] == 100.0 and rows["ivanov"]["python"] == NEWER[0].label, rows["ivanov"]
    assert rows["petrova"]["python"] == NEWER[0].label and rows["petrova"]["score"] == 0


@pytest.mark.timeout(30)
def test_a_python_that_does_not_run_is_a_one_line_error(tmp_path):
    shim = tmp_path / "python3.12"
    shim.write_text("#!/bin/sh\nexit 127\n")
    shim.chmod(0o755)
    assert_usage_error(run_grader(PY312, "--python", shim), "--python", "not a Python the grader can run")
    assert_usage_error(run_grader(PY312, "--python", tmp_path / "nothing"), "not a Python the grader can run")

"""The grader's command line: usage errors are one line and exit 2; a graded submission exits 0."""
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def run_grader(*args, cwd=ROOT, timeout=60):
    return subprocess.run([sys.executable, "-m", "grader", *map(str, args)], cwd=cwd, capture_output=True,
                          text=True, timeout=timeout)


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


@pytest.mark.timeout(30)
@pytest.mark.skipif(sys.version_info >= (3, 12), reason="the construct compiles on this Python")
def test_syntax_of_a_newer_python_is_named(tmp_path):
    server = tmp_path / "server.py"
    server.write_text("import socket\ntype Users = list\ns = socket.socket()\ns.bind(('', 5555))\ns.listen()\n")
    proc = run_grader(server, "--format", "json")
    starts = next(c for c in json.loads(proc.stdout)["checks"] if c["id"] == "server_starts")
    assert starts["status"] == "fail" and "line 2" in starts["message"]
    assert "`type X = ...` statement needs a newer Python" in starts["message"]

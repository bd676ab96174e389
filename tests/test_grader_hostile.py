"""The hostile example submissions in assignments/hostile: each is graded to the verdicts its expected.json
states, within the time limit, and the grading leaves no process running and no temporary folder behind.

All of them are graded once, two side by side, by `python -m grader assignments/hostile -j 2` (a child
process per submission, as a teacher grades a class), with the temporary folder and HOME pointed at a
folder of the test's own and a mark in the environment that every process the grader starts inherits.
"""
import json
import os
import pwd
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest

from conftest import survivors
from grader.checks import BY_ID
from grader.grade import TIME_LIMIT

ROOT = Path(__file__).resolve().parent.parent
HOSTILE = ROOT / "assignments" / "hostile"
EXAMPLES = sorted(p.parent for p in HOSTILE.glob("*/expected.json"))
MARK = "GRADER_HOSTILE_RUN"
# What issue 5 asks for, by the name of the example that shows it.
REQUIRED = {"import_loop", "never_binds", "fork_bomb", "memory_hog", "print_flood", "file_vandal", "exits_at_once",
            "syntax_error", "two_ports", "loopback_canary", "home_writer", "port_scanner"}
# home_writer's file, in the places it tries (assignments/hostile/home_writer/server.py).
WRITTEN = "hostile-home-writer.txt"


@dataclass
class Run:
    rows: dict
    seconds: float
    left_running: list
    left_in_tmp: list
    home: list
    canary_hits: int


@pytest.fixture(scope="module")
def graded(tmp_path_factory) -> Run:
    tmp = tmp_path_factory.mktemp("hostile-tmp")
    home = tmp_path_factory.mktemp("hostile-home")
    mark = uuid.uuid4().hex
    # A service of the teacher's on loopback, outside the grading: loopback_canary tries to reach it.
    canary = socket.create_server(("127.0.0.1", 0), backlog=64)
    canary.setblocking(False)
    env = dict(os.environ, TMPDIR=str(tmp), HOME=str(home), GRADER_CANARY_PORT=str(canary.getsockname()[1]),
               **{MARK: mark})
    started = time.monotonic()
    proc = subprocess.run([sys.executable, "-m", "grader", str(HOSTILE), "-j", "2", "--format", "json"], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=150, stdin=subprocess.DEVNULL)
    seconds = time.monotonic() - started
    hits = 0
    while True:
        try:
            canary.accept()[0].close()
            hits += 1
        except BlockingIOError:
            break
    canary.close()
    assert proc.returncode == 0, proc.stderr
    rows = {row["id"]: row for row in json.loads(proc.stdout)}
    left_running = survivors(MARK, mark)
    return Run(rows, seconds, left_running, sorted(p.name for p in tmp.iterdir()), sorted(p.name for p in home.iterdir()),
               hits)


def explain(row: dict) -> str:
    return row.get("error") or "\n".join(f"{c['id']}: {c['status']} {c['message']}" for c in row["checks"])


def test_the_hostile_set_is_complete():
    names = {p.name for p in EXAMPLES}
    assert REQUIRED <= names, f"missing: {REQUIRED - names}"
    for example in EXAMPLES:
        expected = json.loads((example / "expected.json").read_text(encoding="utf-8"))
        assert set(expected["checks"]) == set(BY_ID), example.name
        assert expected["why"], example.name
        assert (example / "server.py").is_file(), example.name


@pytest.mark.timeout(180)
@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.name)
def test_hostile_example_is_graded_as_expected_in_time(graded, example):
    expected = json.loads((example / "expected.json").read_text(encoding="utf-8"))
    row = graded.rows[example.name]
    assert "error" not in row, row["error"]
    assert {c["id"]: c["status"] for c in row["checks"]} == expected["checks"], explain(row)
    assert row["transport"] == expected["transport"]
    assert row["score"] == expected["score"], explain(row)
    assert row["seconds"] < TIME_LIMIT


@pytest.mark.timeout(180)
def test_nothing_is_left_running(graded):
    assert not graded.left_running, f"alive after the grading: {graded.left_running}"


@pytest.mark.timeout(180)
def test_no_temporary_folder_is_left(graded):
    # grader-sub-* (the staged submission) and chatgrader-* (the sandbox's working copies) alike.
    assert graded.left_in_tmp == []


@pytest.mark.timeout(180)
def test_home_of_the_grader_is_untouched(graded):
    # file_vandal writes ~/.chat_history: HOME points into its working copy, which is removed.
    assert graded.home == []


@pytest.mark.timeout(180)
def test_reasons_name_the_limit_that_was_hit(graded):
    starts = {name: next(c["message"] for c in row["checks"] if c["id"] == "server_starts")
              for name, row in graded.rows.items()}
    assert "the grader allows at most 64 processes" in starts["fork_bomb"]
    assert "more than 2000 files" in starts["disk_filler"]
    assert "nobody types into a program the grader runs" in starts["asks_port"]
    assert "server.py line" in starts["syntax_error"]
    # The hog reaches its limit within the 5 s a server has to bind, unless the machine is very busy.
    assert "the grader allows 512 MiB" in starts["memory_hog"] or "within 5 s" in starts["memory_hog"]


@pytest.mark.timeout(180)
def test_no_student_reached_a_service_on_the_machines_loopback(graded):
    if graded.rows["loopback_canary"].get("isolation", {}).get("network") != "namespace":
        pytest.skip("no network namespace on this machine: the socket shim lets loopback through")
    assert graded.canary_hits == 0


@pytest.mark.timeout(180)
def test_no_file_was_written_outside_the_copies(graded):
    if graded.rows["home_writer"].get("isolation", {}).get("filesystem") != "landlock":
        pytest.skip("no Landlock on this machine: writes by absolute path are not confined")
    places = [Path(pwd.getpwuid(os.getuid()).pw_dir), Path("/tmp"), ROOT]
    assert not [p / WRITTEN for p in places if (p / WRITTEN).exists()]


@pytest.mark.timeout(180)
def test_every_grading_was_isolated_as_well_as_the_machine_allows(graded):
    from grader import isolation
    filesystem = "landlock" if isolation.landlock_abi() else "none"
    for name, row in graded.rows.items():
        assert row["isolation"]["filesystem"] == filesystem, (name, row["isolation"])
    assert len({row["isolation"]["network"] for row in graded.rows.values()}) == 1

"""The hostile example submissions in assignments/hostile: the grading leaves no process running, no
temporary folder behind and the grader's HOME untouched, the reasons name the limit that was hit, and (issue 15) no student code
reached a listener on the machine's loopback or wrote a file outside its copy.

They are graded with the whole class folder, once per test run, by the `class_run` fixture of
conftest.py (`python -m grader CLASSDIR -j 2`: a child process per submission, as a teacher grades a
class), with the temporary folder and HOME pointed at folders of the test run's own and a mark in the
environment that every process the grader starts inherits. Their verdicts, score and time are held to
their expected.json by tests/test_grader_class.py::test_every_row_is_graded_as_expected.
"""
import json
import os
import pwd
import time
from pathlib import Path

import pytest

from grader import harness, isolation, sandbox, submission
from grader.checks import BY_ID
from grader_helpers import CLASS_TEST_TIMEOUT, ROOT

HOSTILE = ROOT / "assignments" / "hostile"
EXAMPLES = sorted(p.parent for p in HOSTILE.glob("*/expected.json"))
# What issue 5 asks for, by the name of the example that shows it.
REQUIRED = {"import_loop", "never_binds", "fork_bomb", "memory_hog", "print_flood", "file_vandal", "exits_at_once",
            "syntax_error", "two_ports", "loopback_canary", "home_writer", "port_scanner"}
# home_writer's file, in the places it tries (assignments/hostile/home_writer/server.py).
WRITTEN = "hostile-home-writer.txt"


def test_the_hostile_set_is_complete():
    names = {p.name for p in EXAMPLES}
    assert REQUIRED <= names, f"missing: {REQUIRED - names}"
    for example in EXAMPLES:
        expected = json.loads((example / "expected.json").read_text(encoding="utf-8"))
        assert set(expected["checks"]) == set(BY_ID), example.name
        assert expected["why"], example.name
        assert (example / "server.py").is_file(), example.name


@pytest.mark.slow
@pytest.mark.timeout(CLASS_TEST_TIMEOUT)
def test_nothing_is_left_running(class_run):
    assert not class_run.left_running, f"alive after the grading: {class_run.left_running}"


@pytest.mark.slow
@pytest.mark.timeout(CLASS_TEST_TIMEOUT)
def test_no_temporary_folder_is_left(class_run):
    # grader-sub-* (the staged submission) and chatgrader-* (the sandbox's working copies) alike.
    assert class_run.left_in_tmp == []


@pytest.mark.slow
@pytest.mark.timeout(CLASS_TEST_TIMEOUT)
def test_home_of_the_grader_is_untouched(class_run):
    # file_vandal writes ~/.chat_history: HOME points into its working copy, which is removed.
    assert class_run.home == []


@pytest.mark.slow
@pytest.mark.timeout(CLASS_TEST_TIMEOUT)
def test_reasons_name_the_limit_that_was_hit(class_run):
    starts = {e.name: next(c["message"] for c in class_run.rows[e.name]["checks"] if c["id"] == "server_starts")
              for e in EXAMPLES}
    assert "the grader allows at most 64 processes" in starts["fork_bomb"]
    assert "more than 2000 files" in starts["disk_filler"]
    assert "nobody types into a program the grader runs" in starts["asks_port"]
    assert "server.py line" in starts["syntax_error"]
    # The hog reaches its limit within the 5 s a server has to bind, unless the machine is very busy.
    assert "the grader allows 512 MiB" in starts["memory_hog"] or "within 5 s" in starts["memory_hog"]


# A server that fills its folder before it binds, one file at a time, slowly enough that the bind
# timeout (cut short below) ends first: a loaded machine does that to the disk filler.
SLOW_FILLER = """
import os, socket, time
print("filling", flush=True)
os.makedirs("logs")
for number in range({files}):
    open(os.path.join("logs", str(number)), "w").close()
    time.sleep(0.02)
time.sleep(300)
server = socket.socket()
server.bind(("127.0.0.1", 5555))
server.listen()
"""


@pytest.mark.timeout(60)
@pytest.mark.parametrize("files, key", [(200, "down.limit.disk_files"), (5, "down.no_socket")])
def test_the_reason_does_not_depend_on_how_fast_the_server_could_write(tmp_path, monkeypatch, files, key):
    """One still filling its folder when the bind timeout ends is judged where its writing ends: at
    the disk limit (40 entries here, which take it at least 0.8 s), or, once its folder has stopped
    growing, as a server that never opened a socket; and that without waiting for DISK_PATIENCE."""
    start = sandbox.start

    def started(*args, **kwargs):   # the bind timeout counts from when it is writing, however loaded the machine
        program = start(*args, **kwargs)
        assert program.wait_output("filling", 20)
        return program

    monkeypatch.setattr(sandbox, "start", started)
    monkeypatch.setattr(harness, "START_TIMEOUT", 0.3)
    (tmp_path / "server.py").write_text(SLOW_FILLER.format(files=files), encoding="utf-8")
    h = harness.Harness(submission.load(tmp_path / "server.py"), 20, sandbox.Limits(wall_seconds=25, disk_files=40))
    try:
        started_at = time.monotonic()
        with pytest.raises(harness.ServerDown) as down:
            h.start_server()
        assert down.value.msg.key == key, str(down.value)
        assert time.monotonic() - started_at < harness.DISK_PATIENCE
    finally:
        h.close()


@pytest.mark.slow
@pytest.mark.timeout(CLASS_TEST_TIMEOUT)
def test_no_student_reached_a_service_on_the_machines_loopback(class_run):
    if class_run.rows["loopback_canary"]["isolation"]["network"] != "namespace":
        pytest.skip("no network namespace on this machine: the socket shim lets loopback through")
    assert class_run.canary_hits == 0


@pytest.mark.slow
@pytest.mark.timeout(CLASS_TEST_TIMEOUT)
def test_no_file_was_written_outside_the_copies(class_run):
    if class_run.rows["home_writer"]["isolation"]["filesystem"] != "landlock":
        pytest.skip("no Landlock on this machine: writes by absolute path are not confined")
    places = [Path(pwd.getpwuid(os.getuid()).pw_dir), Path("/tmp"), ROOT]
    assert not [p / WRITTEN for p in places if (p / WRITTEN).exists()]


@pytest.mark.slow
@pytest.mark.timeout(CLASS_TEST_TIMEOUT)
def test_every_grading_was_isolated_as_well_as_the_machine_allows(class_run):
    filesystem = "landlock" if isolation.landlock_abi() else "none"
    graded = {sid: row for sid, row in class_run.rows.items() if not row.get("error")}
    assert {sid: row["isolation"]["filesystem"] for sid, row in graded.items()} == dict.fromkeys(graded, filesystem)
    assert len({row["isolation"]["network"] for row in graded.values()}) == 1

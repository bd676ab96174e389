"""The fixtures the test files share.

- `server` (chat.py running as a subprocess on port 0) and `peers` (a factory of raw-socket clients
  joined to it), for the chat.py tests; the classes behind them are in chat_helpers.py.
- A session-wide guard: when the whole test run ends, no process started by the grader is alive. Every
  process started from here on carries SESSION_MARK in its environment (the sandbox hands the grader's
  environment on to the student's programs), so the guard looks only at this run's processes and not
  at those of someone else grading on the same machine.
- The class folder (every example submission, report fixture and hostile submission, symlinked side by
  side) and its one grading per test run, shared by tests/test_grader_class.py and
  tests/test_grader_hostile.py: grading the corpus is most of the suite's time, so it is done once
  (about 65 s with -j 3 on two cores, 2026-12-04), and only by tests marked `slow`.
"""
import os
import signal
import socket
import uuid
from pathlib import Path

import pytest

from chat_helpers import ChatServer, Peer
from copy_helpers import disguise
from grader_helpers import COPY, ENTRIES, ORIGINAL, Run, grade_class, survivors

# Run in the background (`&`, nohup), pytest inherits SIGINT and SIGQUIT ignored and hands that on to
# the chat.py processes the tests start, whose Ctrl-C tests then fail: restore what a terminal gives.
# (SIGHUP stays as it is: under nohup, a hangup must not end the test run.)
if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)
if signal.getsignal(signal.SIGQUIT) is signal.SIG_IGN:
    signal.signal(signal.SIGQUIT, signal.SIG_DFL)

SESSION_MARK = "GRADER_TEST_SESSION"
CLASS_MARK = "GRADER_CLASS_RUN"   # on every process the class grading starts


@pytest.fixture(scope="session", autouse=True)
def no_grader_process_outlives_the_tests():
    value = uuid.uuid4().hex
    os.environ[SESSION_MARK] = value
    yield
    left = survivors(SESSION_MARK, value, sandboxed_only=True)
    assert not left, f"processes started by the grader are still alive after the tests: {left}"


@pytest.fixture
def server():
    chat_server = ChatServer()
    try:
        yield chat_server
    finally:
        chat_server.stop()


@pytest.fixture
def peers(server):
    """A factory of clients joined to `server`; all closed at the end of the test."""
    made = []

    def make(name=None, **kwargs):
        peer = Peer(server.port, name, **kwargs)
        made.append(peer)
        return peer

    yield make
    for peer in made:
        peer.close()


@pytest.fixture(scope="session")
def classdir(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("class") / "submissions"
    folder.mkdir()
    for entry in ENTRIES:
        (folder / entry.name).symlink_to(entry, target_is_directory=True)
    (folder / COPY).mkdir()
    for name in ("server.py", "client.py"):
        (folder / COPY / name).write_text(disguise((ORIGINAL / name).read_text(encoding="utf-8")), encoding="utf-8")
    return folder


@pytest.fixture(scope="session")
def class_run(no_grader_process_outlives_the_tests, classdir, tmp_path_factory) -> Run:
    """The class graded once, as a teacher does:

        python -m grader CLASSDIR -j 2 --format json --csv grades.csv

    with TMPDIR and HOME pointed at empty folders of the test run's own and a mark in the environment
    that every process the grader starts inherits, so that what it leaves behind can be seen: the
    processes still alive, and the entries left in TMPDIR and HOME; and a listener on the machine's
    loopback counts the connections student code made to it."""
    tmp, home, cwd = (tmp_path_factory.mktemp(name) for name in ("class-tmp", "class-home", "teacher"))
    mark = uuid.uuid4().hex
    # A service of the teacher's on loopback, outside every grading: hostile/loopback_canary tries it.
    with socket.create_server(("127.0.0.1", 0), backlog=64) as canary:
        canary.setblocking(False)
        env = dict(os.environ, TMPDIR=str(tmp), HOME=str(home), GRADER_CANARY_PORT=str(canary.getsockname()[1]),
                   **{CLASS_MARK: mark})
        # -j 3 on two cores: more load than a teacher's default -j 2 (verdicts must not care; -j 4 gave
        # the same ones) and a quarter less wall time
        run = grade_class(classdir, cwd, jobs=3, csv_name="grades.csv", env=env)
        run.canary_hits = connections_waiting(canary)
    run.left_running = survivors(CLASS_MARK, mark)
    run.left_in_tmp = sorted(p.name for p in tmp.iterdir())
    run.home = sorted(p.name for p in home.iterdir())
    return run


def connections_waiting(listener: socket.socket) -> int:
    count = 0
    while True:
        try:
            listener.accept()[0].close()
        except BlockingIOError:
            return count
        count += 1

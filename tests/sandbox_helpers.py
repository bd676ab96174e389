"""The fixtures of the sandbox tests: `run` writes a student-like script into tmp_path and starts it
in the sandbox, and stops every program it started at the end, failing the test if any process of a
program's session survives stop() (and killing it by pid then); `sockets` closes what a test opens."""
import os
import signal
import socket
import textwrap

import pytest

from grader import sandbox


@pytest.fixture
def run(tmp_path):
    programs = []

    def start(source, name="server.py", *, files=None, **kwargs):
        folder = tmp_path / f"submission{len(programs)}"
        folder.mkdir()
        (folder / name).write_text(textwrap.dedent(source), encoding="utf-8")
        for other, text in (files or {}).items():
            (folder / other).write_text(textwrap.dedent(text), encoding="utf-8")
        program = sandbox.start(folder, name, **kwargs)
        programs.append(program)
        return program

    yield start
    survivors = []
    for program in programs:
        program.stop()
        left = sandbox.session_processes(program.pid)
        for pid in left:
            os.kill(pid, signal.SIGKILL)
        survivors += left
    assert not survivors, f"processes left alive after stop(): {survivors}"


@pytest.fixture
def sockets():
    opened = []

    def track(sock):
        opened.append(sock)
        return sock

    yield track
    for sock in opened:
        sock.close()


def talk(sockets, port, data, host="127.0.0.1"):
    """Send `data` on a new connection and return the first answer."""
    sock = sockets(socket.create_connection((host, port), timeout=5))
    sock.sendall(data)
    return sock.recv(1024)

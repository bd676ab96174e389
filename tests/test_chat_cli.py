"""chat.py as programs: the server's command line, log and Ctrl-C; the client program."""

import os
import re
import signal
import socket
import subprocess

import pytest

from chat_helpers import CHAT, HOST, LOG_LINE, Output, room, start_process, stop_process

pytestmark = pytest.mark.timeout(20)


class ClientProgram:
    """`python chat.py client NAME` with its stdin and stdout on pipes."""

    def __init__(self, port, name, *extra):
        self.process = start_process([CHAT, "client", name, "--host", HOST,
                                      "--port", str(port), *extra], stdin=subprocess.PIPE)
        self.out = Output(self.process.stdout)
        self.err = Output(self.process.stderr)

    def type(self, text):
        self.process.stdin.write(text)
        self.process.stdin.flush()

    def wait(self, timeout=10):
        code = self.process.wait(timeout)
        self.out.thread.join(5)
        self.err.thread.join(5)
        return code

    def stop(self):
        stop_process(self.process)


@pytest.fixture
def client_programs():
    started = []

    def start(*args):
        program = ClientProgram(*args)
        started.append(program)
        return program

    yield start
    for program in started:
        program.stop()


def test_help_explains_server_and_client():
    process = start_process([CHAT, "--help"])
    out, err = process.communicate(timeout=10)
    assert process.returncode == 0, err
    for text in ["python chat.py server", "--port 0", "python chat.py client Alice",
                 "nc 127.0.0.1 5555", "@NAME text", "/users", "/quit"]:
        assert text in out
    for command, options in [("server", ["--host", "--port", "0 picks a free port"]),
                             ("client", ["NAME", "--host", "--port"])]:
        process = start_process([CHAT, command, "--help"])
        out, err = process.communicate(timeout=10)
        assert process.returncode == 0, err
        assert all(option in out for option in options), out


def test_the_log_has_timestamps_for_start_joins_leaves_and_errors(server, peers):
    alice, bob = room(peers, "Alice", "Bob")
    bob.reset()
    assert alice.line() == "* Bob left the chat"
    alice.send("/quit\n")
    assert alice.line() == "* bye"
    server.log.wait_for("Alice left")
    lines = server.log.lines
    assert all(LOG_LINE.match(line) for line in lines), lines
    events = [LOG_LINE.match(line).group(1) for line in lines]
    assert events[0] == f"listening on 127.0.0.1:{server.port}"
    assert re.fullmatch(r"can hold \d+ connections \(file limit \d+\), \d+ of them without "
                        r"a name", events[1])
    assert re.fullmatch(r"Alice joined from 127\.0\.0\.1:\d+", events[2])
    assert re.fullmatch(r"Bob joined from 127\.0\.0\.1:\d+", events[3])
    assert events[4:] == ["Bob: Connection reset by peer", "Bob left", "Alice left"]


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_ctrl_c_stops_the_server_cleanly_and_tells_the_users(peers, server, sig):
    alice, bob = room(peers, "Alice", "Bob")
    assert server.stop(sig) == 0
    for user in (alice, bob):
        assert user.line() == "* server is shutting down"
        assert user.eof()
    assert "shutting down" in server.log.lines[-1]
    assert "Traceback" not in server.errors.text()
    assert server.errors.lines == []


def test_a_port_in_use_gives_one_clear_line(server):
    process = start_process([CHAT, "server", "--port", str(server.port)])
    out, err = process.communicate(timeout=10)
    assert process.returncode == 1
    assert err.strip() == f"cannot listen on 127.0.0.1:{server.port}: Address already in use"


@pytest.mark.parametrize("program", [["server"], ["client", "Alice"]])
@pytest.mark.parametrize("port", ["99999", "-1"])
def test_a_port_out_of_range_gives_one_clear_line(program, port):
    process = start_process([CHAT, *program, "--port", port])
    out, err = process.communicate(timeout=10)
    assert process.returncode == 1 and out == ""
    what = "listen on" if program == ["server"] else "connect to"
    assert err == f"cannot {what} 127.0.0.1:{port}: port must be 0-65535\n"


def test_the_client_program_joins_sends_receives_and_quits(server, peers, client_programs):
    (bob,) = room(peers, "Bob")
    alice = client_programs(server.port, "Alice")
    alice.out.wait_for("* welcome, Alice! online: Bob, Alice")
    assert bob.line() == "* Alice joined the chat"
    alice.type("hello from the program\n")
    assert bob.line() == "Alice: hello from the program"
    bob.send("hi Alice\n@alice just for you\n")
    alice.out.wait_for("Bob (private): just for you")
    alice.type(" /QUIT now\n")  # commands ignore case, like the server
    assert alice.wait() == 0
    assert bob.line() == "* Alice left the chat"
    assert alice.out.lines == ["* welcome, Alice! online: Bob, Alice", "Bob: hi Alice",
                               "Bob (private): just for you", "* bye"]
    assert alice.err.lines == []


@pytest.mark.parametrize("how", ["ctrl-d", "ctrl-c"])
def test_the_client_program_leaves_cleanly_on_ctrl_d_and_ctrl_c(
        server, peers, client_programs, how):
    (bob,) = room(peers, "Bob")
    alice = client_programs(server.port, "Alice")
    alice.out.wait_for("* welcome, Alice!")
    assert bob.line() == "* Alice joined the chat"
    if how == "ctrl-d":
        alice.process.stdin.close()
    else:
        os.kill(alice.process.pid, signal.SIGINT)
    assert alice.wait() == 0
    assert bob.line() == "* Alice left the chat"
    assert alice.err.lines == []  # no traceback


def test_the_client_program_asks_again_when_the_name_is_taken(server, peers, client_programs):
    (bob,) = room(peers, "Bob")
    program = client_programs(server.port, "bob")
    program.out.wait_for("* error: the name bob is taken; send another name")
    program.type("Robert\n")
    program.out.wait_for("* welcome, Robert! online: Bob, Robert")
    assert bob.line() == "* Robert joined the chat"
    program.type("it worked\n")
    assert bob.line() == "Robert: it worked"


def test_the_client_program_says_when_the_server_goes_away(server, peers, client_programs):
    alice = client_programs(server.port, "Alice")
    alice.out.wait_for("* welcome, Alice!")
    server.stop(signal.SIGINT)
    assert alice.wait() == 1
    assert alice.out.lines[-2:] == ["* server is shutting down",
                                    "* disconnected: the server closed the connection"]
    assert alice.err.lines == []


def test_the_client_program_with_no_server_gives_one_clear_line(client_programs):
    with socket.socket() as unused:  # a port with nobody listening on it
        unused.bind((HOST, 0))
        port = unused.getsockname()[1]
    program = client_programs(port, "Alice")
    assert program.wait() == 1
    assert program.err.lines == [f"cannot connect to 127.0.0.1:{port}: Connection refused"]
    assert program.out.lines == []


def test_nc_style_session_with_crlf_line_ends(server, peers):
    """What `nc -C` or telnet send: lines ending in \\r\\n."""
    (alice,) = room(peers, "Alice")
    nc = peers()
    nc.send("Bob\r\nhello with crlf\r\n/users\r\n")
    assert nc.line() == "* welcome, Bob! online: Alice, Bob"
    assert nc.line() == "* online: Alice, Bob"
    assert alice.line() == "* Bob joined the chat"
    assert alice.line() == "Bob: hello with crlf"


@pytest.mark.parametrize("how", ["/quit", "ctrl-d"])
def test_the_client_program_leaving_before_its_name_is_accepted_sends_no_quit(client_programs, how):
    """With no name accepted there is nobody to say goodbye for: the client sends nothing more (a
    `/quit` would be one more name try), closes, and ends at once with status 0. The server here
    is the test itself, so that every byte the client sends is seen."""
    with socket.create_server((HOST, 0)) as listener:
        listener.settimeout(10)
        program = client_programs(listener.getsockname()[1], "bob")
        conn, _ = listener.accept()
        with conn:
            conn.settimeout(10)
            received = b""
            while not received.endswith(b"\n"):
                received += conn.recv(1024)
            conn.sendall(b"* error: the name bob is taken; send another name\n")
            program.out.wait_for("* error: the name bob is taken; send another name")
            if how == "/quit":
                program.type("/quit\n")
            else:
                program.process.stdin.close()
            while data := conn.recv(1024):  # until the client closes the connection
                received += data
    assert received == b"bob\n"
    assert program.wait() == 0
    assert program.err.lines == []

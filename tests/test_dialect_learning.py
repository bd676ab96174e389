"""grader.learning.learn: what is learned from the student's client depends on what was said, not on
how fast the machine said it (issue 12, "determinism under a spinning server").

The races are reproduced on purpose: a server whose prompt comes late (its handler sleeps first, as a
starved thread would), a client that sends its command-line name only when the server asks, and the
machine loaded by two busy loops that the test starts and stops by pid. Each learning runs 10 times
and must give the same dialect every time. The grader of 2 December 2026 typed the name after a
fixed 0.25 s of silence: it learned "the client speaks first; name sent as nothing" for the late
prompt, and "name sent as '{name}{name}'" for the client that answers the prompt itself.
"""
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from grader import dialect as dialects
from grader import learning, quiescence, sandbox
from grader.harness import Harness
from grader.kernel import syscalls
from grader.relay import Relay
from grader.submission import load

ROOT = Path(__file__).resolve().parent.parent
RUNS = 10

# The prompt has no word like "name": only the order of what is said tells that it asks for one.
SERVER = """\
import socket, threading, time
DELAY = {delay}
clients = {{}}

def serve(conn):
    time.sleep(DELAY)             # a starved thread: the prompt comes late
    conn.sendall("Who goes there? ".encode())
    nick = conn.recv(1024).decode().strip()
    clients[nick] = conn
    while True:
        data = conn.recv(1024)
        if not data or data.decode().strip() == "/bye":
            break
        for other in [c for c in clients.values() if c is not conn]:
            other.sendall(nick.encode() + b": " + data)
    clients.pop(nick, None)
    conn.close()

srv = socket.socket()
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("127.0.0.1", 5555))
srv.listen()
while True:
    conn, _ = srv.accept()
    threading.Thread(target=serve, args=(conn,), daemon=True).start()
"""

# Shows whatever comes and sends every typed line as it is (no prompt, no name of its own).
CLIENT = """\
import socket, threading
sock = socket.create_connection(("127.0.0.1", 5555))

def show():
    while True:
        data = sock.recv(1024)
        if not data:
            break
        print(data.decode())

threading.Thread(target=show, daemon=True).start()
while True:
    try:
        line = input()
    except EOFError:
        break
    sock.sendall(line.encode())
    if line == "/bye":
        break
sock.close()
"""

# Prints nothing until it has heard the server: reads the prompt first, then the name from stdin.
CLIENT_READS_FIRST = """\
import socket, threading
sock = socket.create_connection(("127.0.0.1", 5555))
print(sock.recv(1024).decode())
sock.sendall(input().encode())

def show():
    while True:
        data = sock.recv(1024)
        if not data:
            break
        print(data.decode())

threading.Thread(target=show, daemon=True).start()
while True:
    try:
        line = input()
    except EOFError:
        break
    sock.sendall(line.encode())
    if line == "/bye":
        break
sock.close()
"""

# One file, two modes; the client answers the server's prompt with the name it was started with
# (`python chat.py client NAME`), whenever the prompt comes.
DUAL = SERVER.replace("srv = socket.socket()", """\
def client(name):
    sock = socket.create_connection(("127.0.0.1", 5555))

    def show():
        while True:
            data = sock.recv(1024)
            if not data:
                break
            if data.decode() == "Who goes there? ":
                sock.sendall(name.encode())
            else:
                print(data.decode())

    threading.Thread(target=show, daemon=True).start()
    while True:
        try:
            line = input()
        except EOFError:
            break
        sock.sendall(line.encode())
        if line == "/bye":
            break
    sock.close()

import sys
if sys.argv[1] == "client":
    client(sys.argv[2])
    raise SystemExit
assert sys.argv[1] == "server"
srv = socket.socket()""")

# The same, but the client sends its name as soon as it has connected, without waiting to be asked:
# the relay sees the name before the late prompt, and only asking the server tells who spoke first.
EAGER = DUAL.replace("""\
            if data.decode() == "Who goes there? ":
                sock.sendall(name.encode())
            else:
                print(data.decode())""", """\
            print(data.decode())""")
EAGER = EAGER.replace("""\
    threading.Thread(target=show, daemon=True).start()
    while True:""", """\
    sock.sendall(name.encode())
    threading.Thread(target=show, daemon=True).start()
    while True:""")
assert EAGER.count("sock.sendall(name.encode())") == 1

ASKED = ("greets", True, "name", "{name}", "message", "{text}", "leave", "/bye")


def submission(tmp_path: Path, name: str, delay: float, client: str | None = CLIENT, dual: str = DUAL) -> Path:
    folder = tmp_path / name
    folder.mkdir()
    if client is None:
        (folder / "chat.py").write_text(dual.format(delay=delay), encoding="utf-8")
    else:
        (folder / "server.py").write_text(SERVER.format(delay=delay), encoding="utf-8")
        (folder / "client.py").write_text(client, encoding="utf-8")
    return folder


def learn(path: Path) -> dialects.Dialect:
    """The dialect learned from running the submission's client against its server."""
    with load(str(path)) as sub:
        h = Harness(sub, 20.0)
        try:
            return learning.learn(sub, h.start_server(), timeout=6.0, stuck=quiescence.stuck)
        finally:
            h.close()


def learned(path: Path) -> tuple:
    """The dialect learned from running the submission's client, as a tuple that compares."""
    d = learn(path)
    return ("greets", d.greets, "name", d.name_format, "message", d.message_format, "leave", d.leave)


def learned_every_time(path: Path, runs: int = RUNS) -> list[tuple]:
    return [learned(path) for _ in range(runs)]


@pytest.fixture
def busy_machine():
    """Two busy loops, as many as the machine has cores here: the grader's threads, the client's
    and the server's all wait for a core. Stopped by pid."""
    loops = [subprocess.Popen([sys.executable, "-c", "while 1: pass"]) for _ in range(2)]
    yield
    for loop in loops:
        os.kill(loop.pid, signal.SIGKILL)
        loop.wait()


# The same server with a password in its code: asked before the name or after it; a wrong one
# hangs up, or is asked for again.
PROMPT = """    conn.sendall("Who goes there? ".encode())
    nick = conn.recv(1024).decode().strip()
"""
ASK = """    conn.sendall(b"Password: ")
    if conn.recv(1024).decode().strip() != SECRET_WORD:
        conn.close()
        return
"""
ASK_AGAIN = """    while True:
        conn.sendall(b"Password: ")
        if conn.recv(1024).decode().strip() == SECRET_WORD:
            break
        conn.sendall(b"Wrong.\\n")
"""
assert PROMPT in SERVER


def password_server(ask: str, after_name: bool) -> str:
    code = SERVER.replace("clients = {{}}", 'clients = {{}}\nSECRET_WORD = "swordfish"')
    return code.replace(PROMPT, PROMPT + ask if after_name else ask + PROMPT)


@pytest.mark.slow   # learns twice in a row
@pytest.mark.timeout(300)
@pytest.mark.parametrize("ask, after_name, login", [(ASK, False, ("swordfish",)), (ASK, True, ("{name}", "swordfish")),
                                                    (ASK_AGAIN, False, ("swordfish",)),
                                                    (ASK_AGAIN, True, ("{name}", "swordfish"))],
                         ids=["hangs_up_before_the_name", "hangs_up_after_the_name", "asks_again", "asks_again_after_the_name"])
def test_a_server_that_does_not_take_the_name_is_typed_the_password_its_code_compares_a_line_with(
        tmp_path, ask, after_name, login):
    path = submission(tmp_path, "password", 0.0)
    (path / "server.py").write_text(password_server(ask, after_name).format(delay=0.0), encoding="utf-8")
    for _ in range(2):
        d = learn(path)
        learned_login = (d.login, d.greets, d.name_format, d.message_format, d.leave)
        assert learned_login == (login, True, "{name}", "{text}", "/bye")


@pytest.mark.slow
@pytest.mark.timeout(60)
def test_a_server_that_takes_the_name_is_typed_nothing_else(tmp_path):
    assert learn(submission(tmp_path, "no_password", 0.0)).login == ()


@pytest.mark.slow   # learns ten times in a row
@pytest.mark.timeout(300)
@pytest.mark.parametrize("delay", [0.0, 0.5])
def test_a_late_prompt_is_waited_for_and_the_typed_name_is_sent_as_the_name(tmp_path, delay):
    # The old grader typed the name 0.25 s after the client connected: before a prompt 0.5 s late.
    # (A server that never idles, as a sleeping one, is waited for GREETING_PATIENCE at most.)
    path = submission(tmp_path, "late_prompt", delay)
    assert learned_every_time(path) == [ASKED] * RUNS


@pytest.mark.slow   # learns ten times in a row
@pytest.mark.timeout(300)
def test_a_client_that_reads_the_server_first_learns_the_same(tmp_path):
    path = submission(tmp_path, "reads_first", 0.5, CLIENT_READS_FIRST)
    assert learned_every_time(path) == [ASKED] * RUNS


@pytest.mark.slow   # learns ten times in a row
@pytest.mark.timeout(300)
def test_a_client_that_answers_the_prompt_itself_is_not_typed_a_name(tmp_path):
    # The name comes from the command line, sent when the server asks; typing it too (as the old
    # grader did once its quiet window passed) glued it to the real one: '{name}{name}'.
    path = submission(tmp_path, "answers_itself", 0.5, client=None)
    assert learned_every_time(path) == [ASKED] * RUNS


@pytest.mark.slow   # learns ten times in a row
@pytest.mark.timeout(300)
def test_a_client_that_speaks_before_a_late_prompt_still_learns_that_the_server_speaks_first(tmp_path):
    path = submission(tmp_path, "eager", 0.5, client=None, dual=EAGER)
    assert learned_every_time(path) == [ASKED] * RUNS


@pytest.mark.slow   # learns ten times in a row
@pytest.mark.timeout(400)
def test_learning_on_a_busy_machine_gives_the_same_dialect_every_time(tmp_path, busy_machine):
    prompt = submission(tmp_path, "prompt", 0.0)
    answers = submission(tmp_path, "answers", 0.0, client=None)
    assert learned_every_time(prompt) == [ASKED] * RUNS
    assert learned_every_time(answers) == [ASKED] * RUNS


# Takes its name on the command line only (`python client.py Alice`), and answers the prompt with it.
ARGV_CLIENT = CLIENT_READS_FIRST.replace("""\
sock = socket.create_connection(("127.0.0.1", 5555))
print(sock.recv(1024).decode())
sock.sendall(input().encode())""", """\
import sys
if len(sys.argv) != 2:
    raise SystemExit("usage: python client.py NAME")
sock = socket.create_connection(("127.0.0.1", 5555))
print(sock.recv(1024).decode())
sock.sendall(sys.argv[1].encode())""")
assert ARGV_CLIENT != CLIENT_READS_FIRST


@pytest.mark.timeout(60)
def test_a_client_that_exits_without_its_name_on_the_command_line_is_started_with_it(tmp_path):
    d = learn(submission(tmp_path, "argv", 0.0, ARGV_CLIENT))
    assert d.learned_from.key == "dialect.from_client"
    assert (d.client_args, d.greets, d.name_format, d.leave) == (("{name}",), True, "{name}", "/bye")


def until(done, timeout: float = 5.0) -> bool:
    """Looks at done() until it holds: thread states in /proc have no event to wait on."""
    deadline = time.monotonic() + timeout
    while not done():
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.01)
    return True


def test_a_relay_is_settled_once_it_has_passed_on_what_it_got_and_not_while_it_holds_bytes():
    with socket.create_server(("127.0.0.1", 0)) as srv, Relay(srv.getsockname()) as relay:
        assert until(relay.settled)                 # its accept loop waits for a connection
        with socket.create_connection(relay.address) as client:
            server_end, _ = srv.accept()
            with server_end:
                client.sendall(b"ping")
                assert server_end.recv(4) == b"ping"
                assert until(relay.settled)         # both pumps back in recv(): nothing held
                assert relay.upstream_port(0) == server_end.getpeername()[1]
                # The server stops reading: the relay is left holding bytes it cannot pass on.
                flood = threading.Thread(target=send_all, args=(client, bytes(64 << 20)), daemon=True)
                flood.start()
                pump = next(t for t in threading.enumerate() if t.name == "relay-0-c2s")
                sending = lambda: (syscalls.thread_wait(os.getpid(), str(pump.native_id)) or ("",))[0] == "send"
                assert until(sending)
                assert not relay.settled()
                client.shutdown(socket.SHUT_RDWR)   # ends the flood's sendall()
                flood.join(5)


def test_a_relay_is_not_settled_while_the_client_has_not_got_what_it_passed_on():
    # A loaded machine delivers loopback bytes late, in a kernel thread: meanwhile the client sleeps
    # on an empty socket. A client that reads nothing keeps them unacknowledged the same way.
    with socket.create_server(("127.0.0.1", 0)) as srv, Relay(srv.getsockname()) as relay:
        client = socket.socket()
        client.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1)   # the kernel's minimum: a small window
        with client:
            client.connect(relay.address)
            server_end, _ = srv.accept()
            with server_end:
                server_end.sendall(bytes(12000))    # more than the window, less than the relay's send buffer
                got = lambda: sum(len(e.data) for e in relay.events() if e.kind == "s2c") == 12000
                pumps = [t for t in threading.enumerate() if t.name.startswith("relay-0-")]
                reading = lambda: all((syscalls.thread_wait(os.getpid(), str(t.native_id)) or ("",))[0] == "fd"
                                      for t in pumps)   # both back in recv(): nothing held
                assert until(lambda: got() and reading())
                assert not relay.settled()
                received = 0
                while received < 12000:
                    received += len(client.recv(65536))
                assert until(relay.settled)


def test_a_relay_is_not_settled_while_a_connection_is_on_its_way_to_the_server():
    # Its thread must be in connect(): just after, its reply pump may hold a first reply unrecorded.
    gate = threading.Event()
    with socket.create_server(("127.0.0.1", 0)) as srv:
        target = srv.getsockname()
        with Relay(target, route=lambda conn: (gate.wait(), target)[1]) as relay:
            with socket.create_connection(relay.address):
                pump = lambda: next((t for t in threading.enumerate() if t.name == "relay-0-c2s"), None)
                assert until(lambda: pump() is not None and
                             syscalls.thread_wait(os.getpid(), str(pump().native_id)) == ("other", 0))
                assert not relay.settled()
                gate.set()
                server_end, _ = srv.accept()
                with server_end:
                    assert until(relay.settled)


# No thread: one select() waits on the socket and the keyboard at once.
SELECT_CLIENT = """\
import select, socket, sys
sock = socket.create_connection(("127.0.0.1", 5555))
while True:
    ready = select.select([sock, sys.stdin], [], [])[0]
    if sock in ready:
        print(sock.recv(1024).decode())
    if sys.stdin in ready:
        sock.sendall(sys.stdin.readline().encode())
"""


@pytest.mark.timeout(30)
def test_a_client_that_waits_in_select_on_its_socket_and_stdin_is_seen_waiting_for_typing(tmp_path):
    # Once it was not: every step of its learning waited out its patience (6 s of a 7.7 s grading).
    (tmp_path / "client.py").write_text(SELECT_CLIENT, encoding="utf-8")
    with socket.create_server(("127.0.0.1", 0)) as srv, Relay(srv.getsockname()) as relay:
        client = sandbox.start(tmp_path, "client.py", redirect=relay.address, stdin=True)
        try:
            session = learning._Session(client, relay, None, time.monotonic() + 20)
            assert until(session.started)
            server_end, _ = srv.accept()
            with server_end:
                client.write_stdin("hello\n")
                assert server_end.recv(100) == b"hello\n"
                assert until(lambda: session._client_waits() not in (False, None))   # waits for the next line
        finally:
            client.stop()


def test_a_relay_whose_connection_waits_in_the_servers_full_backlog_is_settled():
    # Its connect() has a timeout, so its thread waits in poll(): once that was read as "not settled",
    # and every wait beside a full server (a chat for two) ran to its end.
    with socket.socket() as srv:
        srv.bind(("127.0.0.1", 0))
        srv.listen(0)
        filler = []
        try:
            while True:   # connections the server never accepts, until its backlog is full
                sock = socket.socket()
                filler.append(sock)
                sock.settimeout(0.3)
                sock.connect(srv.getsockname())
        except TimeoutError:
            pass
        try:
            with Relay(srv.getsockname()) as relay, socket.create_connection(relay.address):
                pump = lambda: next((t for t in threading.enumerate() if t.name == "relay-0-c2s"), None)
                assert until(lambda: pump() is not None and syscalls.connecting(os.getpid(), pump().native_id))
                assert until(relay.settled)
                assert relay.connections()[0].connecting
        finally:
            for sock in filler:
                sock.close()


def send_all(sock: socket.socket, data: bytes) -> None:
    try:
        sock.sendall(data)
    except OSError:
        pass   # the test closed it


@pytest.mark.slow
@pytest.mark.timeout(600)
@pytest.mark.parametrize("example", ["slash_to_private", "client_copies"])
def test_the_two_hand_ins_that_changed_between_runs_now_grade_the_same(example, busy_machine):
    # Before: slash_to_private 95, 95, 35, 95, 95 and client_copies 100, 35, 100, 35, 100 (5 runs,
    # two busy loops); the 35s were "the client speaks first; name sent as nothing".
    out = subprocess.run([sys.executable, "-m", "grader", str(ROOT / "assignments" / "examples" / example),
                          "--repeat", "3", "--format", "json"], capture_output=True, text=True, cwd=ROOT,
                         timeout=500)
    result = json.loads(out.stdout)
    assert result["changed"] == {}, result["scores"]
    assert "the server speaks first; name sent as '{name}'" in result["dialect"]


TYPED_NAMES = [
    # (what the client sent for the typed name, how the server takes it) -> what a user types as the name
    (dialects.Dialect(name_format="{name}\n"), dialects.Dialect(name_format="/nick {name}\n"), "/nick {name}"),
    (dialects.Dialect(name_format="{name}"), dialects.Dialect(name_format="LOGIN {name}"), "LOGIN {name}"),
    # the client wraps the line: what it adds stays the client's
    (dialects.Dialect(name_format="NAME:{name}\n"), dialects.Dialect(name_format="NAME:/nick {name}\n"), "/nick {name}"),
    # no line the client can be given makes these
    (dialects.Dialect(name_format="NAME:{name}\n"), dialects.Dialect(name_format="/nick {name}\n"), None),
    (dialects.Dialect(name_format="{name}\n"), dialects.Dialect(name_format="/nick {name}\n/join\n"), None),
    (dialects.Dialect(name_format="{name}\n"), dialects.Dialect(name_format=None), None),
    (dialects.Dialect(name_format="{name}\n"), dialects.Dialect(name_format="/nick {name}\n", framing="length"), None),
    (dialects.Dialect(name_format="{name}\n", client_args=("{name}",)), dialects.Dialect(name_format="/nick {name}\n"),
     None),
]


@pytest.mark.parametrize("client, server, line", TYPED_NAMES)
def test_the_name_is_typed_the_way_the_server_takes_it_where_the_client_can_send_that(client, server, line):
    assert dialects.typed_name(client, server) == line


# Connects, then stops before it reads a line, as a tkinter window does where there is no display.
CRASHES_AFTER_CONNECT = """\
import socket
sock = socket.create_connection(("127.0.0.1", 5555))
raise RuntimeError("no display name and no $DISPLAY environment variable")
"""


@pytest.mark.timeout(60)
def test_a_client_that_connects_and_sends_nothing_typed_is_not_learned_from(tmp_path):
    d = learn(submission(tmp_path, "window", 0.0, CRASHES_AFTER_CONNECT))
    assert d.learned_from.key == "dialect.from_code"
    note = next(n for n in d.notes if n.key == "note.client_sent_nothing")
    assert note.values["why"] == ": RuntimeError: no display name and no $DISPLAY environment variable"

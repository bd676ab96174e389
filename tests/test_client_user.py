"""grader.client_user: scripted users that are running copies of a client program, against real
servers in the sandbox: the kit's chat.py, example hand-ins, and small clients written here for what
the leave procedure and the relay's routing must handle."""
import shutil
import socket
import textwrap
from pathlib import Path

import pytest

from grader import sandbox, waiting, wire
from grader.client_user import LEAVE_STEPS, ClientUser, requested_ports
from grader.relay_ends import client_ends, upstreams

# Each drives copies of real client programs through the sandbox: seconds each, so not in the fast lane.
pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "assignments" / "examples"
LIMITS = sandbox.Limits(wall_seconds=60)
WAIT = 15  # generous: the machine is shared; every wait ends as soon as its event happens
GRACE = 2  # each leave step's wait for the client to exit: a Python client exits in milliseconds; a
           # stubborn one waits all of it, twice in one test


@pytest.fixture
def kit(tmp_path):
    """A folder holding only chat.py (the sandbox copies the whole folder for every program)."""
    shutil.copy(ROOT / "chat.py", tmp_path / "chat.py")
    return tmp_path


@pytest.fixture
def stopping():
    things = []
    yield things.append
    for thing in reversed(things):
        thing.stop()


def serve(root, script, stopping, args=("server",), listens=1):
    program = sandbox.start(root, script, list(args), limits=LIMITS)
    stopping(program)
    assert program.wait_events(lambda _: len(program.bindings) >= listens, WAIT), program.output()
    return program, ("127.0.0.1", program.bindings[0].port)


def join(stopping, names, root, script, server, args=(), **kwargs):
    users = []
    for name in names:
        user = ClientUser.start(root, script, args, server, name=name, limits=LIMITS, **kwargs)
        stopping(user)
        assert user.joined, (name, user.seen(), user.program.traceback())
        users.append(user)
    return users


def chat_users(kit, stopping, names=("Alice", "Bobby", "Carol", "Danny"), **how):
    _, server = serve(kit, "chat.py", stopping)
    how = how or {"args": ("client", "{name}")}
    return join(stopping, names, kit, "chat.py", server, **how)


@pytest.mark.timeout(120)
def test_four_chat_py_users_type_to_each_other(kit, stopping):
    users = chat_users(kit, stopping)
    for user in users:
        assert user.name_on_argv and user.name.encode() in user.sent()
    for i, sender in enumerate(users):
        token = f"QZ{i}TOKEN"
        marks = [u.mark() for u in users]
        sender.type(f"hello {token}")
        assert sender.wait_sent(token, WAIT, marks[i])
        for user, mark in zip(users, marks):
            if user is not sender:
                assert user.wait_token(token, WAIT, mark), (user.name, user.received(mark))
                assert wire.near(user.received(mark), sender.name, token)
                assert user.wait_token(f"{sender.name}: hello {token}", WAIT, mark)  # printed too
        # chat.py sends nobody their own line back: what crossed the wire says so.
        assert not wire.contains(sender.received(marks[i]), token)


@pytest.mark.timeout(120)
def test_the_leave_command_that_closes_is_one_step(kit, stopping):
    alice, danny = chat_users(kit, stopping, ("Alice", "Danny"))
    mark = alice.mark()
    leave = danny.leave(["/quit", "/exit"], GRACE)
    assert [s.action for s in leave.steps] == ["command"]
    step = leave.steps[0]
    assert step.typed == "/quit" and step.server_got == b"/quit\n" and b"* bye" in step.server_sent
    assert step.exited and step.returncode == 0 and step.closed
    assert [c.to_server for c in step.connections] == ["fin"]
    assert leave.closed_by == leave.exited_by == "command"
    assert alice.wait_token("* Danny left the chat", WAIT, mark)


@pytest.mark.timeout(120)
def test_a_word_the_client_does_not_know_is_followed_by_ctrl_c(kit, stopping):
    alice, danny = chat_users(kit, stopping, ("Alice", "Danny"))
    mark = alice.mark()
    leave = danny.leave(["/leave"], GRACE)
    assert [s.action for s in leave.steps] == ["command", "interrupt"]
    typed, interrupt = leave.steps
    assert b"/leave" in typed.server_got and not typed.exited and not typed.closed
    assert interrupt.exited and interrupt.closed  # chat.py leaves on Ctrl-C
    assert leave.closed_by == "interrupt"
    assert alice.wait_token("* Danny left the chat", WAIT, mark)


# A client that ignores Ctrl+C; with STUBBORN it ignores the end of its input too.
SIGNAL_PROOF = """
import signal, socket, sys, time
signal.signal(signal.SIGINT, signal.SIG_IGN)
name = input()
sock = socket.create_connection(("127.0.0.1", 5555))
sock.sendall((name + "\\n").encode())
for line in sys.stdin:
    sock.sendall(line.encode())
if STUBBORN:
    while True:
        time.sleep(1)
sock.close()
"""


@pytest.mark.timeout(120)
@pytest.mark.parametrize("stubborn,last", [(False, "end_of_input"), (True, "kill")])
def test_leave_goes_on_until_the_client_ends(kit, stopping, stubborn, last):
    (kit / "client.py").write_text(SIGNAL_PROOF.replace("STUBBORN", str(stubborn)))
    _, server = serve(kit, "chat.py", stopping)
    alice, = join(stopping, ["Alice"], kit, "chat.py", server, args=("client", "{name}"))
    bobby, = join(stopping, ["Bobby"], kit, "client.py", server)
    assert not bobby.name_on_argv
    mark = alice.mark()
    leave = bobby.leave([], GRACE)
    actions = [s.action for s in leave.steps]
    assert actions == list(LEAVE_STEPS[1:LEAVE_STEPS.index(last) + 1])
    assert all(not s.exited and not s.closed for s in leave.steps[:-1])
    assert leave.steps[-1].exited and leave.closed_by == last
    # It never read the server's welcome: closing a socket with unread data sends a reset.
    assert leave.steps[-1].connections[0].to_server == "reset"
    assert alice.wait_token("* Bobby left the chat", WAIT, mark)


# A client whose screen lags: its reading thread takes a while to get to what arrived.
LAGGING_READER = """
import socket, sys, threading, time
sock = socket.create_connection(("127.0.0.1", 5555))
sock.sendall((input() + "\\n").encode())
def read():
    while True:
        time.sleep(0.3)
        data = sock.recv(4096)
        if not data:
            return
        print(data.decode(), end="", flush=True)
threading.Thread(target=read, daemon=True).start()
for line in sys.stdin:
    if line.strip() == "/exit":
        break
    sock.sendall(line.encode())
sock.close()
"""


@pytest.mark.timeout(120)
def test_a_user_leaves_once_the_client_has_read_what_reached_it(kit, stopping):
    # Typed at once, /exit closes a socket with a message still unread in it, and the kernel sends
    # the server a reset for a close: a server whose thread dies of that tells nobody the user left.
    (kit / "client.py").write_text(LAGGING_READER)
    _, server = serve(kit, "chat.py", stopping)
    alice, = join(stopping, ["Alice"], kit, "chat.py", server, args=("client", "{name}"))
    bobby, = join(stopping, ["Bobby"], kit, "client.py", server)
    mark = bobby.mark()
    alice.type("late QZLAG")
    arrived = lambda: wire.contains(bobby.received(mark), "QZLAG")   # noqa: E731
    assert waiting.poll_until(lambda: arrived() and any(e.rqueue for e in client_ends(bobby.relay)), WAIT)   # still unread
    leave = bobby.leave(["/exit"], GRACE)
    assert [s.action for s in leave.steps] == ["command"] and leave.steps[0].exited
    assert [c.to_server for c in leave.steps[0].connections] == ["fin"]
    assert "QZLAG" in bobby.seen(mark)


@pytest.mark.timeout(120)
def test_a_reset_of_the_server_side_is_a_lost_connection_for_the_others(kit, stopping):
    alice, bobby, carol = chat_users(kit, stopping, ("Alice", "Bobby", "Carol"))
    mark = alice.mark()
    assert bobby.reset_server_side() == 1
    assert alice.wait_token("* Bobby left the chat", WAIT, mark)
    assert [c.to_server for c in bobby.connections()] == ["reset"]
    # The chat goes on without him, and his client, cut off, hears nothing more.
    marks = [u.mark() for u in (alice, bobby, carol)]
    carol.type("still here QZRESET")
    assert alice.wait_token("QZRESET", WAIT, marks[0])
    assert not bobby.delivered("QZRESET", marks[1])
    bobby.type("lost QZLOST")
    assert bobby._wait(lambda: any(e.kind == "dropped" for e in bobby.relay.events()), WAIT)
    assert not wire.contains(carol.received(marks[2]), "QZLOST")


@pytest.mark.timeout(120)
@pytest.mark.parametrize("cut", ["reset_server_side", "close_server_side"])
def test_a_connection_the_relay_cut_counts_as_gone_not_as_connecting(kit, stopping, cut):
    # upstreams() answers None while a connection is still connecting, which keeps every wait from
    # ending early; a reset one, and then a closed one, once looked like that for the rest of the
    # grading (a chat for two waited out every wait after its second user left: 10 s, not 5).
    _, server = serve(kit, "chat.py", stopping)
    (bobby,) = join(stopping, ["Bobby"], kit, "chat.py", server, args=("client", "{name}"))
    assert [e.connected for e in upstreams(bobby.relay, server[1])] == [True]
    assert getattr(bobby, cut)() == 1
    assert [e.connected for e in upstreams(bobby.relay, server[1])] == [False]


PROMPT_FIRST_CLIENT = """
    import socket
    s = socket.create_connection(("127.0.0.1", 5555))
    print(s.recv(1024).decode(), end="")   # the server's prompt, before the name is read
    s.sendall(input().encode() + b"\\n")
"""


@pytest.mark.timeout(30)
def test_a_client_waiting_for_a_prompt_an_idle_server_never_sends_is_not_waited_for(tmp_path, stopping):
    # The name is typed ahead; the client reads it only after the prompt. With the server idle,
    # nothing can happen: the wait for the name ends there, not after its 60 s (the test's limit is 30).
    (tmp_path / "client.py").write_text(textwrap.dedent(PROMPT_FIRST_CLIENT))
    with socket.create_server(("127.0.0.1", 0)) as silent:
        user = ClientUser.launch(tmp_path, "client.py", (), silent.getsockname(), name="Alice", limits=LIMITS)
        stopping(user)
        assert user.wait_until(lambda: user.connected, WAIT)
        assert not user.wait_joined(60, answered=False, idle=lambda: True)
        assert user.program.alive() and b"Alice" not in user.sent()


@pytest.mark.timeout(120)
def test_a_close_of_the_server_side_ends_the_users_session(kit, stopping):
    alice, bobby = chat_users(kit, stopping, ("Alice", "Bobby"))
    mark = alice.mark()
    assert bobby.close_server_side() == 1
    assert alice.wait_token("* Bobby left the chat", WAIT, mark)
    # As from a closed window: the server got a FIN, and nothing comes back from it to the client.
    assert [(c.to_server, c.from_server) for c in bobby.connections()] == [("fin", "open")]
    assert "disconnected" not in bobby.seen()


@pytest.mark.timeout(120)
def test_a_stalled_user_gets_nothing_until_resumed(kit, stopping):
    # The name on the command line without a placeholder: it goes last, as sys.argv[1] would have it.
    alice, bobby, carol = chat_users(kit, stopping, ("Alice", "Bobby", "Carol"), args=("client",),
                                     name_on_argv=True)
    assert all(u.name_on_argv for u in (alice, bobby, carol))
    marks = [u.mark() for u in (alice, bobby, carol)]
    bobby.stall()
    alice.type("held back QZSTALL")
    assert carol.wait_token("QZSTALL", WAIT, marks[2])
    assert not bobby.delivered("QZSTALL", marks[1])
    bobby.resume()
    assert bobby.wait_token("QZSTALL", WAIT, marks[1])


# name typed into a client prompt, a server prompt, or nothing at all; each folder's first message
EXAMPLE_CLIENTS = ["good_keyword_name", "echo_client_names", "nick_line_queues", "prompt_accept_loop"]


def _scripts(folder):
    files = sorted(p.name for p in folder.glob("*.py"))
    client = next(f for f in files if "client" in f)
    return next(f for f in files if f != client), client


@pytest.mark.timeout(180)
@pytest.mark.parametrize("example", EXAMPLE_CLIENTS)
def test_example_clients_chat_with_their_own_servers(example, stopping):
    folder = EXAMPLES / example
    server_script, client_script = _scripts(folder)
    _, server = serve(folder, server_script, stopping, args=())
    users = join(stopping, ["Alice", "Bobby", "Carol"], folder, client_script, server)
    for user in users:
        assert not user.name_on_argv
    marks = [u.mark() for u in users]
    users[0].type("hello QZEXAMPLE")
    for user, mark in zip(users[1:], marks[1:]):
        assert user.wait_token("QZEXAMPLE", WAIT, mark), (user.name, user.received(mark), user.seen())
        assert wire.near(user.received(mark), "Alice", "QZEXAMPLE")
    leave = users[2].leave(["/quit", "exit"], GRACE)
    assert leave.steps[0].typed == "/quit" and leave.exited_by is not None
    assert users[0].typed == ["Alice", "hello QZEXAMPLE"] and users[2].typed == ["Carol", "/quit"]


TWO_PORT_SERVER = """
import socket, threading
readers, lock = [], threading.Lock()

def lines(conn):
    return conn.makefile("r", encoding="utf-8")

def writer(conn):
    src = lines(conn)
    name = src.readline().strip()
    for line in src:
        with lock:
            for reader in readers:
                reader.sendall(f"{name}: {line}".encode())

def serve(port, handle):
    srv = socket.create_server(("127.0.0.1", port))
    while True:
        conn, _ = srv.accept()
        threading.Thread(target=handle, args=(conn,), daemon=True).start()

def reader(conn):
    lines(conn).readline()
    with lock:
        readers.append(conn)

threading.Thread(target=serve, args=(7001, reader), daemon=True).start()
serve(7000, writer)
"""

TWO_PORT_CLIENT = """
import socket, sys, threading
name = input()
down = socket.create_connection(("127.0.0.1", 7001))
down.sendall((name + "\\n").encode())
up = socket.create_connection(("127.0.0.1", 7000))
up.sendall((name + "\\n").encode())
threading.Thread(target=lambda: [print(l, end="") for l in down.makefile("r")], daemon=True).start()
for line in sys.stdin:
    up.sendall(line.encode())
"""


@pytest.mark.timeout(120)
def test_a_client_with_two_connections_is_one_user(tmp_path, stopping):
    (tmp_path / "server.py").write_text(textwrap.dedent(TWO_PORT_SERVER))
    (tmp_path / "client.py").write_text(textwrap.dedent(TWO_PORT_CLIENT))
    program, server = serve(tmp_path, "server.py", stopping, args=(), listens=2)
    ports = {b.requested[1]: b.port for b in program.bindings}
    alice, bobby = join(stopping, ["Alice", "Bobby"], tmp_path, "client.py", server, ports=ports)
    assert requested_ports(alice.program.events()) == [7001, 7000]
    assert len(alice.connections()) == 2
    assert alice.sent().count(b"Alice\n") == 2
    mark = bobby.mark()
    alice.type("over two sockets QZTWO")
    assert bobby.wait_token("Alice: over two sockets QZTWO", WAIT, mark)
    assert alice.wait_token("QZTWO", WAIT, mark)  # this server sends to every reader
    leave = bobby.leave([], GRACE)
    assert leave.closed_by is not None and all(c.closed for c in leave.steps[-1].connections)


@pytest.mark.timeout(120)
def test_a_udp_client_is_a_user_too(stopping):
    folder = EXAMPLES / "udp_chat"
    _, server = serve(folder, "server_udp.py", stopping, args=())
    alice, bobby = join(stopping, ["Alice", "Bobby"], folder, "client_udp.py", server, kind="udp")
    assert alice.connected and alice.connections() == []
    mark = bobby.mark()
    alice.type("over datagrams QZUDP")
    assert bobby.wait_token("Alice: over datagrams QZUDP", WAIT, mark)
    leave = bobby.leave(["exit"], GRACE)
    assert [(s.action, s.server_got, s.exited) for s in leave.steps] == [("command", b"exit", True)]
    assert leave.closed_by is None  # UDP has no connection to close

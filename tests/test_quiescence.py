"""What the grader reads from the kernel to stop waiting early: one connection's queues (sock_diag,
with /proc/net/tcp as the fallback), whether all a user sent was read, and whether a thread can only be
woken by input (grader.kernel, grader.quiescence). Real sockets on loopback, threads of this very process."""
import os
import socket
import threading
import time

import pytest

from grader import quiescence, waiting
from grader.kernel import procfs, syscalls, tcp
from grader.peer import Peer


def test_sockdiag_agrees_with_proc_net_tcp():
    server = socket.create_server(("127.0.0.1", 0))
    port = server.getsockname()[1]
    client = socket.create_connection(("127.0.0.1", port))
    peer_port = client.getsockname()[1]
    try:
        client.sendall(b"abc")
        assert waiting.poll_until(lambda: (tcp.connection(port, peer_port) or (0,))[0] == 3, 2)
        assert tcp.connection(port, peer_port) == (3, 0, 0, 3, tcp.TCP_ESTABLISHED)
        assert tcp._by_table(port, peer_port) == (3, 0, 0, None, tcp.TCP_ESTABLISHED)
        conn, _ = server.accept()
        conn.recv(3)
        end = tcp.connection(port, peer_port)
        assert tcp._by_table(port, peer_port) == (*end[:3], None, end.state) and end.rqueue == 0 and end.inode != 0
        assert end[1:] == (0, end.inode, 3, tcp.TCP_ESTABLISHED)   # nothing on its way back; 3 bytes in
        assert tcp.connection(port, 1) is None
        conn.close()
    finally:
        client.close()
        server.close()


def test_a_peer_waits_until_the_server_has_read_and_acknowledged():
    server = socket.create_server(("127.0.0.1", 0))
    port = server.getsockname()[1]
    peer = Peer("Alice", port)
    peer.connect()
    conn, _ = server.accept()
    try:
        reading = threading.Event()

        def read_later():
            time.sleep(0.2)   # a slow server: the send must wait for it to read
            reading.set()
            conn.recv(100)

        reader = threading.Thread(target=read_later)
        reader.start()
        assert peer.send(b"hello\n", consumed_timeout=2.0)
        assert reading.is_set()
        reader.join()
        assert peer.read_by_server() and peer.sent == 6
        assert tcp.connection(port, peer.local_port).rqueue == 0
    finally:
        peer.close()
        conn.close()
        server.close()


def test_a_send_gives_up_once_the_server_takes_nothing_for_the_limit():
    server = socket.create_server(("127.0.0.1", 0))
    peer = Peer("Alice", server.getsockname()[1])
    peer.connect(read=False)
    conn, _ = server.accept()   # never reads
    try:
        peer.limit_send_time(0.3)
        started = time.monotonic()
        assert not peer.send(b"x" * (64 << 20))
        assert time.monotonic() - started < 5   # not once per partial send
    finally:
        peer.close()
        conn.close()
        server.close()


@pytest.mark.skipif(os.uname().machine != "x86_64", reason="system call numbers are x86-64's")
def test_a_thread_waiting_for_input_is_told_from_one_that_sleeps():
    a, b = socket.socketpair()
    tids = {}
    ready = threading.Barrier(3)

    def reader():
        tids["reader"] = threading.get_native_id()
        ready.wait()
        a.recv(1)

    def sleeper():
        tids["sleeper"] = threading.get_native_id()
        ready.wait()
        time.sleep(0.5)

    threads = [threading.Thread(target=reader), threading.Thread(target=sleeper)]
    for t in threads:
        t.start()
    ready.wait()
    try:
        pid = os.getpid()
        assert waiting.poll_until(lambda: syscalls.thread_wait(pid, str(tids["reader"])) == ("fd", a.fileno()), 2)
        assert waiting.poll_until(lambda: procfs.runnable(pid) is not None and
                                  syscalls.thread_wait(pid, str(tids["sleeper"])) is None, 2)   # it wakes by itself
    finally:
        b.send(b"x")
        for t in threads:
            t.join()
        a.close()
        b.close()


def test_a_wait_ends_early_only_when_stuck():
    calls = []

    def real_wait(t):
        calls.append(t)
        time.sleep(t)
        return False

    started = time.monotonic()
    assert waiting.wait(real_wait, bool, 5.0, lambda: True) is False
    assert time.monotonic() - started < 1 and calls[0] == waiting.FIRST_LOOK and calls[-1] == 0
    calls.clear()
    started = time.monotonic()
    assert waiting.wait(real_wait, bool, 0.1, lambda: False) is False
    # Never stuck: the whole timeout (the slices asked for add up to less when a sleep overshoots).
    assert time.monotonic() - started >= 0.1 and len(calls) > 2
    assert waiting.wait(lambda t: True, bool, 5.0, lambda: True) is True


# A student-style server: one thread per client, each message relayed to the others with a blocking
# sendall(), the way most hand-ins do it.
BLOCKING_RELAY = '''
import socket, threading
clients = []
def handle(conn):
    while True:
        data = conn.recv(65536)
        if not data:
            break
        for other in list(clients):
            if other is not conn:
                other.sendall(data)
server = socket.socket()
server.bind(("127.0.0.1", 5555))
server.listen()
while True:
    conn, _ = server.accept()
    clients.append(conn)
    threading.Thread(target=handle, args=(conn,), daemon=True).start()
'''

# A server whose threads wake up every 0.1 s by themselves: it may always still act.
TIMED_RELAY = '''
import socket, threading
clients = []
def handle(conn):
    while True:
        try:
            data = conn.recv(65536)
        except socket.timeout:
            continue
        if not data:
            break
        for other in list(clients):
            if other is not conn:
                try:
                    other.sendall(data)
                except socket.timeout:
                    pass
server = socket.socket()
server.bind(("127.0.0.1", 5555))
server.listen()
while True:
    conn, _ = server.accept()
    conn.settimeout(0.1)
    clients.append(conn)
    threading.Thread(target=handle, args=(conn,), daemon=True).start()
'''


def threads(pid: int) -> int:
    return procfs.thread_count(pid)


def harness_for(tmp_path, source):
    from grader import submission
    from grader.harness import Harness
    (tmp_path / "server.py").write_text(source, encoding="utf-8")
    h = Harness(submission.load(tmp_path / "server.py"), 20, stuck=quiescence.stuck)
    return h, h.start_server()


@pytest.mark.timeout(30)
@pytest.mark.skipif(os.uname().machine != "x86_64", reason="system call numbers are x86-64's")
def test_a_server_blocked_sending_to_a_user_who_never_reads_is_stuck(tmp_path):
    h, server = harness_for(tmp_path, BLOCKING_RELAY)
    try:
        sloth = h.connect(server, "Sloth", read=False, small_buffer=True)
        alice = h.connect(server, "Alice")
        assert waiting.poll_until(lambda: h.stuck(server), 5)   # idle: every thread in accept() or recv()
        alice.limit_send_time(15)
        assert not alice.send(b"x" * (32 << 20))   # gives up once the relay to Sloth is wedged...
        assert h.stuck(server)                     # ...which is what stuck means here
        assert tcp.connection(server.port, sloth.local_port) is not None
    finally:
        h.close()


@pytest.mark.timeout(30)
@pytest.mark.skipif(os.uname().machine != "x86_64", reason="system call numbers are x86-64's")
def test_a_server_that_wakes_up_by_itself_is_never_stuck(tmp_path):
    h, server = harness_for(tmp_path, TIMED_RELAY)
    pid = server.program.pid
    try:
        alone = threads(pid)
        users = []
        for name, options in (("Sloth", {"read": False, "small_buffer": True}), ("Alice", {}), ("Bob", {})):
            users.append(h.connect(server, name, **options))
            # The relay starts a user's thread once it has the user in its list: a message sent
            # before that would not reach them.
            assert waiting.poll_until(lambda: threads(pid) == alone + len(users), 10), name
        _, alice, bob = users
        assert alice.send(b"hello\n", consumed_timeout=2)
        assert bob.wait_token("hello", 3)
        # Its threads sleep with a timeout: a message may still come, so a wait runs to its end.
        assert not any(h.stuck(server, bob) for _ in range(20))
        started = time.monotonic()
        assert not bob.wait_token("never sent", 0.5)
        assert time.monotonic() - started >= 0.5
    finally:
        h.close()


class _Binding:
    kind = "tcp"

    def __init__(self, port):
        self.port = port


class _Program:
    def __init__(self, port):
        self.pid, self.bindings = os.getpid(), [_Binding(port)]

    def stdin_pending(self):
        return 0


class _Server:
    kind = "tcp"

    def __init__(self, port):
        self.program = _Program(port)


class _User:
    kind, sent, reads, connected, sent_fin = "tcp", 0, True, True, False

    def __init__(self, port, local_port):
        self.port, self.local_port = port, local_port

    def received_all(self):
        return True


@pytest.mark.timeout(30)
def test_a_user_end_a_blocked_thread_has_not_read_yet_is_input():
    """A thread still shown blocked in recv() on a connection whose FIN is in (a loaded machine has
    not run it yet) is about to act: the leave notice it sends must not be given up on."""
    with socket.create_server(("127.0.0.1", 0)) as srv, socket.create_connection(srv.getsockname()) as user:
        conn, _ = srv.accept()
        with conn:
            port = srv.getsockname()[1]
            server, users = _Server(port), [_User(port, user.getsockname()[1])]
            waits = [syscalls.Wait("fd", conn.fileno())]
            assert quiescence._nothing_to_act_on(server, users, waits)
            user.shutdown(socket.SHUT_WR)
            assert waiting.poll_until(lambda: tcp.connection(port, users[0].local_port).state == tcp.TCP_CLOSE_WAIT, 5)
            assert not quiescence._nothing_to_act_on(server, users, waits)


@pytest.mark.timeout(30)
def test_the_end_of_a_user_who_has_gone_is_input_until_the_server_has_closed_it():
    """A user who closed the connection is gone, but the server's end of it is not: a thread shown
    blocked reading it is about to see the end (and send a leave notice); once the server has
    closed it, it is nothing to act on. (The user who left used to be left out of the look.)"""
    with socket.create_server(("127.0.0.1", 0)) as srv:
        user = socket.create_connection(srv.getsockname())
        conn, _ = srv.accept()
        port = srv.getsockname()[1]
        gone = _User(port, user.getsockname()[1])
        gone.connected = False
        waits = [syscalls.Wait("fd", conn.fileno())]
        user.close()
        assert waiting.poll_until(lambda: tcp.connection(port, gone.local_port).state == tcp.TCP_CLOSE_WAIT, 5)
        assert not quiescence._nothing_to_act_on(_Server(port), [gone], waits)
        assert quiescence._nothing_to_act_on(_Server(port), [gone], [])   # nobody reads it: left as it is
        conn.close()
        assert waiting.poll_until(lambda: tcp.connection(port, gone.local_port) is None, 5)
        assert quiescence._nothing_to_act_on(_Server(port), [gone], waits)


@pytest.mark.timeout(30)
def test_a_fin_on_its_way_to_a_thread_shown_reading_is_input():
    """A relay's user who has ended its side (the client closed; the relay passes the FIN on, and
    still reads the server) is about to be seen leaving while the server's end does not have the FIN
    yet: on a loaded machine that moment is long enough for a leave notice wait to give up."""
    with socket.create_server(("127.0.0.1", 0)) as srv, socket.create_connection(srv.getsockname()) as user:
        conn, _ = srv.accept()
        with conn:
            port = srv.getsockname()[1]
            leaving = _User(port, user.getsockname()[1])
            waits = [syscalls.Wait("fd", conn.fileno())]
            assert quiescence._nothing_to_act_on(_Server(port), [leaving], waits)
            leaving.sent_fin = True   # the FIN not sent yet here: the server's end looks as it was
            assert tcp.connection(port, leaving.local_port).state == tcp.TCP_ESTABLISHED
            assert not quiescence._nothing_to_act_on(_Server(port), [leaving], waits)
            assert quiescence._nothing_to_act_on(_Server(port), [leaving], [])   # nobody reads it


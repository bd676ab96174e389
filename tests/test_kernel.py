"""grader.kernel, the bottom layer: what /proc, the syscall files and sock_diag say, against real
processes of our own and real connections on loopback. Every look-up is tried both ways where there
are two (sock_diag, and /proc/net/tcp with sock_diag switched off)."""
import os
import socket
import subprocess
import sys
import threading
import uuid

import pytest

from grader import waiting
from grader.kernel import procfs, syscalls, tcp, udp
from grader.kernel.syscalls import Wait


@pytest.fixture(params=["sock_diag", "proc_net_tcp"])
def lookup(request, monkeypatch):
    """connection() as callers see it; with proc_net_tcp, as it is where netlink is forbidden."""
    if request.param == "proc_net_tcp":
        monkeypatch.setattr(tcp, "_netlink", lambda: None)
    return request.param


@pytest.fixture
def pair():
    """A listening socket, and a client connected to it (not accepted yet)."""
    server = socket.create_server(("127.0.0.1", 0))
    client = socket.create_connection(server.getsockname())
    yield server, client
    client.close()
    server.close()


@pytest.mark.timeout(10)
def test_connection_follows_one_connection_through_accept_read_and_close(lookup, pair):
    server, client = pair
    port, peer_port = server.getsockname()[1], client.getsockname()[1]
    client.sendall(b"abc")
    assert waiting.poll_until(lambda: (tcp.connection(port, peer_port) or (0,))[0] == 3, 2)
    waiting_in_queue = tcp.connection(port, peer_port)
    assert waiting_in_queue[:3] == (3, 0, 0)   # three bytes unread, nothing sent, not accepted yet
    assert waiting_in_queue.queued
    conn, _ = server.accept()
    try:
        assert conn.recv(3) == b"abc"
        end = tcp.connection(port, peer_port)
        assert end.rqueue == 0 and end.wqueue == 0 and end.inode == os.fstat(conn.fileno()).st_ino
        assert not end.queued
        assert end.received == (3 if lookup == "sock_diag" else None)   # /proc/net/tcp does not say
        assert tcp.connection(port, peer_port + 1 if peer_port < 65535 else 1) is None
        assert tcp.connection(peer_port, port).inode == os.fstat(client.fileno()).st_ino   # the other end
    finally:
        conn.close()
    # Closed by the server: what the kernel keeps of it is no connection any more.
    assert waiting.poll_until(lambda: tcp.connection(port, peer_port) is None, 2)


@pytest.mark.timeout(10)
def test_reset_sends_an_rst_and_wakes_a_reader(pair):
    server, client = pair
    conn, _ = server.accept()
    got = []
    reader = threading.Thread(target=lambda: got.append(client.recv(10)))
    reader.start()
    assert waiting.poll_until(lambda: syscalls.thread_wait(os.getpid(), reader.native_id) is not None
                              or not syscalls.SUPPORTED, 2)
    tcp.reset(client)
    reader.join(2)
    assert not reader.is_alive() and got == [b""]   # woken without anything arriving
    client.close()
    conn.settimeout(2)
    with pytest.raises(ConnectionResetError):   # a FIN would read as b"" instead
        conn.recv(10)
    conn.close()


@pytest.mark.timeout(10)
def test_facts_of_our_own_socket(pair):
    server, client = pair
    conn, _ = server.accept()
    try:
        client.sendall(b"12345")
        assert waiting.poll_until(lambda: tcp.unacknowledged(client) == 0, 2)
        assert tcp.bytes_received(client) == 0
        conn.sendall(b"x" * 7)
        assert waiting.poll_until(lambda: tcp.bytes_received(client) == 7, 2)
    finally:
        conn.close()
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        assert tcp.bytes_received(udp) is None   # no TCP_INFO on a datagram socket
    finally:
        udp.close()


@pytest.mark.timeout(10)
def test_datagrams_wait_unread_at_a_udp_port_until_read():
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as server, \
            socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as client:
        server.bind(("127.0.0.1", 0))
        port = server.getsockname()[1]
        assert udp.unread(port) == 0
        client.sendto(b"hello", ("127.0.0.1", port))
        client.sendto(b"again", ("127.0.0.1", port))
        assert waiting.poll_until(lambda: udp.unread(port) > 0, 2)
        server.recv(100)
        assert udp.unread(port) > 0   # one is still there
        server.recv(100)
        assert udp.unread(port) == 0
    assert udp.unread(port) is None   # closed: no socket on that port


CHILD = """
import sys, threading
for _ in range(4):
    threading.Thread(target=threading.Event().wait, daemon=True).start()
print("ready", flush=True)
sys.stdin.read()
"""


@pytest.fixture
def child():
    """A process of its own session with four threads besides the main one, blocked on its stdin."""
    mark = uuid.uuid4().hex
    proc = subprocess.Popen([sys.executable, "-c", CHILD], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            start_new_session=True, env=dict(os.environ, KERNEL_TEST_MARK=mark))
    assert proc.stdout.readline() == b"ready\n"
    yield proc, mark
    proc.kill()
    proc.wait()


@pytest.mark.timeout(10)
def test_a_process_its_session_its_mark_and_its_threads(child):
    proc, mark = child
    pid = proc.pid
    found = procfs.stat(pid)
    assert found.pid == pid and found.session == pid and found.state in "RS"
    assert procfs.session_processes(pid) == [pid]
    assert procfs.processes_with_env("KERNEL_TEST_MARK", mark) == [pid]
    assert procfs.processes_with_env("KERNEL_TEST_MARK", mark[:-1]) == []
    assert procfs.thread_count(pid) == 5
    assert len(list(procfs.thread_files(pid, "stat"))) == 5
    assert waiting.poll_until(lambda: not procfs.runnable(pid), 5)   # everything blocked
    assert procfs.cpu_ns(pid) > 0 and procfs.session_ticks(pid) >= 0
    sched = procfs.schedstats(pid)
    assert sorted(sched) == sorted(procfs.threads(pid)) and sched[str(pid)].cpu_ns > 0
    assert procfs.cpu_ns(pid) >= sum(s.cpu_ns for s in sched.values())   # read later: never less
    assert procfs.run_delay_ns(pid) >= sum(s.run_delay_ns for s in sched.values())
    main = procfs.stat(pid, pid)
    assert main is not None and main.pid == pid
    proc.stdin.close()
    assert proc.wait(5) == 0
    assert procfs.thread_count(pid) == 0 and procfs.stat(pid) is None and procfs.schedstats(pid) == {}
    assert procfs.session_processes(pid) == [] and procfs.thread_file(pid, pid, "stat") is None


@pytest.mark.timeout(10)
@pytest.mark.skipif(not syscalls.SUPPORTED, reason="system call numbers are x86-64's")
def test_a_process_woken_after_one_look_is_not_still_blocked(child):
    # One look reads the threads one after the other: only the CPU time of a second look tells
    # that none of them ran in between (here the main thread, woken by a byte on its stdin).
    proc, _ = child
    assert waiting.poll_until(lambda: syscalls.blocked(proc.pid) is not None, 5)
    assert syscalls.still_blocked(proc.pid, syscalls.blocked(proc.pid))
    first = syscalls.blocked(proc.pid)
    assert first is not None
    proc.stdin.write(b"x")
    proc.stdin.flush()
    assert not syscalls.still_blocked(proc.pid, first)


def test_one_parser_reads_odd_command_names():
    line = b"42 (a) (b) c) S 1 42 42 0 -1 4194560 0 0 0 0 7 3 2 1 20 0 1 0 1 0 0\n"
    assert procfs.parse_stat(42, line) == procfs.Stat(42, "S", 42, 13)
    assert procfs.parse_stat(42, b"42 (x) S 1") is None


@pytest.mark.parametrize("line, wait", [
    ("45 0x5 0x7f 0x10000 0x0 0x0 0x0 0x7ff 0x7ff", Wait("fd", 5)),           # recvfrom on fd 5
    ("288 0x3 0x0 0x0 0x80000 0x0 0x0 0x7ff 0x7ff", Wait("accept", 3)),       # accept4 on fd 3
    ("44 0x6 0x7f 0x100 0x40 0x0 0x0 0x7ff 0x7ff", Wait("send", 6)),          # sendto on fd 6
    ("42 0x7 0x7ffd 0x10 0x0 0x0 0x0 0x7ff 0x7ff", Wait("connect", 7)),       # connect on fd 7
    ("202 0x7f 0x189 0x0 0x0 0x0 0xffffffff 0x7ff 0x7ff", Wait("other", 0)),  # FUTEX_WAIT_BITSET, no timeout
    ("202 0x7f 0x189 0x0 0x7ffd 0x0 0xffffffff 0x7ff 0x7ff", None),           # ... with a timeout
    ("7 0x7ffd 0x2 0xffffffff 0x0 0x0 0x0 0x7ff 0x7ff", Wait("watch", 0)),    # poll(-1)
    ("7 0x7ffd 0x2 0x64 0x0 0x0 0x0 0x7ff 0x7ff", None),                      # poll(100)
    ("23 0x5 0x7ffd 0x0 0x0 0x0 0x0 0x7ff 0x7ff", Wait("watch", 0)),          # select without timeout
    ("35 0x7ffd 0x0 0x0 0x0 0x0 0x0 0x7ff 0x7ff", None),                      # nanosleep: wakes by itself
    ("running", None),
    ("-1 0x7ff 0x7ff", None),
])
def test_the_syscall_decoder(line, wait):
    assert syscalls.decode(line) == wait


@pytest.mark.timeout(10)
@pytest.mark.skipif(not syscalls.SUPPORTED, reason="system call numbers are x86-64's")
def test_a_thread_blocked_in_recv_is_read_as_waiting_on_its_fd():
    a, b = socket.socketpair()
    reader = threading.Thread(target=a.recv, args=(1,))
    reader.start()
    try:
        assert waiting.poll_until(lambda: syscalls.thread_wait(os.getpid(), reader.native_id) == ("fd", a.fileno()), 2)
        assert syscalls.thread_wait(os.getpid(), 1 << 30) is None   # no such thread
    finally:
        b.send(b"x")
        reader.join()
        a.close()
        b.close()


@pytest.mark.timeout(10)
@pytest.mark.skipif(not syscalls.SUPPORTED, reason="the system call numbers are x86-64's")
def test_receiving_sockets_are_those_a_thread_is_blocked_reading():
    pairs = [socket.socketpair() for _ in range(3)]
    pipe_r, pipe_w = os.pipe()
    # Two threads on the first socket count it once; a thread reading a pipe is no socket's.
    targets = [pairs[0][0].recv, pairs[0][0].recv, pairs[1][0].recv, lambda n: os.read(pipe_r, n)]
    readers = [threading.Thread(target=t, args=(1,)) for t in targets]
    for r in readers:
        r.start()
    try:
        want = {os.fstat(p[0].fileno()).st_ino for p in pairs[:2]}
        assert waiting.poll_until(lambda: syscalls.receiving_sockets(os.getpid()) == want, 5), \
            (syscalls.receiving_sockets(os.getpid()), want)
    finally:
        for a, b in pairs:
            b.sendall(b"xx")
        os.write(pipe_w, b"x")
        for r in readers:
            r.join(2)
        for a, b in pairs:
            a.close()
            b.close()
        os.close(pipe_r)
        os.close(pipe_w)
    assert syscalls.receiving_sockets(os.getpid()) == set()

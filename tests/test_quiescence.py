"""What the grader reads from the kernel to stop waiting early: one connection's queues (sock_diag,
with /proc/net/tcp as the fallback), whether all a user sent was read, and whether a thread can only be
woken by input (grader.quiescence). Real sockets on loopback, threads of this very process."""
import os
import socket
import threading
import time

import pytest

from grader import proc, quiescence, sockdiag
from grader.peer import Peer


def test_sockdiag_agrees_with_proc_net_tcp():
    server = socket.create_server(("127.0.0.1", 0))
    port = server.getsockname()[1]
    client = socket.create_connection(("127.0.0.1", port))
    peer_port = client.getsockname()[1]
    try:
        client.sendall(b"abc")
        assert proc.wait_until(lambda: (proc.server_end(port, peer_port) or (0,))[0] == 3, 2)
        assert proc.server_end(port, peer_port) == proc._server_end_in_table(port, peer_port) == (3, 0)
        conn, _ = server.accept()
        conn.recv(3)
        end = proc.server_end(port, peer_port)
        assert end == proc._server_end_in_table(port, peer_port) and end[0] == 0 and end[1] != 0
        assert sockdiag.server_queues(port, peer_port)[1:] == (0, end[1], 3)   # nothing on its way back; 3 bytes in
        assert proc.server_end(port, 1) is None
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
        assert proc.server_end(port, peer.local_port)[0] == 0
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
        assert proc.wait_until(lambda: quiescence.thread_wait(pid, str(tids["reader"])) == ("fd", a.fileno()), 2)
        assert proc.wait_until(lambda: proc.runnable(pid) is not None and
                               quiescence.thread_wait(pid, str(tids["sleeper"])) is None, 2)   # it wakes by itself
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
    assert quiescence.wait(real_wait, bool, 5.0, lambda: True) is False
    assert time.monotonic() - started < 1 and calls[0] == quiescence.FIRST_LOOK and calls[-1] == 0
    calls.clear()
    assert quiescence.wait(real_wait, bool, 0.1, lambda: False) is False
    assert sum(calls) >= 0.09   # never stuck: the whole timeout
    assert quiescence.wait(lambda t: True, bool, 5.0, lambda: True) is True

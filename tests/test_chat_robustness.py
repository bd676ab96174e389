"""chat.py against bad input and bad clients: the server stays up, the others keep chatting."""

import re
import socket
import threading
import time

import pytest

from chat_helpers import ChatServer, Peer, room

pytestmark = pytest.mark.timeout(20)
with open("/proc/sys/net/ipv4/tcp_wmem") as tcp_wmem:
    KERNEL_SEND_BUFFER_MAX = int(tcp_wmem.read().split()[2])  # bytes


def is_control(ch):
    return ord(ch) < 0x20 or 0x7F <= ord(ch) < 0xA0


def test_cyrillic_and_emoji_arrive_intact(peers):
    alice, bob = room(peers, "Алиса", "Bob")
    alice.send("Привет, мир! 🙂 ёЁ\n")
    assert bob.line() == "Алиса: Привет, мир! 🙂 ёЁ"


def test_invalid_utf8_is_replaced_not_fatal(peers):
    alice, bob = room(peers, "Alice", "Bob")
    alice.send(b"caf\xe9 \xff\xfe ok \xd0\n")
    assert bob.line() == "Alice: caf\ufffd \ufffd\ufffd ok \ufffd"
    alice.send("still here\n")
    assert bob.line() == "Alice: still here"


def test_control_characters_and_terminal_escapes_are_stripped(peers):
    alice, bob = room(peers, "Alice", "Bob")
    nasty = "\x1b[2J\x1b]0;owned\x07red \x1b[31mtext\x1b[0m\x00\u009b31m\x7f end\r"
    alice.send(nasty + "\n")
    line = bob.line()
    assert line == "Alice: [2J]0;ownedred [31mtext[0m31m end"
    alice.send("@Bob \x1b[5mblink\x1b[0m\x08\x08\n")
    line = bob.line()
    assert line == "Alice (private): [5mblink[0m"
    assert not any(is_control(ch) for ch in line)


def test_a_too_long_line_is_refused_and_the_next_lines_still_work(peers):
    alice, bob = room(peers, "Alice", "Bob")
    longest = "y" * 4096  # the limit is 4096 bytes, newline not counted
    alice.send(longest + "\n" + "x" * 4097 + "\nafter\n")
    assert bob.line() == "Alice: " + longest
    assert bob.line() == "Alice: after"
    assert alice.line() == "* error: line too long (over 4096 bytes), ignored"
    assert alice.barrier() == []


def test_a_huge_line_without_newline_is_not_buffered(server, peers):
    """1 MiB (and then 31 MiB more) without a newline: one error, then the line is skipped
    up to its end, and the server's peak memory (VmHWM) does not grow with it."""
    alice, bob = room(peers, "Alice", "Bob")
    alice.send("warm-up\n")
    assert bob.line() == "Alice: warm-up"
    peak_before = server.status("VmHWM")
    chunk = b"z" * 65536
    for _ in range(16):  # 1 MiB
        alice.send(chunk)
    assert alice.line() == "* error: line too long (over 4096 bytes), ignored"
    for _ in range(31 * 16):  # 31 MiB more of the same line
        alice.send(chunk)
    alice.send(b"zzz\nafter the flood\n")
    assert bob.line() == "Alice: after the flood"
    grown = server.status("VmHWM") - peak_before
    assert grown < 4096, f"the server's peak memory grew by {grown} kB"
    assert alice.barrier() == []  # one error for the whole line, not one per chunk


def test_reset_mid_line_is_a_leave_and_the_others_go_on(server, peers):
    alice, bob, carol = room(peers, "Alice", "Bob", "Carol")
    bob.send("half a li")
    bob.reset()
    assert alice.line() == "* Bob left the chat"
    assert carol.line() == "* Bob left the chat"
    carol.send("still chatting\n")
    assert alice.line() == "Carol: still chatting"
    dave = peers("Dave")
    assert dave.welcome == "* welcome, Dave! online: Alice, Carol, Dave"
    server.log.wait_for("Bob: Connection reset by peer")


def test_a_half_closed_connection_delivers_its_last_lines_and_leaves(peers):
    alice, bob = room(peers, "Alice", "Bob")
    bob.send("last words\nno newline at the end")
    bob.sock.shutdown(socket.SHUT_WR)
    assert alice.line() == "Bob: last words"
    assert alice.line() == "Bob: no newline at the end"
    assert alice.line() == "* Bob left the chat"
    assert bob.eof()


def test_silent_connections_do_not_stop_others_joining_and_chatting(peers):
    silent = [peers() for _ in range(5)]
    half_a_name = peers()
    half_a_name.send("Ev")
    alice, bob = room(peers, "Alice", "Bob")
    alice.send("hi\n")
    assert bob.line() == "Alice: hi"
    for waiting in silent + [half_a_name]:  # still connected, still waiting for a name
        waiting.sock.setblocking(False)
        with pytest.raises(BlockingIOError):
            waiting.sock.recv(1)


@pytest.mark.timeout(15)
def test_no_valid_name_within_the_handshake_timeout_is_dropped():
    chat = ChatServer(HANDSHAKE_TIMEOUT=1.0)
    clients = []
    try:
        alice = Peer(chat.port, "Alice")
        silent, partial, stubborn = Peer(chat.port), Peer(chat.port), Peer(chat.port)
        clients = [alice, silent, partial, stubborn]
        partial.send("Ali")
        started = time.monotonic()
        stubborn.send("@bad\n")
        assert stubborn.line() == "* error: a name cannot start with @ or /; send another name"
        stubborn.send("Alice\n")  # valid names keep coming, all refused: the timeout still holds
        assert stubborn.line() == "* error: the name Alice is taken; send another name"
        streamer = Peer(chat.port)  # one endless line, never a newline
        clients.append(streamer)
        stream_ended = []

        def stream():
            try:
                while time.monotonic() - started < 8:
                    streamer.send(b"y" * 65536)
            except OSError:  # the server closed the connection
                stream_ended.append(time.monotonic() - started)

        streaming = threading.Thread(target=stream, daemon=True)
        streaming.start()
        flooder = Peer(chat.port)  # sends bad names and long lines without a pause
        clients.append(flooder)
        flood = "@bad\n" + "x" * 5000 + "\n"  # two errors back, both read before the next
        flooder.send(flood)                   # (unread, they would fill its buffers and
        try:                                  # it would be dropped for not reading)
            while all(flooder.line() != "* error: no valid name in time, bye" for _ in "12"):
                assert time.monotonic() - started < 5, "the flooder was never dropped"
                flooder.send(flood)
        except (ConnectionResetError, BrokenPipeError):
            pass  # closed while our data was in flight: the kernel answers with a reset
        for dropped in (silent, partial, stubborn):
            assert dropped.line() == "* error: no valid name in time, bye"
        for dropped in (silent, partial, stubborn, flooder):
            assert dropped.eof()
        assert 0.9 < time.monotonic() - started < 5
        streaming.join(8)
        assert stream_ended and stream_ended[0] < 5, "the endless line was never cut off"
        chat.log.wait_until(  # one log line for each of the five
            lambda lines: sum("sent no valid name in 1 s" in line for line in lines) == 5)
        # A user who has joined has no timeout: Alice, silent all along, is still here.
        bob = Peer(chat.port, "Bob")
        clients.append(bob)
        assert bob.welcome == "* welcome, Bob! online: Alice, Bob"
        assert alice.line() == "* Bob joined the chat"
    finally:
        for client in clients:
            client.close()
        chat.stop()


@pytest.mark.timeout(20)
def test_a_nameless_flood_that_reads_nothing_is_cut_off_by_the_handshake_deadline():
    """Thousands of bad names and not one error line read: the errors fill the flooder's
    buffers, and the server closes it by its handshake deadline rather than wait for it
    once per error line."""
    chat = ChatServer(HANDSHAKE_TIMEOUT=1.0)
    mute = Peer(chat.port, rcvbuf=4096)
    try:
        started = time.monotonic()
        ended = []

        def flood():
            try:
                while time.monotonic() - started < 10:
                    mute.send("@bad\n" * 1000)  # a thousand error lines back, never read
            except OSError:  # the server closed the connection
                ended.append(time.monotonic() - started)

        flooding = threading.Thread(target=flood, daemon=True)
        flooding.start()
        flooding.join(12)
        assert ended and ended[0] < 3, f"the flood went on for {ended or 'ever'} s"
        print(f"flood cut off after {ended[0]:.2f} s")
        alice = Peer(chat.port, "Alice")
        assert alice.welcome == "* welcome, Alice! online: Alice"
        alice.close()
    finally:
        try:
            mute.sock.shutdown(socket.SHUT_RDWR)  # wakes the flood up if it still waits
        except OSError:
            pass
        mute.close()
        chat.stop()


def test_idle_server_uses_no_cpu_and_does_not_spin_after_disconnects(server, peers):
    watcher = peers("Watcher")
    clients = [peers(f"user{i}") for i in range(20)]
    notices = sorted(watcher.line() for _ in range(20))
    assert notices == sorted(f"* user{i} joined the chat" for i in range(20))

    def cpu_over(seconds):
        # A measurement window: the CPU time the server uses while nothing happens.
        before = server.cpu_seconds()
        time.sleep(seconds)
        return server.cpu_seconds() - before

    assert cpu_over(2.0) <= 0.02  # at most 1% of a core
    for i, client in enumerate(clients):  # half say bye and close, half reset
        if i % 2:
            client.reset()
        else:
            client.send("bye\n")
            client.close()
    notices = [watcher.line() for _ in range(30)]
    assert sorted(n for n in notices if n.endswith("left the chat")) == sorted(
        f"* user{i} left the chat" for i in range(20))
    # A handler that kept calling recv() on a closed socket would burn a whole core here.
    assert cpu_over(1.5) <= 0.03
    watcher.send("/users\n")
    assert watcher.line() == "* online: Watcher"


@pytest.mark.timeout(40)
def test_a_client_that_stops_reading_is_dropped_and_does_not_stall_the_others(server, peers):
    alice, bob = room(peers, "Alice", "Bob")
    zed = peers("Zed", rcvbuf=4096)  # a small window: Zed's buffers fill up quickly
    assert alice.line() == bob.line() == "* Zed joined the chat"
    # Zed never reads again. Alice sends far more than the buffers in front of Zed can hold.
    text = "x" * 4000
    count = 4000  # 16 MB

    def flood():
        for i in range(0, count, 50):
            alice.send("".join(f"{n} {text}\n" for n in range(i, i + 50)))

    sender = threading.Thread(target=flood, daemon=True)
    sender.start()
    arrivals, expected = [], 0
    left_at = None
    while expected < count:
        line = bob.line(timeout=10)
        arrivals.append(time.monotonic())
        if line == "* Zed left the chat":
            left_at = expected
            continue
        assert line == f"Alice: {expected} {text}", line[:60]
        expected += 1
    sender.join(10)
    assert left_at is not None, "Zed was never dropped"
    gaps = [b - a for a, b in zip(arrivals, arrivals[1:])]
    # One wait of FLOOD_WAIT (0.2 s) at most, when Zed falls MAX_BACKLOG behind; a server
    # whose sends wait for Zed until a send timeout (1 s) fails here.
    assert max(gaps) < 0.8, f"Bob waited {max(gaps):.2f} s for a line"
    server.log.wait_for(
        lambda line: re.search(r" Zed dropped: not reading \(\d+ bytes waiting\)$", line))
    print(f"Zed dropped after {left_at} lines; Bob's longest wait {max(gaps):.3f} s")


@pytest.mark.timeout(60)
def test_while_a_non_readers_buffers_are_full_the_others_chat_without_waiting():
    """Zed never reads. Alice sends bursts of 50 lines, each one only after Bob got the last,
    until the server holds bytes for Zed that his buffers could not take; 20 more bursts then
    reach Bob without waiting for Zed. When Zed reads again he gets every line in order,
    without anyone sending another line."""
    # Zed may lag a minute and 64 MiB here, so a server whose sends wait for him (until a
    # send timeout) stalls for a minute instead of a second: no fine timing is needed.
    chat = ChatServer(SEND_TIMEOUT=60.0, MAX_BACKLOG=64 << 20)
    clients = []
    try:
        alice = Peer(chat.port, "Alice")
        clients.append(alice)
        zed = Peer(chat.port, "Zed", rcvbuf=4096)  # joins before Bob: the server sends to
        clients.append(zed)                        # Zed first, so Bob's lines come after
        assert alice.line() == "* Zed joined the chat"
        bob = Peer(chat.port, "Bob")
        clients.append(bob)
        assert alice.line() == "* Bob joined the chat"
        text = "z" * 1000
        sent = ["* Bob joined the chat"]  # every line Zed should get, in order

        def burst(k):
            lines = [f"Alice: {k}.{n} {text}" for n in range(50)]
            alice.send("".join(line[len("Alice: "):] + "\n" for line in lines))
            for line in lines:
                assert bob.line() == line
            sent.extend(lines)

        def held_by_the_server():  # what neither Zed's buffers nor the server's kernel hold
            in_kernel = chat.send_queue(zed) + zed.unread()
            return sum(len(line) + 1 for line in sent) - in_kernel

        # The kernel may still grow its send buffer for Zed, up to tcp_wmem's maximum (4 MiB
        # here): the server holds more than that, so that his buffers are still full at the end.
        bursts = 0
        while held_by_the_server() <= KERNEL_SEND_BUFFER_MAX:
            assert bursts < 400, "Zed's buffers never filled up"
            burst(bursts)
            bursts += 1
        started = time.monotonic()
        for k in range(bursts, bursts + 20):
            burst(k)
        elapsed = time.monotonic() - started
        assert held_by_the_server() > 0
        assert elapsed < 20 * 0.5, f"20 bursts took Bob {elapsed:.2f} s"
        print(f"Zed's buffers full after {bursts} bursts; 20 more reached Bob in {elapsed:.3f} s")
        assert not [line for line in chat.log.lines if "dropped" in line]
        for line in sent:  # the backlog reaches Zed, the end of it too, and in order
            assert zed.line(timeout=10) == line
        assert alice.barrier() == []
    finally:
        for client in clients:
            client.close()
        chat.stop()

"""grader.relay: a recording relay in front of small servers run in threads of the test."""
import socket
import struct
import threading
import time

import pytest

from grader.relay import Event, Relay


class ChatServer:
    """A tiny line-less TCP chat: greets with NAME, then sends every chunk to all other clients
    prefixed with the sender's name; on a client's EOF it says "bye" to that client and closes;
    on the word "kick" it closes the connection itself."""

    def __init__(self):
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.address = self.sock.getsockname()
        self.clients = {}
        self.ended = []  # ("eof"|"reset", name)
        self.lock = threading.Lock()
        self.changed = threading.Condition(self.lock)
        self.threads = []
        self._spawn(self._accept)

    def _spawn(self, target, *args):
        thread = threading.Thread(target=target, args=args, daemon=True)
        self.threads.append(thread)
        thread.start()

    def _accept(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self._spawn(self._serve, conn)

    def _serve(self, conn):
        name = None
        with conn:
            try:
                conn.sendall(b"NAME")
                name = conn.recv(1024).decode()
                with self.lock:
                    self.clients[name] = conn
                    self.changed.notify_all()
                while True:
                    data = conn.recv(1024)
                    if not data:
                        conn.sendall(b"bye")
                        self._end("eof", name)
                        return
                    if data == b"kick":
                        self._end("kicked", name)
                        return
                    with self.lock:
                        others = [c for n, c in self.clients.items() if n != name]
                    for other in others:
                        other.sendall(name.encode() + b": " + data)
            except OSError:
                self._end("reset", name)

    def _end(self, how, name):
        with self.lock:
            self.clients.pop(name, None)
            self.ended.append((how, name))
            self.changed.notify_all()

    def wait_joined(self, name, timeout=5):
        with self.lock:
            return self.changed.wait_for(lambda: name in self.clients, timeout)

    def wait_ended(self, count, timeout=5):
        with self.lock:
            return self.changed.wait_for(lambda: len(self.ended) >= count, timeout)

    def close(self):
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.sock.close()
        with self.lock:
            conns = list(self.clients.values())
        for conn in conns:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        for thread in self.threads:
            thread.join(2)


@pytest.fixture
def server():
    chat = ChatServer()
    yield chat
    chat.close()


@pytest.fixture
def closing():
    things = []

    def track(thing):
        things.append(thing)
        return thing

    yield track
    for thing in reversed(things):
        thing.close()


def recv_exactly(sock, size):
    data = b""
    while len(data) < size:
        chunk = sock.recv(size - len(data))
        if not chunk:
            break
        data += chunk
    return data


def client(closing, relay, server, name):
    """Join and wait until the server has read the name: like a student server, it would take a
    name and a message sent at once as one name."""
    sock = closing(socket.create_connection(relay.address, timeout=5))
    assert recv_exactly(sock, 4) == b"NAME"
    sock.sendall(name)
    assert server.wait_joined(name.decode())
    return sock


def stream(events, conn, kind):
    return b"".join(e.data for e in events if e.conn == conn and e.kind == kind)


def kinds(events, conn):
    return [e.kind for e in events if e.conn == conn]


@pytest.mark.timeout(15)
def test_tcp_bytes_are_recorded_in_order_with_connection_ids(server, closing):
    relay = closing(Relay(server.address))
    assert relay.address[0] == "127.0.0.1" and relay.address[1] != server.address[1]
    alice = client(closing, relay, server, b"Alice")
    assert relay.wait_for(lambda ev: stream(ev, 0, "c2s") == b"Alice", 5)
    bob = client(closing, relay, server, b"Bob")
    assert relay.wait_for(lambda ev: stream(ev, 1, "c2s") == b"Bob", 5)
    alice.sendall("привет".encode())
    assert recv_exactly(bob, len("Alice: привет".encode())).decode() == "Alice: привет"
    assert relay.wait_for(lambda ev: stream(ev, 1, "s2c") == "NAMEAlice: привет".encode(), 5)
    events = relay.events()
    assert kinds(events, 0)[:3] == ["open", "s2c", "c2s"]
    assert stream(events, 0, "c2s") == "Aliceпривет".encode()
    assert stream(events, 0, "s2c") == b"NAME"
    assert all(isinstance(e, Event) for e in events)
    times = [e.time for e in events]
    assert times == sorted(times) and times[-1] <= time.monotonic()


@pytest.mark.timeout(15)
def test_client_close_is_recorded_and_half_closes_the_server_side(server, closing):
    relay = closing(Relay(server.address))
    alice = client(closing, relay, server, b"Alice")
    alice.shutdown(socket.SHUT_WR)
    # The server sees EOF through the relay, answers "bye", which still reaches the client.
    assert recv_exactly(alice, 3) == b"bye"
    assert alice.recv(10) == b""
    assert server.wait_ended(1) and server.ended == [("eof", "Alice")]
    assert relay.wait_for(lambda ev: kinds(ev, 0).count("close") == 2, 5)
    events = [e for e in relay.events() if e.conn == 0]
    assert [(e.kind, e.data) for e in events][-3:] == [
        ("close", b"client"), ("s2c", b"bye"), ("close", b"server")]


@pytest.mark.timeout(15)
def test_server_close_is_recorded(server, closing):
    relay = closing(Relay(server.address))
    alice = client(closing, relay, server, b"Alice")
    alice.sendall(b"kick")
    assert alice.recv(10) == b""
    assert relay.wait_for(lambda ev: any(e.kind == "close" and e.data == b"server" for e in ev), 5)
    alice.close()
    assert relay.wait_for(lambda ev: any(e.kind == "close" and e.data == b"client" for e in ev), 5)


@pytest.mark.timeout(15)
def test_client_reset_resets_the_server_side(server, closing):
    relay = closing(Relay(server.address))
    alice = client(closing, relay, server, b"Alice")
    assert relay.wait_for(lambda ev: stream(ev, 0, "c2s") == b"Alice", 5)
    alice.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    alice.close()
    assert server.wait_ended(1)
    assert server.ended == [("reset", "Alice")]
    assert relay.wait_for(lambda ev: ("close", b"client") in [(e.kind, e.data) for e in ev], 5)
    # The relay's own abort of the server side is not a close by the server.
    relay.wait_quiet(0.1, 2)
    assert [(e.kind, e.data) for e in relay.events()].count(("close", b"server")) == 0


@pytest.mark.timeout(15)
def test_unreachable_target_closes_the_client(closing):
    spare = socket.socket()
    spare.bind(("127.0.0.1", 0))
    target = spare.getsockname()
    spare.close()  # nothing listens there now
    relay = closing(Relay(target))
    sock = closing(socket.create_connection(relay.address, timeout=5))
    assert sock.recv(10) == b""
    expected = [("open", b""), ("close", b"server")]
    assert relay.wait_for(lambda ev: [(e.kind, e.data) for e in ev] == expected, 5)


@pytest.mark.timeout(15)
def test_wait_quiet(closing):
    streamer = closing(socket.create_server(("127.0.0.1", 0)))
    stop = threading.Event()

    def flood():
        conn, _ = streamer.accept()
        with conn:
            while not stop.is_set():
                conn.sendall(b"x" * 512)

    thread = threading.Thread(target=flood, daemon=True)
    thread.start()
    relay = closing(Relay(streamer.getsockname()))
    sock = closing(socket.create_connection(relay.address, timeout=5))
    reader_done = threading.Event()

    def drain():
        while not reader_done.is_set():
            try:
                if not sock.recv(65536):
                    return
            except OSError:
                return

    threading.Thread(target=drain, daemon=True).start()
    began = time.monotonic()
    assert not relay.wait_quiet(0.2, 0.5)  # bytes keep flowing
    assert time.monotonic() - began >= 0.5
    stop.set()
    thread.join(5)
    assert relay.wait_quiet(0.2, 5)
    assert time.monotonic() - relay.events()[-1].time >= 0.2
    reader_done.set()


@pytest.mark.timeout(15)
def test_udp_relay_keeps_clients_distinct(closing):
    upstream = closing(socket.socket(socket.AF_INET, socket.SOCK_DGRAM))
    upstream.bind(("127.0.0.1", 0))
    seen = []

    def echo():
        while True:
            data, address = upstream.recvfrom(1024)
            if data == b"stop":
                return
            seen.append(address)
            upstream.sendto(b"to " + data, address)

    thread = threading.Thread(target=echo, daemon=True)
    thread.start()
    relay = closing(Relay(upstream.getsockname(), kind="udp"))
    one = closing(socket.socket(socket.AF_INET, socket.SOCK_DGRAM))
    two = closing(socket.socket(socket.AF_INET, socket.SOCK_DGRAM))
    for sock in (one, two):
        sock.settimeout(5)
    one.sendto(b"one", relay.address)
    assert one.recvfrom(100) == (b"to one", relay.address)
    two.sendto("два".encode(), relay.address)
    assert two.recvfrom(100)[0] == "to два".encode()
    one.sendto(b"one again", relay.address)
    assert one.recvfrom(100)[0] == b"to one again"
    assert len(set(seen)) == 2 and seen[0] == seen[2]
    assert relay.wait_for(lambda ev: len(ev) == 8, 5)
    # Every datagram was answered before the next was sent, so the order is exact.
    assert [(e.conn, e.kind, e.data) for e in relay.events()] == [
        (0, "open", b""), (0, "c2s", b"one"), (0, "s2c", b"to one"),
        (1, "open", b""), (1, "c2s", "два".encode()), (1, "s2c", "to два".encode()),
        (0, "c2s", b"one again"), (0, "s2c", b"to one again")]
    upstream.sendto(b"stop", upstream.getsockname())
    thread.join(5)


@pytest.mark.timeout(15)
@pytest.mark.parametrize("kind", ["tcp", "udp"])
def test_close_stops_every_thread_and_socket(server, kind):
    relay = Relay(server.address, kind)
    if kind == "tcp":
        sock = socket.create_connection(relay.address, timeout=5)
        assert recv_exactly(sock, 4) == b"NAME"
    else:
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sock.sendto(b"x", relay.address)
        assert relay.wait_for(lambda ev: len(ev) >= 2, 5)
    assert any(t.name.startswith("relay-") for t in threading.enumerate())
    relay.close()
    relay.close()  # idempotent
    try:
        assert [t.name for t in threading.enumerate() if t.name.startswith("relay-")] == []
        if kind == "tcp":
            assert sock.recv(10) == b""
            with pytest.raises(ConnectionRefusedError):
                socket.create_connection(relay.address, timeout=5).close()
    finally:
        sock.close()

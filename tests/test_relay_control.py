"""grader.relay: control of the server side (close, reset, stall, resume), connection end states and
routing, seen from a server running in a thread of the test."""
import socket
import struct
import threading

import pytest

from grader.relay import ConnState, Relay

FLOOD = 32 << 20  # more than loopback's buffers and the relay's one held chunk can absorb


class Server:
    """Accepts connections; per connection records how it ended ("eof" or "reset") and what it got;
    floods a connection with FLOOD bytes on request."""

    def __init__(self):
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.address = self.sock.getsockname()
        self.conns = []
        self.ended = {}          # index -> "eof" | "reset"
        self.got = {}            # index -> bytes
        self.cond = threading.Condition()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with self.cond:
                index = len(self.conns)
                self.conns.append(conn)
                self.got[index] = b""
                self.cond.notify_all()
            threading.Thread(target=self._serve, args=(index, conn), daemon=True).start()

    def _serve(self, index, conn):
        while True:
            try:
                data = conn.recv(65536)
                how = None if data else "eof"
            except OSError:
                data, how = b"", "reset"
            with self.cond:
                if how:
                    self.ended[index] = how
                else:
                    self.got[index] += data
                self.cond.notify_all()
            if how:
                return

    def wait(self, predicate, timeout=10):
        with self.cond:
            return self.cond.wait_for(predicate, timeout)

    def flood(self, index, done):
        def run():
            try:
                self.conns[index].sendall(b"x" * FLOOD)
                done.set()
            except OSError:
                pass
        threading.Thread(target=run, daemon=True).start()

    def close(self):
        self.sock.close()
        for conn in self.conns:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


@pytest.fixture
def server():
    srv = Server()
    yield srv
    srv.close()


@pytest.fixture
def relay(server):
    with Relay(server.address) as rel:
        yield rel


def connect(relay, server, count=1):
    sock = socket.create_connection(relay.address, timeout=10)
    assert server.wait(lambda: len(server.conns) >= count)
    return sock


def kinds(relay):
    return [(e.kind, e.data) for e in relay.events() if e.kind in ("control", "dropped", "close")]


@pytest.mark.timeout(30)
def test_reset_of_the_server_side_reaches_the_server_as_a_reset(relay, server):
    with connect(relay, server) as sock:
        sock.sendall(b"hi")
        assert server.wait(lambda: server.got[0] == b"hi")
        assert relay.reset_server_side() == 1
        assert server.wait(lambda: 0 in server.ended) and server.ended[0] == "reset"
        assert relay.connections() == [ConnState(0, "reset", "open")]
        sock.sendall(b"lost")  # the client side stays open, its bytes go nowhere
        assert relay.wait_for(lambda ev: any(e.kind == "dropped" for e in ev), 10)
        assert server.got[0] == b"hi"
        assert relay.reset_server_side() == 0  # nothing left to reset
    assert relay.wait_for(lambda ev: ("close", b"client") in [(e.kind, e.data) for e in ev], 10)
    assert relay.connections()[0].to_server == "reset"  # the client's later close does not change it
    assert kinds(relay) == [("control", b"reset"), ("dropped", b"lost"), ("control", b"reset"),
                            ("close", b"client")]


@pytest.mark.timeout(30)
def test_close_of_the_server_side_is_a_fin_and_what_the_server_sends_later_is_refused(relay, server):
    """As when the user's window is closed: the server reads the end, and its later sends fail (the
    kernel answers them with a RST), so a dead socket left in its list shows on the next broadcast.
    Nothing of it reaches the client, which stays connected to the relay."""
    with connect(relay, server) as sock:
        assert relay.close_server_side() == 1
        assert server.wait(lambda: 0 in server.ended) and server.ended[0] == "eof"
        refused = None
        for _ in range(1000):  # the first send is taken, and answered with the RST
            try:
                server.conns[0].sendall(b"bye")
            except OSError as error:
                refused = error
                break
        assert isinstance(refused, (BrokenPipeError, ConnectionResetError)), refused
        sock.setblocking(False)
        with pytest.raises(BlockingIOError):
            sock.recv(10)
        assert relay.connections() == [ConnState(0, "fin", "open")]
        assert relay.close_server_side() == 0  # nothing left to close


@pytest.mark.timeout(60)
def test_stall_blocks_the_servers_sends_until_resume(relay, server):
    with connect(relay, server) as sock:
        relay.stall()
        done = threading.Event()
        server.flood(0, done)
        # While stalled the flood cannot end whatever the timing: the relay holds one chunk.
        assert not done.wait(1.0)
        stalled_at = sum(len(e.data) for e in relay.events() if e.kind == "s2c")
        assert stalled_at == 0
        relay.resume()
        got = 0
        while got < FLOOD:
            chunk = sock.recv(1 << 20)
            assert chunk
            got += len(chunk)
        assert done.wait(20)
        assert [d for k, d in kinds(relay)] == [b"stall", b"resume"]


@pytest.mark.timeout(30)
def test_a_connection_opened_while_stalled_is_stalled_too(relay, server):
    relay.stall()
    with connect(relay, server) as sock:
        server.conns[0].sendall(b"held")
        sock.settimeout(0.5)
        with pytest.raises(socket.timeout):
            sock.recv(10)
        relay.resume()
        sock.settimeout(10)
        assert sock.recv(10) == b"held"


@pytest.mark.timeout(30)
def test_reset_while_stalled_drops_the_held_bytes(relay, server):
    with connect(relay, server) as sock:
        relay.stall()
        server.conns[0].sendall(b"held")
        relay.reset_server_side()
        assert server.wait(lambda: 0 in server.ended) and server.ended[0] == "reset"
        sock.settimeout(0.5)
        with pytest.raises(socket.timeout):
            sock.recv(10)
    assert not any(e.kind == "s2c" for e in relay.events())


@pytest.mark.timeout(30)
def test_client_ends_are_recorded_as_fin_or_reset(relay, server):
    fin = connect(relay, server, 1)
    rst = connect(relay, server, 2)
    fin.close()
    rst.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    rst.close()
    assert server.wait(lambda: len(server.ended) == 2)
    assert server.ended == {0: "eof", 1: "reset"}
    assert relay.wait_for(lambda ev: [c.to_server for c in relay.connections()] == ["fin", "reset"], 10)


@pytest.mark.timeout(30)
def test_route_sends_each_connection_where_it_says():
    one, two = Server(), Server()
    try:
        with Relay(one.address, route=lambda conn: (two if conn == 1 else one).address) as relay:
            with socket.create_connection(relay.address, timeout=10) as first, \
                    socket.create_connection(relay.address, timeout=10) as second:
                first.sendall(b"first")
                second.sendall(b"second")
                assert one.wait(lambda: one.got.get(0) == b"first")
                assert two.wait(lambda: two.got.get(0) == b"second")
                assert len(one.conns) == 1
    finally:
        one.close()
        two.close()

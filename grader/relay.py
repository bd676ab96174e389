"""A recording relay between a student's client program and a server, for learning the dialect.

The relay listens on 127.0.0.1 at an OS-chosen port, forwards everything to the target and records
every chunk as it is received, with the time and the connection it belongs to. The grader starts the
student's client in client mode with the relay's address as redirect, types into it, and reads back
what the client sent and when.

TCP: one upstream connection per accepted client connection; two threads pump the two directions.
An orderly close of one side half-closes the other (the server still sees the client's FIN and may
answer it); a reset of one side resets the other. Each side's end is recorded as a "close" event whose
data says which side ended: b"client" or b"server".

UDP: one upstream socket per distinct client address, so the server sees as many clients as there
are; UDP has no close, so only "open", "c2s" and "s2c" are recorded.

Control of the server side (TCP; one relay per scripted user, so "all connections" are one user's):
close_server_side() closes the user's window: a FIN, and the connection is gone (what the server
sends later gets a RST); reset_server_side() sends a RST; stall() stops reading what the server sends
(its sends to the user block once the kernel buffers are full: the slow reader), resume() reads
again. Each is recorded as a "control" event (data b"close", b"reset", b"stall", b"resume"); once
the server side is cut, what the client still sends is recorded as "dropped", never forwarded, and
the client side stays open until the client ends it. connections() tells, per connection, how each
direction ended: "open", "fin" or "reset". A `route` callable, if given, picks the upstream address
of each new connection (a client that connects to several of the server's ports). settled() tells
when the relay holds nothing (every thread of it blocked reading), so that whoever waits for an
exchange to be over can wait for that rather than for a quiet moment.
"""
from __future__ import annotations

import os
import socket
import threading
import time
from dataclasses import dataclass, field
from typing import Callable

from .kernel import syscalls
from .kernel.tcp import reset, unacknowledged

_CHUNK = 1 << 16
_CONNECT_TIMEOUT = 5.0
_JOIN_TIMEOUT = 2.0


@dataclass(frozen=True)
class Event:
    time: float          # time.monotonic()
    conn: int            # 0, 1, 2... one per client connection (TCP) or per client address (UDP)
    kind: str            # "open", "c2s" (client to server bytes), "s2c", "close", "control", "dropped"
    data: bytes = b""    # the bytes; for "close": b"client" or b"server", the side that ended;
                         # for "control": what the relay did (b"close", b"reset", b"stall", b"resume")


@dataclass(frozen=True)
class ConnState:
    """How the two directions of one TCP connection have ended, as the relay saw them."""
    conn: int
    to_server: str       # what the server got: "open", "fin" (an orderly close), "reset"
    from_server: str     # what the server did: "open", "fin", "reset"
    connecting: bool = False   # the server has not accepted it yet (its backlog is full)
    client_port: int = field(default=0, compare=False)   # the client's end (grader.relay_ends)

    @property
    def closed(self) -> bool:
        """The server has seen this connection end."""
        return self.to_server != "open"


def _wake(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass


class _TcpPair:
    """A client connection and its upstream connection; the last pump to finish closes both."""

    def __init__(self, relay: "Relay", conn: int, client: socket.socket, client_port: int):
        self.relay = relay
        self.conn = conn
        self.client, self.client_port = client, client_port
        self.upstream: socket.socket | None = None
        self.local_port = 0   # the upstream's, kept once it is closed
        self._lock = threading.Lock()
        self._running = 0
        self._ended: set[bytes] = set()
        self._aborted = False
        self.threads: list[threading.Thread] = []
        # Set by the relay's own close/reset of the server side; the client side then goes on alone.
        self._server_cut: str | None = None
        self.ends = {b"client": "open", b"server": "open"}
        self.flowing = threading.Event()  # cleared while the server side is stalled
        self.flowing.set()
        self.connected = threading.Event()  # the upstream connect has succeeded or failed

    def start(self) -> None:
        thread = threading.Thread(target=self._run_c2s, name=f"relay-{self.conn}-c2s", daemon=True)
        self.threads.append(thread)
        self._running = 1
        thread.start()

    def _run_c2s(self) -> None:
        try:
            upstream = socket.create_connection(self.relay._upstream_target(self.conn),
                                                timeout=_CONNECT_TIMEOUT)
            upstream.settimeout(None)
        except OSError:
            self._side_ended(b"server")
            self.connected.set()
            self._finish()
            return
        with self._lock:
            self.upstream = upstream
            self.local_port = upstream.getsockname()[1]
            if self.relay._closed:
                _wake(upstream)
            self._running += 1
        thread = threading.Thread(target=self._pump,
                                  args=(upstream, self.client, "s2c", b"server", b"client"),
                                  name=f"relay-{self.conn}-s2c", daemon=True)
        self.threads.append(thread)
        thread.start()
        self.connected.set()  # after the start: cut_server() joins this thread
        self._pump(self.client, upstream, "c2s", b"client", b"server")

    def _pump(self, source: socket.socket, sink: socket.socket, kind: str, side: bytes,
              other: bytes) -> None:
        try:
            while True:
                try:
                    data, reset = source.recv(_CHUNK), False
                except OSError:
                    data, reset = b"", True
                if kind == "s2c":
                    # Stalled: hold the chunk read last and read no more, so the server's sends
                    # block once the kernel's buffers are full.
                    self.flowing.wait()
                    if self._server_cut:
                        return  # our own close or reset woke this pump, or ended the stall
                if self._cut_off(kind, data):
                    continue
                if not data:
                    if not self._aborted:
                        self._side_ended(side, "reset" if reset else "fin")
                        if reset:
                            self._abort_both()  # pass a reset on as a reset
                        else:
                            try:
                                sink.shutdown(socket.SHUT_WR)
                            except OSError:
                                pass
                    return
                self.relay._record(self.conn, kind, data)
                try:
                    sink.sendall(data)
                except OSError:
                    if kind == "c2s" and self._server_cut:
                        continue  # cut while we were sending
                    if not self._aborted:
                        self._side_ended(other, "reset")
                        self._abort_both()
                    return
        finally:
            self._finish()

    def _side_ended(self, side: bytes, how: str = "fin") -> None:
        with self._lock:
            if side in self._ended:
                return
            self._ended.add(side)
            if self.ends[side] == "open":  # else the relay's own cut ended it first
                self.ends[side] = how
        self.relay._record(self.conn, "close", side)

    def _cut_off(self, kind: str, data: bytes) -> bool:
        """After a close/reset of the server side, the client's bytes go nowhere: record them as
        dropped and read on (True). The client's own end is still recorded by the caller."""
        if kind != "c2s" or not data or not self._server_cut:
            return False
        self.relay._record(self.conn, "dropped", data)
        return True

    def cut_server(self, how: str) -> bool:
        """Close ("fin") or reset ("reset") this connection on the server's side; False if that had
        ended already."""
        self.connected.wait(_CONNECT_TIMEOUT)
        with self._lock:
            upstream = self.upstream
            if upstream is None or self._server_cut or self._aborted or b"server" in self._ended \
                    or self.ends[b"client"] != "open":
                return False
            self._server_cut = how
            self.ends[b"client"] = how  # what the server got, even though the client did nothing
        # A close is a window closed: a FIN, then the socket is gone, so the kernel answers what the
        # server sends later with a RST and a dead socket left in its list fails on the next send
        # (a half-close would take those bytes for ever and hide it). SO_LINGER 0 makes close() send
        # the RST of a reset. Shutting the read side wakes our s2c pump (a socket another thread is
        # blocked on cannot be closed for real).
        (_wake if how == "fin" else reset)(upstream)
        self.flowing.set()
        for thread in self.threads[1:]:
            thread.join(_JOIN_TIMEOUT)
        try:
            upstream.close()
        except OSError:
            pass
        return True

    def state(self) -> ConnState:
        with self._lock:
            return ConnState(self.conn, self.ends[b"client"], self.ends[b"server"], not self.connected.is_set(), self.client_port)

    def _abort_both(self) -> None:
        # Set before waking the other pump, whose recv then returns b"" that is our doing, not a
        # close by its side.
        with self._lock:
            self._aborted = True
            socks = [self.client, self.upstream]
        for sock in socks:
            if sock is not None:
                reset(sock)   # the next close() sends a RST; a pump blocked reading it wakes

    def _finish(self) -> None:
        with self._lock:
            self._running -= 1
            if self._running > 0:
                return
        for sock in (self.client, self.upstream):
            if sock is not None:
                try:
                    sock.close()
                except OSError:
                    pass

    def wake(self) -> None:
        self.flowing.set()
        with self._lock:
            socks = [self.client, self.upstream]
        for sock in socks:
            if sock is not None:
                _wake(sock)


class Relay:
    """Listens on 127.0.0.1:0 at once; forwards to `target`; records Events. See the module doc."""

    def __init__(self, target: tuple[str, int], kind: str = "tcp",
                 route: Callable[[int], tuple[str, int]] | None = None):
        if kind not in ("tcp", "udp"):
            raise ValueError(f"kind must be 'tcp' or 'udp', not {kind!r}")
        self.target = (target[0], int(target[1]))
        self.kind = kind
        self.route = route
        self._stalled = False
        self._events: list[Event] = []
        self._cond = threading.Condition()
        self._last = time.monotonic()
        self._closed = False
        self._threads: list[threading.Thread] = []
        self._pairs: list[_TcpPair] = []
        self._upstreams: dict[tuple, tuple[int, socket.socket]] = {}
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM if kind == "tcp" else socket.SOCK_DGRAM)
        self._sock.bind(("127.0.0.1", 0))
        if kind == "tcp":
            self._sock.listen(64)
        self.address: tuple[str, int] = self._sock.getsockname()[:2]
        self._spawn(self._accept_loop if kind == "tcp" else self._udp_loop, f"relay-{kind}-{self.address[1]}")

    def __repr__(self) -> str:
        return f"<Relay {self.kind} {self.address} -> {self.target}>"

    def _spawn(self, target, name, *args) -> None:
        thread = threading.Thread(target=target, args=args, name=name, daemon=True)
        self._threads.append(thread)
        thread.start()

    def _record(self, conn: int, kind: str, data: bytes = b"") -> None:
        with self._cond:
            if self._closed:
                return
            self._last = now = time.monotonic()
            self._events.append(Event(now, conn, kind, data))
            self._cond.notify_all()

    # -- TCP --------------------------------------------------------------------------------------

    def _accept_loop(self) -> None:
        conn = 0
        while True:
            try:
                client, address = self._sock.accept()
            except OSError:
                return  # close() shut the listening socket down
            with self._cond:
                if self._closed:
                    client.close()
                    return
                pair = _TcpPair(self, conn, client, address[1])
                if self._stalled:
                    pair.flowing.clear()
                self._pairs.append(pair)
            self._record(conn, "open")
            pair.start()
            conn += 1

    # -- UDP --------------------------------------------------------------------------------------

    def _udp_loop(self) -> None:
        while True:
            try:
                data, address = self._sock.recvfrom(_CHUNK)
            except OSError:
                if self._closed:
                    return
                continue  # an ICMP error for an earlier reply to a client that has gone
            if self._closed:
                return
            if address is None:
                continue
            with self._cond:
                new = address not in self._upstreams
                if new:
                    upstream = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                    upstream.bind(("127.0.0.1", 0))
                    upstream.connect(self.target)  # and so it hears only the server
                    self._upstreams[address] = (len(self._upstreams), upstream)
                conn, upstream = self._upstreams[address]
            if new:
                self._record(conn, "open")
                self._spawn(self._udp_back, f"relay-udp-{conn}-s2c", conn, upstream, address)
            self._record(conn, "c2s", data)
            try:
                upstream.send(data)
            except OSError:
                pass  # the server is not there (yet): the datagram is lost, as it would be

    def _udp_back(self, conn: int, upstream: socket.socket, client: tuple) -> None:
        while True:
            try:
                data = upstream.recv(_CHUNK)
            except ConnectionRefusedError:
                continue  # ICMP port unreachable for a datagram we sent: the server was not there
            except OSError:
                return
            if self._closed:
                return
            self._record(conn, "s2c", data)
            try:
                self._sock.sendto(data, client)
            except OSError:
                pass

    # -- reading ----------------------------------------------------------------------------------

    def events(self) -> list[Event]:
        with self._cond:
            return list(self._events)

    def wait_quiet(self, quiet: float, timeout: float) -> bool:
        """True once no event has happened for `quiet` seconds (counting from the relay's creation
        if there was none); False if `timeout` passed first."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                now = time.monotonic()
                quiet_from = self._last + quiet
                if now >= quiet_from:
                    return True
                if now >= deadline:
                    return False
                self._cond.wait(min(quiet_from, deadline) - now)

    def wait_for(self, predicate: Callable[[list[Event]], bool], timeout: float) -> bool:
        """Wait until predicate(events) is true, re-checked at every new event; False on timeout."""
        with self._cond:
            return self._cond.wait_for(lambda: predicate(list(self._events)), timeout)

    def events_since(self, index: int) -> list[Event]:
        """Events from number `index` on (cheaper than events() on a long recording)."""
        with self._cond:
            return self._events[index:]

    def count(self) -> int:
        with self._cond:
            return len(self._events)

    def notify(self) -> None:
        """Wake every wait_for(), whose predicate may look at more than the relay's events."""
        with self._cond:
            self._cond.notify_all()

    def connections(self) -> list[ConnState]:
        """How each TCP connection has ended so far, in the order they were opened."""
        with self._cond:
            pairs = list(self._pairs)
        return [pair.state() for pair in pairs]

    # -- control of the server side (TCP) ---------------------------------------------------------

    def _upstream_target(self, conn: int) -> tuple[str, int]:
        if self.route is None:
            return self.target
        try:
            host, port = self.route(conn)
            return (host, int(port))
        except Exception:
            return self.target

    def _control(self, action: bytes, conns: int | None, change: Callable[[_TcpPair], bool]) -> int:
        with self._cond:
            pairs = [p for p in self._pairs if conns is None or p.conn == conns]
        done = sum(1 for pair in pairs if change(pair))
        self._record(conns if conns is not None else -1, "control", action)
        return done

    def close_server_side(self, conn: int | None = None) -> int:
        """Close every connection (or only `conn`) on the server's side; how many were still open."""
        return self._control(b"close", conn, lambda pair: pair.cut_server("fin"))

    def reset_server_side(self, conn: int | None = None) -> int:
        """RST to the server on every connection (or only `conn`); how many were still open."""
        return self._control(b"reset", conn, lambda pair: pair.cut_server("reset"))

    def stall(self) -> int:
        """Stop reading from the server on every connection, the ones opened later too."""
        with self._cond:
            self._stalled = True
        return self._control(b"stall", None, lambda pair: pair.flowing.clear() or True)

    def resume(self) -> int:
        with self._cond:
            self._stalled = False
        return self._control(b"resume", None, lambda pair: pair.flowing.set() or True)

    def settled(self) -> bool:
        """Whether all that reached the relay is recorded and in the kernel of the side it was sent
        to, or waits for the server to accept: every thread blocked reading (a connecting one in
        connect(): just after, its reply pump may hold a first reply unrecorded), and what went to a
        client acknowledged (a loaded machine delivers loopback bytes late, in a kernel thread, while
        the client sleeps on a socket that looks empty). False where threads cannot be seen."""
        if not syscalls.SUPPORTED:
            return False
        with self._cond:
            pairs, threads = list(self._pairs), list(self._threads)
        pid = os.getpid()
        for pair in pairs:
            if pair.connected.is_set():
                threads += pair.threads
            elif len(pair.threads) != 1 or not syscalls.connecting(pid, pair.threads[0].native_id):
                return False
        for thread in threads:
            if thread.is_alive():
                wait = syscalls.thread_wait(pid, str(thread.native_id))
                if wait is None or wait[0] not in ("fd", "accept"):
                    return False
        return not any(pair.client.fileno() != -1 and unacknowledged(pair.client) for pair in pairs)

    def upstream_port(self, conn: int, closed_too: bool = False) -> int | None:
        """The local port of TCP connection `conn`'s upstream socket (the server's peer port);
        None while it connects, if it failed, or for UDP, and (unless `closed_too`) once closed."""
        with self._cond:
            pair = self._pairs[conn] if 0 <= conn < len(self._pairs) else None
        upstream = pair.upstream if pair else None
        try:
            return upstream.getsockname()[1] if upstream else None
        except OSError:   # closed meanwhile
            return (pair.local_port or None) if closed_too else None

    # -- ending -----------------------------------------------------------------------------------

    def close(self) -> None:
        with self._cond:
            if self._closed:
                return
            self._closed = True
            pairs = list(self._pairs)
            upstreams = [sock for _, sock in self._upstreams.values()]
            self._cond.notify_all()
        _wake(self._sock)
        for pair in pairs:
            pair.wake()
        for sock in upstreams:
            _wake(sock)
        threads = list(self._threads) + [t for pair in pairs for t in pair.threads]
        for thread in threads:
            if thread.ident is not None:  # appended, about to start: nothing to join yet
                thread.join(_JOIN_TIMEOUT)
        for sock in [self._sock] + upstreams:
            try:
                sock.close()
            except OSError:
                pass

    def __enter__(self) -> "Relay":
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

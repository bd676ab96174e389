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

settled() tells when the relay holds nothing (every thread of it blocked reading), so that whoever
waits for an exchange to be over can wait for that rather than for a quiet moment.
"""
from __future__ import annotations

import os
import socket
import struct
import threading
import time
from dataclasses import dataclass
from typing import Callable

from . import quiescence

_CHUNK = 1 << 16
_CONNECT_TIMEOUT = 5.0
_JOIN_TIMEOUT = 2.0


@dataclass(frozen=True)
class Event:
    time: float          # time.monotonic()
    conn: int            # 0, 1, 2... one per client connection (TCP) or per client address (UDP)
    kind: str            # "open", "c2s" (client to server bytes), "s2c", "close"
    data: bytes = b""    # the bytes; for "close": b"client" or b"server", the side that ended


def _abort(sock: socket.socket) -> None:
    """Make the next close() send a RST, and wake any thread blocked reading the socket."""
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        sock.shutdown(socket.SHUT_RD)
    except OSError:
        pass


def _wake(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass


class _TcpPair:
    """A client connection and its upstream connection; the last pump to finish closes both."""

    def __init__(self, relay: "Relay", conn: int, client: socket.socket):
        self.relay = relay
        self.conn = conn
        self.client = client
        self.upstream: socket.socket | None = None
        self._lock = threading.Lock()
        self._running = 0
        self._ended: set[bytes] = set()
        self._aborted = False
        self.threads: list[threading.Thread] = []

    def start(self) -> None:
        thread = threading.Thread(target=self._run_c2s, name=f"relay-{self.conn}-c2s", daemon=True)
        self.threads.append(thread)
        self._running = 1
        thread.start()

    def _run_c2s(self) -> None:
        try:
            upstream = socket.create_connection(self.relay.target, timeout=_CONNECT_TIMEOUT)
            upstream.settimeout(None)
        except OSError:
            self._side_ended(b"server")
            self._finish()
            return
        with self._lock:
            self.upstream = upstream
            if self.relay._closed:
                _wake(upstream)
            self._running += 1
        thread = threading.Thread(target=self._pump,
                                  args=(upstream, self.client, "s2c", b"server", b"client"),
                                  name=f"relay-{self.conn}-s2c", daemon=True)
        self.threads.append(thread)
        thread.start()
        self._pump(self.client, upstream, "c2s", b"client", b"server")

    def _pump(self, source: socket.socket, sink: socket.socket, kind: str, side: bytes,
              other: bytes) -> None:
        try:
            while True:
                try:
                    data, reset = source.recv(_CHUNK), False
                except OSError:
                    data, reset = b"", True
                if not data:
                    if not self._aborted:
                        self._side_ended(side)
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
                    if not self._aborted:
                        self._side_ended(other)
                        self._abort_both()
                    return
        finally:
            self._finish()

    def _side_ended(self, side: bytes) -> None:
        with self._lock:
            if side in self._ended:
                return
            self._ended.add(side)
        self.relay._record(self.conn, "close", side)

    def _abort_both(self) -> None:
        # Set before waking the other pump, whose recv then returns b"" that is our doing, not a
        # close by its side.
        with self._lock:
            self._aborted = True
            socks = [self.client, self.upstream]
        for sock in socks:
            if sock is not None:
                _abort(sock)

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
        with self._lock:
            socks = [self.client, self.upstream]
        for sock in socks:
            if sock is not None:
                _wake(sock)


class Relay:
    """Listens on 127.0.0.1:0 at once; forwards to `target`; records Events. See the module doc."""

    def __init__(self, target: tuple[str, int], kind: str = "tcp"):
        if kind not in ("tcp", "udp"):
            raise ValueError(f"kind must be 'tcp' or 'udp', not {kind!r}")
        self.target = (target[0], int(target[1]))
        self.kind = kind
        self._events: list[Event] = []
        self._cond = threading.Condition()
        self._last = time.monotonic()
        self._closed = False
        self._threads: list[threading.Thread] = []
        self._pairs: list[_TcpPair] = []
        self._upstreams: dict[tuple, tuple[int, socket.socket]] = {}
        if kind == "tcp":
            self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            self._sock.bind(("127.0.0.1", 0))
            self._sock.listen(64)
            loop = self._accept_loop
        else:
            self._sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            self._sock.bind(("127.0.0.1", 0))
            loop = self._udp_loop
        self.address: tuple[str, int] = self._sock.getsockname()[:2]
        self._spawn(loop, f"relay-{kind}-{self.address[1]}")

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
            now = time.monotonic()
            self._events.append(Event(now, conn, kind, data))
            self._last = now
            self._cond.notify_all()

    # -- TCP --------------------------------------------------------------------------------------

    def _accept_loop(self) -> None:
        conn = 0
        while True:
            try:
                client, _ = self._sock.accept()
            except OSError:
                return  # close() shut the listening socket down
            with self._cond:
                if self._closed:
                    client.close()
                    return
                pair = _TcpPair(self, conn, client)
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
                entry = self._upstreams.get(address)
                if entry is None:
                    upstream = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                    upstream.bind(("127.0.0.1", 0))
                    upstream.connect(self.target)  # and so it hears only the server
                    entry = self._upstreams[address] = (len(self._upstreams), upstream)
                    new = True
                else:
                    new = False
            conn, upstream = entry
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

    def settled(self) -> bool:
        """Whether all that reached the relay is recorded and passed on: every thread of it still
        running is blocked reading (or accepting), so no byte waits in its sockets or its hands.
        False where the threads cannot be seen (not Linux x86-64)."""
        if not quiescence._SUPPORTED:
            return False
        with self._cond:
            threads = list(self._threads) + [t for pair in self._pairs for t in pair.threads]
        pid = os.getpid()
        for thread in threads:
            if thread.is_alive():
                wait = quiescence.thread_wait(pid, str(thread.native_id))
                if wait is None or wait[0] not in ("fd", "accept"):
                    return False
        return True

    def upstream_port(self, conn: int) -> int | None:
        """The local port of TCP connection `conn`'s upstream socket (the server's peer port);
        None while it connects, if it failed, or for UDP."""
        with self._cond:
            pair = self._pairs[conn] if 0 <= conn < len(self._pairs) else None
        upstream = pair.upstream if pair else None
        try:
            return upstream.getsockname()[1] if upstream else None
        except OSError:   # closed meanwhile
            return None

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

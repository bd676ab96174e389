"""A scripted chat user: one socket to the student's server and everything it received.

Every wait here is bounded and event-driven (a Condition notified by the reader thread), and also
ends early when the server process is gone, or when the stop-early callable the Peer was given says
the server can do nothing more (the harness hands in grader.quiescence.stuck bound to the server),
so a dead or stuck server costs no full timeout.
"""
from __future__ import annotations

import select
import socket
import threading
import time
from typing import Callable

from . import waiting
from .kernel import tcp

SEND_TIMEOUT = 5  # seconds a send may go without progress before the server counts as not reading


class Peer:
    def __init__(self, name: str, port: int, kind: str = "tcp", server_alive: Callable[[], bool] = lambda: True,
                 stop_early: "Callable[[Peer | None], bool] | None" = None):
        """stop_early(peer): whether the server can do nothing more without new input (and, given
        this peer, all it sent this user has arrived); waits for what has not come end then."""
        self.name = name
        self.port = port
        self.kind = kind
        self._server_alive = server_alive
        self._stop_early = stop_early
        self._send_limit = SEND_TIMEOUT
        self.sent = 0                # bytes the kernel took from us
        self.reads = True            # False: a user that never reads (connect(read=False))
        self._data = bytearray()
        self._cond = threading.Condition()
        self.closed = False          # the server closed (or reset) the connection
        self.reset = False
        self._sock: socket.socket | None = None
        self._port = 0
        self._reader: threading.Thread | None = None

    # -- connection -------------------------------------------------------------------------
    def connect(self, timeout: float = 3.0, read: bool = True, small_buffer: bool = False) -> None:
        """Connect; read=False makes a user that never reads (its buffers fill, the server's sends block)."""
        family_type = socket.SOCK_DGRAM if self.kind == "udp" else socket.SOCK_STREAM
        sock = socket.socket(socket.AF_INET, family_type)
        if small_buffer:
            # Before connect(), so the advertised TCP window stays small too.
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        try:
            if self.kind == "udp":
                sock.bind(("127.0.0.1", 0))
            sock.settimeout(timeout)
            sock.connect(("127.0.0.1", self.port))
            sock.settimeout(None)
            if self.kind == "tcp":
                # Without it a second message in a row waits in our own buffer (Nagle) for the
                # server's delayed ACK, and could leave glued to the next one.
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError:
            sock.close()
            raise
        self._sock, self._port = sock, sock.getsockname()[1]
        self.reads = read
        if read:
            self._reader = threading.Thread(target=self._read, daemon=True, name=f"peer-{self.name}")
            self._reader.start()

    @property
    def local_port(self) -> int:
        """0 before connect(); kept once the connection has ended (the server's end may outlive it)."""
        return self._port

    @property
    def local_ports(self) -> list[int]:
        """The local ports of this user's connections to the server (one)."""
        return [self.local_port]

    def _read(self) -> None:
        sock = self._sock
        while True:
            try:
                chunk = sock.recv(65536)
            except ConnectionRefusedError:
                # UDP: an ICMP "port unreachable" from an earlier datagram; the socket still works.
                if self.kind == "udp" and self._server_alive():
                    continue
                chunk, reset = b"", True
            except OSError:
                chunk, reset = b"", True
            else:
                reset = False
            with self._cond:
                if chunk:
                    self._data += chunk
                elif self.kind == "tcp" or reset:
                    self.closed = True
                    self.reset = reset
                self._cond.notify_all()
            if not chunk and (self.kind == "tcp" or reset):
                return

    def send(self, data: bytes, consumed_timeout: float = 0.0) -> bool:
        """Send data; False if the server took no byte of it for the send limit (it stopped reading
        us) or the connection is gone. With consumed_timeout, also wait until the server has read it.

        Waiting for the server to drain its receive queue is what keeps two scripted messages from
        being glued together by a server that treats one recv() as one message.
        """
        sock = self._sock
        if sock is None:
            return False
        view, moved = memoryview(data), time.monotonic()
        while view:
            try:
                took = sock.send(view, socket.MSG_DONTWAIT)
                view, moved = view[took:], time.monotonic()
                self.sent += took
                continue
            except BlockingIOError:
                pass
            except OSError:
                return False
            # The limit counts from the last progress: SO_SNDTIMEO would start again at every
            # partial send, and a server that reads now and then would take several limits.
            left = moved + self._send_limit - time.monotonic()
            if left <= 0:
                return False
            if select.select([], [sock], [], min(left, 0.05))[1]:
                continue
            stuck = self._stuck(awaiting=False)
            if stuck and time.monotonic() - moved >= waiting.FIRST_LOOK and stuck():
                return False   # the server will never read us again: no need to wait out the limit
        if consumed_timeout and self.kind == "tcp":
            self.wait_read(consumed_timeout)
        return True

    def wait_read(self, timeout: float) -> bool:
        """Until the server has accepted us and read all we sent: every byte reached its kernel (none
        still waits in our buffer or on the loopback, to be glued to the next) and none is unread."""
        return waiting.wait(lambda t: waiting.poll_until(self.read_by_server, t, self._server_alive),
                            lambda ok: ok or not self._server_alive(), timeout, self._stuck(awaiting=False))

    def read_by_server(self) -> bool:
        """The server has accepted us and read every byte we sent (or the connection is gone)."""
        end = tcp.connection(self.port, self.local_port) if self._sock else None
        if end is None:
            return True
        if end.received is None:   # the kernel does not say: our acknowledgements do, if later (delayed ACKs)
            arrived = not self.unacknowledged()
        else:
            arrived = end.received >= self.sent
        return arrived and end.rqueue == 0 and end.inode != 0

    def limit_send_time(self, seconds: float) -> None:
        self._send_limit = seconds

    # -- what the kernel knows of this connection ---------------------------------------------
    @property
    def connected(self) -> bool:
        return self._sock is not None

    sent_fin = False   # close() ends both sides at once: then it is not connected

    def unacknowledged(self) -> int:
        """Bytes sent that the server's kernel has not acknowledged yet (SIOCOUTQ)."""
        sock = self._sock
        if sock is None or self.kind != "tcp":
            return 0
        return tcp.unacknowledged(sock)

    def received_all(self) -> bool:
        """Everything the kernel received for this user is in its buffer (the reader is done)."""
        sock = self._sock
        if sock is None:
            return True
        received = tcp.bytes_received(sock)
        if received is None:
            return False
        with self._cond:
            return received == len(self._data)

    def close(self) -> None:
        """An orderly close (FIN). shutdown() first: while the reader thread sits in recv(), close()
        alone would leave the socket open and the server would never see the user go."""
        self._end(socket.SHUT_RDWR)

    def abort(self) -> None:
        """Close with a TCP reset (RST), as a crashed or killed client does."""
        self._end(socket.SHUT_RD, reset=self.kind == "tcp")

    def _end(self, how: int, reset: bool = False) -> None:
        sock, self._sock = self._sock, None
        if sock is None:
            return
        if reset:
            tcp.reset(sock)   # also wakes the reader, without sending a FIN
        else:
            try:
                sock.shutdown(how)
            except OSError:
                pass
        try:
            sock.close()
        except OSError:
            pass

    # -- what arrived -----------------------------------------------------------------------
    def mark(self) -> int:
        with self._cond:
            return len(self._data)

    def raw(self, since: int = 0) -> bytes:
        with self._cond:
            return bytes(self._data[since:])

    def text(self, since: int = 0) -> str:
        return self.raw(since).decode("utf-8", "replace")

    def _stuck(self, awaiting: bool = True) -> "Callable[[], bool] | None":
        """stop_early as a wait's stop condition; `awaiting`: this user waits for what the server sends."""
        if self._stop_early is None:
            return None
        return lambda: self._stop_early(self if awaiting else None)

    def wait(self, predicate: Callable[[bytes], bool], timeout: float, since: int = 0) -> bool:
        """Wait until predicate(bytes received since `since`) holds; False on timeout or dead server."""
        def wait_for(seconds: float) -> bool:
            deadline = time.monotonic() + seconds
            with self._cond:
                while True:
                    if predicate(bytes(self._data[since:])):
                        return True
                    left = deadline - time.monotonic()
                    if left <= 0 or self.closed or not self._server_alive():
                        return predicate(bytes(self._data[since:]))
                    self._cond.wait(min(left, 0.05))
        # A False once the server closed us or died is final.
        return waiting.wait(wait_for, lambda ok: ok or self.closed or not self._server_alive(), timeout, self._stuck())

    def wait_text(self, told: Callable[[str], bool], timeout: float, since: int = 0) -> bool:
        """Wait until told(the text received since `since`) holds."""
        return self.wait(lambda data: told(data.decode("utf-8", "replace")), timeout, since)

    def wait_token(self, token: str, timeout: float, since: int = 0) -> bool:
        needle = token.encode("utf-8")
        return self.wait(lambda data: needle in data, timeout, since)

    def wait_data(self, timeout: float, since: int = 0) -> bool:
        return self.wait(bool, timeout, since)

    def wait_quiet(self, quiet: float, timeout: float) -> None:
        """Wait until nothing has arrived for `quiet` seconds (at most `timeout`), or for a short
        quiet if nothing more can come."""
        deadline = time.monotonic() + timeout
        stuck = self._stuck()
        if stuck is not None and quiet > waiting.FIRST_LOOK:
            self._wait_quiet(waiting.FIRST_LOOK, timeout)
            if time.monotonic() >= deadline or stuck():
                return
        self._wait_quiet(quiet, deadline - time.monotonic())

    def _wait_quiet(self, quiet: float, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                size = len(self._data)
                now = time.monotonic()
                if now >= deadline or self.closed:
                    return
                self._cond.wait(min(quiet, deadline - now))
                if len(self._data) == size:
                    return

    def wait_closed(self, timeout: float) -> bool:
        def wait_for(seconds: float) -> bool:
            deadline = time.monotonic() + seconds
            with self._cond:
                while not self.closed:
                    left = deadline - time.monotonic()
                    if left <= 0:
                        return False
                    self._cond.wait(left)
                return True
        return waiting.wait(wait_for, bool, timeout, self._stuck())

    def count(self, token: str, since: int = 0) -> int:
        return self.raw(since).count(token.encode("utf-8"))

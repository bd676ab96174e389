"""A scripted chat user: one socket to the student's server and everything it received.

Every wait here is bounded and event-driven (a Condition notified by the reader thread), and also
ends early when the server process is gone, so a dead server costs no full timeout.
"""
from __future__ import annotations

import socket
import struct
import threading
import time
from typing import Callable

from . import proc

SEND_TIMEOUT = 5  # seconds


class Peer:
    def __init__(self, name: str, port: int, kind: str = "tcp", server_alive: Callable[[], bool] = lambda: True):
        self.name = name
        self.port = port
        self.kind = kind
        self._server_alive = server_alive
        self._data = bytearray()
        self._cond = threading.Condition()
        self.closed = False          # the server closed (or reset) the connection
        self.reset = False
        self._sock: socket.socket | None = None
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
            # A send blocked this long means the server stopped reading us (SO_SNDTIMEO leaves recv alone).
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDTIMEO, struct.pack("ll", SEND_TIMEOUT, 0))
        except OSError:
            sock.close()
            raise
        self._sock = sock
        if read:
            self._reader = threading.Thread(target=self._read, daemon=True, name=f"peer-{self.name}")
            self._reader.start()

    @property
    def local_port(self) -> int:
        return self._sock.getsockname()[1] if self._sock else 0

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
        """Send data; with consumed_timeout, also wait until the server has read it.

        Waiting for the server to drain its receive queue is what keeps two scripted messages from
        being glued together by a server that treats one recv() as one message.
        """
        try:
            self._sock.sendall(data)
        except OSError:
            return False
        if consumed_timeout and self.kind == "tcp":
            proc.wait_read(self.port, self.local_port, consumed_timeout, self._server_alive)
        return True

    def limit_send_time(self, seconds: int) -> None:
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDTIMEO, struct.pack("ll", seconds, 0))

    def close(self) -> None:
        """An orderly close (FIN). shutdown() first: while the reader thread sits in recv(), close()
        alone would leave the socket open and the server would never see the user go."""
        self._end(socket.SHUT_RDWR)

    def abort(self) -> None:
        """Close with a TCP reset (RST), as a crashed or killed client does."""
        if self._sock is not None and self.kind == "tcp":
            try:
                self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            except OSError:
                pass
        self._end(socket.SHUT_RD)  # wakes the reader without sending a FIN, so close() sends the RST

    def _end(self, how: int) -> None:
        sock, self._sock = self._sock, None
        if sock is None:
            return
        for step in (lambda: sock.shutdown(how), sock.close):
            try:
                step()
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

    def wait(self, predicate: Callable[[bytes], bool], timeout: float, since: int = 0) -> bool:
        """Wait until predicate(bytes received since `since`) holds; False on timeout or dead server."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                if predicate(bytes(self._data[since:])):
                    return True
                left = deadline - time.monotonic()
                if left <= 0 or self.closed or not self._server_alive():
                    return predicate(bytes(self._data[since:]))
                self._cond.wait(min(left, 0.05))

    def wait_token(self, token: str, timeout: float, since: int = 0) -> bool:
        needle = token.encode("utf-8")
        return self.wait(lambda data: needle in data, timeout, since)

    def wait_data(self, timeout: float, since: int = 0) -> bool:
        return self.wait(bool, timeout, since)

    def wait_quiet(self, quiet: float, timeout: float) -> None:
        """Wait until nothing has arrived for `quiet` seconds (at most `timeout`)."""
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
        deadline = time.monotonic() + timeout
        with self._cond:
            while not self.closed:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._cond.wait(left)
            return True

    def count(self, token: str, since: int = 0) -> int:
        return self.raw(since).count(token.encode("utf-8"))

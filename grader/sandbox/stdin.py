"""A sandboxed program's stdin pipe, written without ever blocking the grader."""
from __future__ import annotations

import fcntl
import os
import select
import struct
import termios
import threading
import time
from typing import IO

STDIN_PATIENCE = 2.0   # s a write waits for a program that does not read before dropping the rest


class Stdin:
    """The write end of a program's stdin (None: started without stdin). Safe from any thread."""

    def __init__(self, pipe: IO[bytes] | None):
        self._pipe = pipe
        self._fd = pipe.fileno() if pipe is not None else None
        self._lock = threading.Lock()
        if self._fd is not None:
            os.set_blocking(self._fd, False)

    def write(self, text: str) -> None:
        """A broken pipe is ignored; a program that does not read gets what fits in the pipe within
        STDIN_PATIENCE, the rest is dropped rather than blocking the grader."""
        data = memoryview(text.encode("utf-8"))
        deadline = time.monotonic() + STDIN_PATIENCE
        with self._lock:
            while data and self._fd is not None:
                try:
                    written = os.write(self._fd, data)
                    data = data[written:]
                except BlockingIOError:
                    remaining = deadline - time.monotonic()
                    if remaining <= 0:
                        return
                    select.select([], [self._fd], [], remaining)
                except OSError:  # EPIPE: the program has gone or closed its stdin
                    return

    def pending(self) -> int:
        """Bytes written that the program has not read yet."""
        with self._lock:
            if self._fd is None:
                return 0
            try:
                return struct.unpack("i", fcntl.ioctl(self._fd, termios.FIONREAD, b"\0\0\0\0"))[0]
            except (OSError, ValueError):
                return 1

    def close(self) -> None:
        with self._lock:
            if self._fd is not None:
                try:
                    self._pipe.close()
                except OSError:
                    pass
                self._fd = None

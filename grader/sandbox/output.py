"""What a sandboxed program prints, and where it is: a bounded capture, its last traceback shortened
for a student, and the place of its main thread read from a stack dump.

Nothing here starts or stops a process; grader.sandbox.process feeds the capture from the program's
pipe and asks the boot for a stack dump.
"""
from __future__ import annotations

import os
import re
import select
import time
from pathlib import Path

# The shim every program runs under (its frames are the grader's, not the student's).
BOOT = Path(__file__).resolve().parent.parent / "shim" / "boot.py"
READ_CHUNK = 1 << 16
MAX_DUMP = 1 << 16           # bytes of a stack dump (or of one event line) read at most
TRACEBACK_FRAMES = 3         # the student's innermost frames kept in a shortened traceback
HEADER = "Traceback (most recent call last):"
_DUMP_SILENCE = 0.05         # s without more of a stack dump that end it: it is written at once


class Capture:
    """Keeps the first and the last half of `limit` bytes and counts what falls in between."""

    def __init__(self, limit: int):
        self._head_max = limit // 2
        self._tail_max = limit - self._head_max
        self.head = bytearray()
        self.tail = bytearray()
        self.total = 0

    def add(self, data: bytes) -> None:
        self.total += len(data)
        room = self._head_max - len(self.head)
        if room > 0:
            self.head += data[:room]
            data = data[room:]
        if data:
            self.tail += data[-self._tail_max:] if self._tail_max else b""
            excess = len(self.tail) - self._tail_max
            if excess > 0:
                del self.tail[:excess]

    def text(self) -> str:
        omitted = self.total - len(self.head) - len(self.tail)
        head = self.head.decode("utf-8", "replace")
        tail = self.tail.decode("utf-8", "replace")
        if omitted:
            return f"{head}\n[... {omitted} bytes omitted ...]\n{tail}"
        return head + tail


def _boring(frame: list[str]) -> bool:
    """A frame of the boot shim, runpy, importlib or the threading machinery: not the student's."""
    match = re.match(r'  File "([^"]*)"', frame[0])
    name = match.group(1) if match else ""
    return (name in (str(BOOT), "<frozen runpy>") or name.endswith(("/runpy.py", "/threading.py"))
            or name.startswith("<frozen importlib"))


def shorten_traceback(output: str, workdir: str | Path | None = None) -> str | None:
    """The last Python traceback in `output`, shortened for a student: frames of the boot shim,
    runpy and the threading machinery dropped, the last few frames and the error line kept, and the
    sandbox directory removed from file names. None if there is no traceback."""
    start = output.rfind(HEADER)
    if start < 0:
        return None
    before = output[:start].rstrip("\n").rsplit("\n", 1)[-1]
    lines = output[start:].splitlines()
    frames: list[list[str]] = []
    i = 1
    while i < len(lines) and lines[i].startswith("  "):
        if lines[i].startswith('  File "'):
            frames.append([lines[i]])
        elif frames:
            frames[-1].append(lines[i])  # source line, carets, "[Previous line repeated ...]"
        i += 1
    error = lines[i] if i < len(lines) else ""
    kept = [f for f in frames if not _boring(f)][-TRACEBACK_FRAMES:]
    result = [before] if before.startswith("Exception in thread") else []
    result += [HEADER] + [line for frame in kept for line in frame] + [error]
    text = "\n".join(result)
    if workdir is not None:
        for prefix in {str(workdir), os.path.realpath(workdir)}:
            text = text.replace(f'"{prefix}/', '"').replace(f"'{prefix}/", "'")
    return text


def error_line(output: str) -> str | None:
    """The error line of the last Python traceback in `output` ("UnicodeEncodeError: 'ascii' codec
    ..."); None if there is no traceback."""
    shown = shorten_traceback(output)
    return None if shown is None else shown.rsplit("\n", 1)[-1].strip()


def drain(fd: int | None) -> bytes:
    """What a non-blocking pipe holds now (at most about MAX_DUMP bytes)."""
    data = b""
    while fd is not None and len(data) < MAX_DUMP:
        try:
            chunk = os.read(fd, READ_CHUNK)
        except (BlockingIOError, OSError):
            break
        if not chunk:
            break
        data += chunk
    return data


def read_dump(fd: int, patience: float) -> bytes:
    """A stack dump the boot writes to the non-blocking pipe `fd`: waits up to `patience` s for its
    start, then reads until a short silence."""
    dump = b""
    deadline = time.monotonic() + patience
    while True:
        wait = deadline - time.monotonic() if not dump else _DUMP_SILENCE
        if wait <= 0 or not select.select([fd], [], [], wait)[0]:
            return dump
        chunk = drain(fd)
        if not chunk:
            return dump
        dump += chunk


def main_thread_place(dump: str, workdir: Path) -> str | None:
    """From faulthandler's dump of all threads, the innermost frame of the main thread (the one that
    runs the boot) that lies in the student's files, as 'server.py line 9: while not ready:'."""
    prefixes = tuple({str(workdir) + "/", os.path.realpath(workdir) + "/"})
    for block in re.split(r"\n(?=(?:Current thread|Thread) 0x)", dump):
        frames = re.findall(r'File "([^"]*)", line (\d+) in', block)
        if not any(name == str(BOOT) for name, _ in frames):
            continue
        for name, line in frames:  # most recent call first
            prefix = next((p for p in prefixes if name.startswith(p)), None)
            if prefix is not None:
                return f"{name[len(prefix):]} line {line}" + _source_line(name, int(line))
        return None
    return None


def _source_line(path: str, number: int) -> str:
    """': <the stripped source line>' of the file, or '' if it cannot be read."""
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            source = next((text for i, text in enumerate(f, 1) if i == number), "").strip()
    except OSError:
        source = ""
    return f": {source}" if source else ""

"""What the kernel can tell about a student's server that the server itself does not say (Linux /proc).

The grader uses it to wait for the server instead of guessing how long it needs: until it has
accepted a connection, read what was sent to it, and finished everything that caused (no thread
running or waiting for a core).
"""
from __future__ import annotations

import os
import time
from typing import Callable, Iterator

from . import sockdiag

POLL = 0.002          # seconds between looks: the things waited for take milliseconds
IDLE_SAMPLES = 3      # looks in a row with no runnable thread that count as "done"


def server_end(port: int, peer_port: int) -> tuple[int, int] | None:
    """(receive queue, inode) of the server's socket for our connection; inode 0 means not accepted
    yet, None that there is no such connection."""
    try:
        end = sockdiag.server_queues(port, peer_port)
    except OSError:   # no netlink sock_diag (a container may forbid it): read the whole table
        return _server_end_in_table(port, peer_port)
    return None if end is None else (end[0], end[2])


def _server_end_in_table(port: int, peer_port: int) -> tuple[int, int] | None:
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(table) as f:
                next(f)
                for line in f:
                    fields = line.split()
                    local, remote = fields[1], fields[2]
                    if int(local.rsplit(":", 1)[1], 16) == port and int(remote.rsplit(":", 1)[1], 16) == peer_port:
                        return int(fields[4].split(":")[1], 16), int(fields[9])
        except (OSError, StopIteration, IndexError, ValueError):
            continue
    return None


def thread_files(pid: int, name: str) -> Iterator[bytes]:
    """The file /proc/PID/task/TID/`name` of every live thread of `pid` (threads that end
    meanwhile are skipped)."""
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return
    for tid in tasks:
        try:
            with open(f"/proc/{pid}/task/{tid}/{name}", "rb") as f:
                yield f.read()
        except OSError:
            continue


def runnable(pid: int) -> bool:
    """Whether a thread of process `pid` is running or waiting for a core (state R)."""
    return any(stat[stat.rfind(b")") + 2:][:1] == b"R" for stat in thread_files(pid, "stat"))


def wait_until(done: Callable[[], bool], timeout: float, alive: Callable[[], bool] = lambda: True) -> bool:
    deadline = time.monotonic() + timeout
    while not done():
        if time.monotonic() >= deadline or not alive():
            return False
        time.sleep(POLL)
    return True


def wait_accepted(port: int, peer_port: int, timeout: float, alive: Callable[[], bool] = lambda: True) -> bool:
    def done() -> bool:
        end = server_end(port, peer_port)
        return end is None or end[1] != 0
    return wait_until(done, timeout, alive)


def wait_idle(pid: int, timeout: float) -> bool:
    """Until no thread of the server has had anything to do for a few looks in a row."""
    quiet = 0

    def done() -> bool:
        nonlocal quiet
        quiet = 0 if runnable(pid) else quiet + 1
        return quiet >= IDLE_SAMPLES
    return wait_until(done, timeout)

"""Bounded waits: in slices, ending early when a stop-early callable says nothing more can happen.

Below the harness and the policy: peer, sandbox and harness wait through here, and whoever builds
them hands in the stop-early callable (grader.quiescence.stuck, bound to a server), so this module
knows nothing of what "stuck" means. The kernel waits (a connection accepted, a process idle) poll
grader.kernel.
"""
from __future__ import annotations

import time
from typing import Callable, TypeVar

from .kernel import tcp
from .kernel.procfs import runnable

FIRST_LOOK = 0.02     # s: a wait first runs this long as it always did (most things arrive by then)
LOOK_EVERY = 0.01     # s between asking stop_early() while the awaited thing may still come
POLL = 0.002          # s between looks at the kernel: the things waited for take milliseconds
IDLE_SAMPLES = 3      # looks in a row with no runnable thread that count as "done"

T = TypeVar("T")


def wait(real_wait: Callable[[float], T], finished: Callable[[T], bool], timeout: float,
         stop_early: Callable[[], bool] | None) -> T:
    """real_wait(t) in slices until finished(its result) or `timeout`; after FIRST_LOOK, ends early
    (with one last real_wait(0)) once stop_early() says nothing more can happen. Returns the last
    result."""
    if stop_early is None or timeout <= FIRST_LOOK:
        return real_wait(timeout)
    deadline = time.monotonic() + timeout
    result = real_wait(FIRST_LOOK)
    while not finished(result):
        left = deadline - time.monotonic()
        if left <= 0 or stop_early():
            return real_wait(0)
        result = real_wait(min(left, LOOK_EVERY))
    return result


def poll_until(done: Callable[[], bool], timeout: float, alive: Callable[[], bool] = lambda: True) -> bool:
    """Look at done() every POLL s until it holds (True), `timeout` passes or alive() fails (False)."""
    deadline = time.monotonic() + timeout
    while not done():
        if time.monotonic() >= deadline or not alive():
            return False
        time.sleep(POLL)
    return True


def wait_accepted(port: int, peer_port: int, timeout: float, alive: Callable[[], bool] = lambda: True) -> bool:
    """Until the server on `port` has accepted our connection from `peer_port` (or it is gone)."""
    def done() -> bool:
        end = tcp.connection(port, peer_port)
        return end is None or end.inode != 0
    return poll_until(done, timeout, alive)


def wait_idle(pid: int, timeout: float) -> bool:
    """Until no thread of process `pid` has had anything to do for a few looks in a row."""
    quiet = 0

    def done() -> bool:
        nonlocal quiet
        quiet = 0 if runnable(pid) else quiet + 1
        return quiet >= IDLE_SAMPLES
    return poll_until(done, timeout)

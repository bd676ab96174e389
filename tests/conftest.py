"""Session-wide guard: when the whole test run ends, no process started by the grader is alive.

Every process started from here on carries SESSION_MARK in its environment (the sandbox hands the
grader's environment on to the student's programs), so the guard looks only at this run's processes
and not at those of someone else grading on the same machine.
"""
import os
import signal
import time
import uuid
from pathlib import Path

import pytest

SESSION_MARK = "GRADER_TEST_SESSION"
BOOT = "grader/shim/boot.py"
SANDBOX_MARK = "GRADER_SANDBOX"   # grader.sandbox.SANDBOX_MARK: set for every sandboxed program


def marked_processes(mark: str, value: str, sandboxed_only: bool = False) -> list[tuple[int, str]]:
    """(pid, command line) of every live process whose environment holds mark=value; with
    sandboxed_only, only those the grader's sandbox started: they run the boot shim, or carry the
    sandbox's mark (a `sleep` started by a student's program does)."""
    needle = f"{mark}={value}".encode()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            if (entry / "stat").read_bytes().rsplit(b")", 1)[1].split()[0] in (b"Z", b"X"):
                continue
            environ = (entry / "environ").read_bytes().split(b"\0")
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode("utf-8", "replace")
        except (OSError, IndexError):
            continue
        if needle not in environ:
            continue
        if sandboxed_only and BOOT not in cmdline and not any(v.startswith(f"{SANDBOX_MARK}=".encode()) for v in environ):
            continue
        found.append((int(entry.name), cmdline))
    return found


def survivors(mark: str, value: str, sandboxed_only: bool = False, grace: float = 1.0) -> list[tuple[int, str]]:
    """The marked processes still alive after `grace` seconds (a process SIGKILLed a moment ago may not
    have turned into a zombie yet); kills them by pid, so that one leak fails one test, not every later one."""
    deadline = time.monotonic() + grace
    while True:
        left = marked_processes(mark, value, sandboxed_only)
        if not left or time.monotonic() >= deadline:
            break
        time.sleep(0.05)  # /proc has no event to wait on
    for pid, _ in left:
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
    return left


@pytest.fixture(scope="session", autouse=True)
def no_grader_process_outlives_the_tests():
    value = uuid.uuid4().hex
    os.environ[SESSION_MARK] = value
    yield
    left = survivors(SESSION_MARK, value, sandboxed_only=True)
    assert not left, f"processes started by the grader are still alive after the tests: {left}"

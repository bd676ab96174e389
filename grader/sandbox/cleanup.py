"""Leaving nothing behind: every process a program started is found and killed, its folder removed.

A program's processes are found three ways, so that one that hides from one is found by another:
its process group, its session (/proc), and the mark in the environment it inherited.
"""
from __future__ import annotations

import os
import shutil
import signal
import stat
import time
from pathlib import Path

from ..kernel import procfs

# Set to the working copy's path in every program's environment, which its processes inherit.
SANDBOX_MARK = "GRADER_SANDBOX"
KILL_PATIENCE = 3.0        # s kill_all() goes on killing a program that keeps forking
_KILL_LOOK_EVERY = 0.005   # killed processes take a moment to turn into zombies


def session_processes(sid: int) -> list[int]:
    """Pids of the live (not zombie) processes of session `sid`."""
    return procfs.session_processes(sid)


def marked_processes(mark: str) -> list[int]:
    """Pids of the live processes whose environment holds SANDBOX_MARK=mark: every process a program
    started, even one that left the session with setsid(), unless it replaced its environment."""
    return procfs.processes_with_env(SANDBOX_MARK, mark)


def kill_all(leader: int, mark: str, leader_reaped: bool) -> None:
    """SIGKILL the process group of `leader` (the session leader), every live process of its
    session and every process that carries `mark` (one that left the session), until none is left
    or KILL_PATIENCE has passed."""
    deadline = time.monotonic() + KILL_PATIENCE
    first = True
    while True:
        session = session_processes(leader)
        members = sorted(set(session) | set(marked_processes(mark)))
        # While the leader is unreaped, or any process of its session lives, the number cannot
        # have been reused, so signalling the group is safe.
        if first and not leader_reaped or session:
            try:
                os.killpg(leader, signal.SIGKILL)
            except OSError:
                pass
        first = False
        for pid in members:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        if not members or time.monotonic() > deadline:
            return
        time.sleep(_KILL_LOOK_EVERY)   # a forking one may have made more meanwhile


def remove_tree(path: Path) -> None:
    """Remove a working copy, read-only parts included; never raises, never follows a link out."""
    def make_writable_and_retry(function, name, _exc_info):
        # Student code may have made files or directories read-only (root ignores that anyway).
        try:
            os.chmod(os.path.dirname(name), stat.S_IRWXU)
            if not os.path.islink(name):
                os.chmod(name, stat.S_IRWXU)
            function(name)
        except OSError:
            pass
    try:
        shutil.rmtree(path, onerror=make_writable_and_retry)
    except Exception:
        pass

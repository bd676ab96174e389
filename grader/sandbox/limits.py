"""What a sandboxed program may use, and the one limit the grader enforces from outside: its folder;
and the environment it gets (nothing of the teacher's but what a terminal needs).

The boot (grader/shim/boot.py) sets the rlimits in the child from a Limits; the watchdog of
grader.sandbox.process measures the working copy (disk_usage) every DISK_POLL s.
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from ..messages import Msg
from .cleanup import SANDBOX_MARK

# How often the watchdog looks at the working copy's size: a program writing as fast as it can
# overshoots the disk limit by what it writes in this time.
DISK_POLL = 0.25
# A working copy unchanged for this long has stopped growing (Program.wait_disk_settled).
DISK_SETTLE = 1.0


@dataclass(frozen=True)
class Limits:
    wall_seconds: float = 30.0        # watchdog: the whole process group is SIGKILLed after this
    cpu_seconds: int = 20             # RLIMIT_CPU (SIGXCPU at the limit, SIGKILL a second later)
    # RLIMIT_AS, per process. 200 threads take 330 MiB; a grading runs up to five servers at once,
    # so a class graded with -j N may hold 5 * N times this much.
    memory_bytes: int = 512 << 20
    open_files: int = 512             # RLIMIT_NOFILE
    file_size: int = 16 << 20         # RLIMIT_FSIZE
    processes: int = 64               # processes of the session (shim) and RLIMIT_NPROC (not for root)
    output_bytes: int = 256 << 10     # captured output kept (head + tail); the rest is counted only
    disk_bytes: int = 64 << 20        # the working copy may grow by this much...
    disk_files: int = 2000            # ...and hold this many entries, or the program is killed


def disk_usage(workdir: Path, limits: Limits) -> tuple[int, int]:
    """(entries, bytes) of the working copy. Symbolic links are not followed, and the walk stops as
    soon as a limit is passed, so a folder of a million files costs no more than the limit."""
    count = size = 0
    todo = [str(workdir)]
    while todo:
        try:
            with os.scandir(todo.pop()) as entries:
                for entry in entries:
                    count += 1
                    if count > limits.disk_files:
                        return count, size
                    if entry.is_dir(follow_symlinks=False):
                        todo.append(entry.path)
                    elif entry.is_file(follow_symlinks=False):
                        # Blocks really used: a sparse file costs nothing.
                        size += entry.stat(follow_symlinks=False).st_blocks * 512
                        if size > limits.disk_bytes:
                            return count, size
        except OSError:
            continue  # removed while we looked: what is gone takes no room
    return count, size


def disk_excess(usage: tuple[int, int], limits: Limits) -> str | None:
    """The limit a disk_usage() is over ("disk_files" or "disk_bytes"), or None."""
    count, size = usage
    return "disk_files" if count > limits.disk_files else "disk_bytes" if size > limits.disk_bytes else None


def disk_message(excess: str, limits: Limits) -> Msg:
    """Why the grader killed a program over the disk limit `excess`, for the student."""
    if excess == "disk_files":
        return Msg("sandbox.killed.disk_files", limit=limits.disk_files)
    return Msg("sandbox.killed.disk_bytes", mib=limits.disk_bytes >> 20)


def cpu_message(limits: Limits) -> Msg:
    """Why a program that the CPU limit ended (SIGXCPU) is gone, for the student."""
    return Msg("sandbox.cpu_limit", seconds=limits.cpu_seconds)


_ENV_KEPT = {"PATH", "LANG", "LANGUAGE", "TERM", "TZ"}


def environment(workdir: Path, config: dict) -> dict[str, str]:
    """Only what a program needs from a terminal: the teacher's environment may hold tokens and
    passwords. GRADER_* variables pass, so that a test can mark what a grading starts."""
    env = {k: v for k, v in os.environ.items()
           if k in _ENV_KEPT or k.startswith(("LC_", "GRADER_"))}
    env.update(
        PYTHONUNBUFFERED="1", PYTHONIOENCODING="utf-8", PYTHONDONTWRITEBYTECODE="1",
        # Same set iteration order on every run, so grading twice gives the same verdicts.
        PYTHONHASHSEED="0",
        # glibc gives each thread its own 64 MiB malloc arena of address space; with RLIMIT_AS
        # at 1 GiB a server with a few dozen threads would die of reservations, not of use.
        MALLOC_ARENA_MAX="2",
        TMPDIR=str(workdir),
        # "~/chat_log.txt" and Path.home() land in the copy too, and are removed with it.
        HOME=str(workdir),
        **{SANDBOX_MARK: str(workdir)},
        GRADER_SHIM=json.dumps(config),
    )
    return env

"""Which Python runs a student's programs: the grader's own, the one `--python PATH` names, or, for
code that needs a newer one than the grader's, a newer one found on PATH.

A candidate counts only once it has really run and said its version: on a machine with pyenv,
`python3.12` on PATH is often a shim that refuses to run (the global version is another one), and
any program can hang. Answers are memoized per path for the life of the grader.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from functools import lru_cache

from .messages import Msg, MsgError

NEWER_NAMES = ("python3.12", "python3.13", "python3.14")   # looked for on PATH, oldest first
OLDEST = (3, 10)        # the boot shim (grader/shim/boot.py) needs this much
PROBE_TIMEOUT = 10.0    # s for a candidate to start and say its version (a loaded machine is slow)
_VERSION = "import sys; print(*sys.version_info[:2])"


class PythonError(MsgError):
    """`--python PATH` names no Python the grader can use; `msg` says why, in one line."""


@dataclass(frozen=True)
class Python:
    path: str                    # absolute, or the grader's own sys.executable
    version: tuple[int, int]

    @property
    def label(self) -> str:
        return version_label(self.version)

    @property
    def own(self) -> bool:
        """The grader's own interpreter (programs run with it compile in-process)."""
        return self.path == sys.executable


GRADERS = Python(sys.executable, tuple(sys.version_info[:2]))


def version_label(version: tuple[int, int]) -> str:
    return ".".join(map(str, version))


@lru_cache(maxsize=None)
def probe(path: str) -> Python | None:
    """The Python at `path`, if it runs and says its version within PROBE_TIMEOUT; else None."""
    try:
        done = subprocess.run([path, "-I", "-S", "-c", _VERSION], capture_output=True, timeout=PROBE_TIMEOUT,
                              stdin=subprocess.DEVNULL)
        major, minor = map(int, done.stdout.split())
    except (OSError, subprocess.SubprocessError, ValueError):
        return None
    return Python(os.path.abspath(path), (major, minor)) if done.returncode == 0 else None


def given(path: str) -> Python:
    """The Python `--python PATH` names (a path, or a command found on PATH); PythonError if it does
    not run, or is older than the boot shim needs."""
    found = shutil.which(path) if os.sep not in path else path
    python = probe(found) if found else None
    if python is None:
        raise PythonError(Msg("python.unusable", path=path))
    if python.version < OLDEST:
        raise PythonError(Msg("python.too_old", path=path, version=python.label, oldest=version_label(OLDEST)))
    return python


def newer(needed: tuple[int, int]) -> Python | None:
    """The oldest of NEWER_NAMES on PATH that runs and is at least `needed`, or None."""
    for name in NEWER_NAMES:
        found = shutil.which(name)
        python = probe(found) if found else None
        if python is not None and python.version >= tuple(needed):
            return python
    return None

"""The facts about the submission's code that checks and scenarios use, read in this one place.

Everything here asks grader.static (or the source text) once per grading; the checks judge the
record (grader.observations.SourceFacts), never the code. grader/source.py is to give these facts
from one reader of student code: swap the calls here for it.
"""
from __future__ import annotations

import re
import sys

from . import static
from .messages import Msg
from .observations import CompileError, SourceFacts
from .submission import Submission

PYTHON = f"{sys.version_info.major}.{sys.version_info.minor}"
SELECT = re.compile(r"\bselect\b|asyncio|selectors")


def _starts_threads(text: str) -> bool:
    return bool(static.THREADING.search(text) and static.THREADS.search(text))


def read_source(sub: Submission) -> SourceFacts:
    server = sub.server_source
    return SourceFacts(
        imports_socket=any(static.SOCKET.search(text) for text in sub.sources.values()),
        server_threads=_starts_threads(server),
        client_threads=_starts_threads(sub.client_source),
        server_select=bool(SELECT.search(server)),
        reads_keyboard="input(" in server,
        announces_only_on_reset=static.announces_only_on_reset(server),
    )


def compile_error(sub: Submission, problem: str) -> CompileError:
    """The compiler's complaint about the server, with where it is in a report and a newer-Python hint."""
    origin = sub.origins.get(sub.server.script)
    at = re.search(r" line (\d+):", problem)
    line = origin.first_line + int(at[1]) - 1 if origin and at and origin.first_line else None
    newer = static.newer_syntax(sub.server_source) if "SyntaxError" in problem else None
    return CompileError(problem=problem, origin=origin.msg if origin else None, line=line,
                        newer=newer if isinstance(newer, Msg) else None, python=PYTHON)


def client_names_port(sub: Submission, port: int) -> bool:
    """Whether the client's code has `port` as a number of its own (the chat's, of several the server opens)."""
    return bool(re.search(rf"\b{port}\b", sub.client_source))

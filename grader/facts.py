"""The facts about the submission's code that checks and scenarios use, gathered in this one place.

They come from grader.source, the one reader of student code (computed once per file); the checks
judge the record (grader.observations.SourceFacts), never the code.
"""
from __future__ import annotations

import re
import sys

from .messages import Msg
from .observations import CompileError, SourceFacts
from .submission import Submission

PYTHON = f"{sys.version_info.major}.{sys.version_info.minor}"


def read_source(sub: Submission) -> SourceFacts:
    server, client = sub.server_facts, sub.client_facts
    return SourceFacts(
        imports_socket=any(sub.facts(script).imports_socket for script in sub.sources),
        server_threads=bool(server.threads),
        client_threads=bool(client.threads),
        server_select=server.multiplexes,
        reads_keyboard=server.calls_input,
        announces_only_on_reset=server.announces_only_on_reset,
    )


def compile_error(sub: Submission, problem: str) -> CompileError:
    """The compiler's complaint about the server, with where it is in a report and a newer-Python hint."""
    origin = sub.origins.get(sub.server.script)
    at = re.search(r" line (\d+):", problem)
    line = origin.first_line + int(at[1]) - 1 if origin and at and origin.first_line else None
    newer = sub.server_facts.newer_syntax if "SyntaxError" in problem else None
    return CompileError(problem=problem, origin=origin.msg if origin else None, line=line,
                        newer=Msg(newer) if newer else None, python=PYTHON)


def client_names_port(sub: Submission, port: int) -> bool:
    """Whether the client's code has `port` as a number of its own (the chat's, of several the server opens)."""
    return str(port) in sub.client_facts.words

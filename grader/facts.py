"""The facts about the submission's code that checks and scenarios use, gathered in this one place.

They come from grader.source, the one reader of student code (computed once per file); the checks
judge the record (grader.observations.SourceFacts), never the code.
"""
from __future__ import annotations

import re

from . import interpreters, source
from .interpreters import Python
from .messages import Msg
from .observations import CompileError, SourceFacts
from .submission import Submission


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


def compile_error(sub: Submission, problem: str, python: Python = interpreters.GRADERS) -> CompileError:
    """The compiler's complaint about the server under `python`, with where it is in a report and,
    for syntax a newer Python has, that Python's version."""
    origin = sub.origins.get(sub.server.script)
    at = re.search(r" line (\d+):", problem)
    line = origin.first_line + int(at[1]) - 1 if origin and at and origin.first_line else None
    newer = source.newer_than(sub.server_facts, python.version) if "SyntaxError" in problem else None
    return CompileError(problem=problem, origin=origin.msg if origin else None, line=line,
                        newer=Msg(newer[0]) if newer else None, python=python.label,
                        needed=interpreters.version_label(newer[1]) if newer else "")


def client_names_port(sub: Submission, port: int) -> bool:
    """Whether the client's code has `port` as a number of its own (the chat's, of several the server opens)."""
    return str(port) in sub.client_facts.words

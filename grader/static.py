"""Checks that read the submission's code without running it."""
from __future__ import annotations

import ast
import re
import sys

from .messages import Msg
from .submission import Submission
from .verdict import Verdict, fail, ok

SOCKET = re.compile(r"^\s*(import\s+socket\b|from\s+socket\s+import\b|import\s+socketserver\b|from\s+socketserver\s+import\b)", re.M)
THREADS = re.compile(r"\bThread\s*\(|start_new_thread\s*\(|ThreadingMixIn|ThreadingTCPServer|ThreadingUDPServer|ThreadPoolExecutor")
THREADING = re.compile(r"^\s*(import\s+(threading|_thread)\b|from\s+(threading|_thread|concurrent\.futures)\s+import\b)", re.M)


def uses_socket(sub: Submission) -> Verdict:
    if any(SOCKET.search(text) for text in sub.sources.values()):
        return ok()
    return fail(Msg("socket.missing"))


def uses_threading(sub: Submission, transport: str) -> Verdict:
    server, client = sub.server_source, sub.client_source
    def threads(text: str) -> bool:
        return bool(THREADING.search(text) and THREADS.search(text))
    if threads(server):
        return ok()
    if transport == "udp" and threads(client):
        return ok(Msg("threads.udp_client"))
    if threads(client):
        return fail(Msg("threads.client_only"))
    if re.search(r"\bselect\b|asyncio|selectors", server):
        return fail(Msg("threads.select"))
    return fail(Msg("threads.none"))


# Syntax a student's newer Python accepts and the grader's may not: (pattern, what it is, since).
NEWER_SYNTAX = [
    (re.compile(r"^\s*type\s+\w+(\[.*\])?\s*=", re.M), "syntax.type", (3, 12)),
    (re.compile(r"^\s*(def|class)\s+\w+\[", re.M), "syntax.generic", (3, 12)),
    (re.compile(r"f(['\"]).*\{[^}]*\1[^}]*\}.*\1"), "syntax.fstring", (3, 12)),
    (re.compile(r"^\s*except\s*\*", re.M), "syntax.except_star", (3, 11)),
    (re.compile(r"^\s*match\s+.+:\s*$", re.M), "syntax.match", (3, 10)),
]


def newer_syntax(source: str) -> Msg | None:
    """The newer-Python construct that probably keeps `source` from compiling here, if any."""
    for pattern, key, since in NEWER_SYNTAX:
        if sys.version_info < since and pattern.search(source):
            return Msg(key)
    return None


RESET_ERRORS = {"ConnectionResetError", "ConnectionAbortedError"}
ANNOUNCE = re.compile(r"send|broadcast|notify|рассыл|отправ", re.I)


def announces_only_on_reset(source: str) -> bool:
    """Whether the code tells others about a leave inside `except ConnectionResetError` (which Windows
    raises when a client closes, while Linux just returns b'' from recv)."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return False
    for node in ast.walk(tree):
        if isinstance(node, ast.ExceptHandler) and node.type is not None:
            caught = {n.id if isinstance(n, ast.Name) else getattr(n, "attr", "") for n in ast.walk(node.type)}
            if caught & RESET_ERRORS and any(
                    isinstance(call, ast.Call) and ANNOUNCE.search(ast.unparse(call.func))
                    for stmt in node.body for call in ast.walk(stmt)):
                return True
    return False

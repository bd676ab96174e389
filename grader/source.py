"""The one reader of student code: what a file's code says, computed once per file as a `Facts` record.

Nobody else in the grader looks inside student code. The API:
- `facts(text) -> Facts`, memoized on the text (`Submission.facts(script)`, `.server_facts` and
  `.client_facts` ask it), so a file seen by the folder sorter, the loader, the dialect guesser and
  the checks is read once;
- `Facts.role(label)`: "server", "client", "both" (dual mode) or None, a label breaking ties;
- `compile_error(folder, script, python)`: whether the file's bytes compile (here, or under another
  interpreter), as one line; `newer_than(facts, version)`: the construct a Python lacks;
- `NAME_WORDS`, for text that is not code (a server's greeting) read by the same rule.

Two kinds of facts sit side by side:
- the facts today's verdicts rest on (`imports_socket`, `multiplexes`, `line_framing`,
  `mentions_names`, `calls_input`, `takes_name_arg`, the role bits, `compared`, `leave_words`,
  `private_format`, `newer_syntax`, ...) are computed exactly as the verdicts always computed them,
  mostly from the text, so a verdict does not change with whether the code parses. Their blind spots
  stay until a verdict is meant to change: `import json, socket` is not `imports_socket`;
- the richer facts (`imports`, `threads`, `multiplexing`, `framing`, `name_prompts`, `keyboard`,
  `input_prompts`, `role_answers`, `role_choices`, `argv_indexes`, `private_prefixes`, `port_literals`,
  `wire_forms`, `keys_read`, ...) come
  from the AST when the code parses (`parsed`), and from the text when it does not; they see those.
  `threads` is the first of them a verdict rests on (uses_threading, for a server that did not run).

To add a fact: a field on `Facts`, and the line that fills it (in `_read()`, or for a richer fact in
both readers of grader.source_readers); tests/test_source.py wants a row for it.
"""
from __future__ import annotations

import ast
import json
import re
import subprocess
import sys
import warnings
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from . import source_readers, source_text

CACHE_FILES = 256   # texts whose facts are kept: a grading asks for a file's facts again within seconds
COMPILE_TIMEOUT = 10.0   # s for another interpreter to compile one file

# -- the rules today's verdicts rest on --------------------------------------------------------

SOCKET = re.compile(r"^\s*(import\s+socket\b|from\s+socket\s+import\b|import\s+socketserver\b|from\s+socketserver\s+import\b)", re.M)
MULTIPLEXING = re.compile(r"\bselect\b|asyncio|selectors")
TCP_SERVER_CODE = re.compile(r"\.listen\s*\(|\.accept\s*\(|create_server\s*\(|socketserver")
CLIENT_CODE = re.compile(r"\.connect\s*\(|create_connection\s*\(|\.sendto\s*\(")
SERVER_WORDS = re.compile(r"сервер|server", re.I)   # in a label: a file name or a heading
CLIENT_WORDS = re.compile(r"клиент|client", re.I)
LEAVE_WORD = re.compile(r"^[/!.:\\]?(exit|quit|q|leave|bye|logout|disconnect|close|stop|выход|выйти|пока|стоп)$", re.I)
LEAVE_NAMES = re.compile(r"exit|quit|leave|выход", re.I)   # LEAVE = ".q" style constants
PRIVATE_PREFIXES = ("/msg", "/w", "/pm", "/private", "/whisper", "/tell")
PRIVATE_AT = re.compile(r"\[\s*0\s*\]\s*==\s*['\"]@['\"]|startswith\(\s*['\"]@")
# Prefixes of a private message among the strings compared or split on: "/to", "PM", "@", "/лс"...
PRIVATE_WORD = re.compile(r"^[/!\\]?(to|msg|w|pm|dm|private|priv|whisper|tell|direct|лс|личн\w*|приват\w*)$|^@$", re.I)
PROTOCOL_WORD = re.compile(r"[A-Z][A-Z_]+[: |]?")
# A program that asks for a user's name says so somewhere (`name = input(...)`, a prompt, a NICK keyword).
NAME_WORDS = re.compile(r"\b(name|nick|nickname|username|login|имя|ник|никнейм|логин|зовут)\b", re.I)
# A client whose code never reads its stdin cannot be seen waiting for typing (dialect learning).
READS_STDIN = re.compile(r"\binput\s*\(|\bstdin\b|fileinput|os\.read\s*\(\s*0\b")
LINE_FRAMING = re.compile(r"readline\s*\(|makefile\s*\(|split\s*\(\s*['\"]\\n['\"]|['\"]\\n['\"]\s+in\b|splitlines\s*\(")
NAME_ARG = re.compile(r"argv\s*\[\s*2\s*\]|add_argument\(\s*['\"](name|nick|username)['\"]", re.I)
COMPARED_TEXT = re.compile(r"==\s*['\"]([^'\"\s]{1,12})['\"]")
DEFINED = re.compile(r"^(?:def|class)\s+(\w+)|^(\w+)\s*=", re.M)
WORD = re.compile(r"\w+")
RESET_ERRORS = {"ConnectionResetError", "ConnectionAbortedError"}
ANNOUNCE = re.compile(r"send|broadcast|notify|рассыл|отправ", re.I)

# Syntax newer Pythons accept: (pattern, message key, the version that brought it). Read from the text
# (code using it does not parse on an older Python), whatever Python the grader runs.
NEWER_SYNTAX = [
    (re.compile(r"^\s*type\s+\w+(\[.*\])?\s*=", re.M), "syntax.type", (3, 12)),
    (re.compile(r"^\s*(def|class)\s+\w+\[", re.M), "syntax.generic", (3, 12)),
    (re.compile(r"f(['\"]).*\{[^}]*\1[^}]*\}.*\1"), "syntax.fstring", (3, 12)),
    (re.compile(r"^\s*except\s*\*", re.M), "syntax.except_star", (3, 11)),
    (re.compile(r"^\s*match\s+.+:\s*$", re.M), "syntax.match", (3, 10)),
]


@dataclass(frozen=True)
class Facts:
    """What one file's code says. Tuples keep source order; frozensets are sets."""
    parsed: bool                        # the richer facts come from the AST (else from the text)
    # what it is
    listens: bool                       # TCP server code: listen/accept/create_server/socketserver
    binds_to_receive: bool              # .bind and .recvfrom (a UDP server; or a UDP client that binds)
    connects: bool                      # .connect/create_connection/.sendto
    both_modes: bool                    # 'server' and 'client' modes chosen by argv/argparse
    transport: str                      # "udp" with SOCK_DGRAM and no SOCK_STREAM, else "tcp"
    # imports and concurrency
    imports: frozenset[str]             # modules imported, dotted ("concurrent.futures")
    imports_socket: bool                # a line imports socket or socketserver (the uses_socket rule)
    says_import_socket: bool            # the text "import socket" anywhere (the split-report rule)
    threads: frozenset[str]             # how threads are started: source_readers.THREAD_KINDS (what
                                        # uses_threading falls back to for a server it could not run)
    multiplexes: bool                   # mentions select/selectors/asyncio (the uses_threading rule)
    multiplexing: frozenset[str]        # of select/selectors/asyncio, those imported or called
    # framing
    line_framing: bool                  # reads lines (the dialect-guess rule)
    framing: frozenset[str]             # "lines", "length_prefix", "json"
    # names, keyboard, command line
    mentions_names: bool                # NAME_WORDS somewhere (the dialect rule: it asks for a name)
    name_prompts: tuple[str, ...]       # strings that ask for a name ("Введите имя: ", "alias?")
    calls_input: bool                   # the text "input(" (the rule for a console program)
    reads_stdin: bool                   # input(), stdin, fileinput, os.read(0): it can wait for typing
    keyboard: frozenset[str]            # "input", "sys.stdin"
    input_prompts: tuple[str, ...]      # the prompts input() is called with
    role_prompts: tuple[str, ...]       # prompts that ask "server or client?"
    role_answers: tuple[str, ...]       # what the answer to such a prompt is compared with
    role_choices: tuple[tuple[str, str], ...]  # (answer, "server"/"client"): what to type for a role
    takes_name_arg: bool                # argv[2] or add_argument("name") (the dual-mode rule)
    argv_indexes: frozenset[int]        # N of every sys.argv[N]
    argparse_names: tuple[str, ...]     # names given to add_argument ("name", "--port")
    # commands
    compared: tuple[str, ...]           # strings the input is compared with (==, in, startswith)
    split_on: tuple[str, ...]           # separators the code splits or partitions on
    leave_words: tuple[str, ...]        # of `compared`, those that look like a leave command
    interrupt_sends: tuple[str, ...]    # strings sent from `except KeyboardInterrupt`
    private_format: str                 # the private-message syntax the dialect assumes
    private_found: bool                 # ... found in the code (not the default guess)
    private_prefixes: tuple[str, ...]   # every private-looking prefix compared or split on
    protocol_words: tuple[str, ...]     # upper-case keywords compared with ("LOGIN ", "NICK:", "MSG")
    wire_forms: tuple[str, ...]         # short str or bytes constants compared with or started with, as
                                        # they are ("LOGIN ", "NICK:", "msg"): the forms a protocol may take
    keys_read: tuple[str, ...]          # string keys read from mappings (msg["type"], obj.get("text"))
    name_prefix: str | None             # what a client writes before each message ("{name}: "), from the AST
    menu: tuple[tuple[str, str], ...]   # a console menu's options, from the AST: ("1", "message"), ("2",
                                        # "private"), ("3", "leave") (source_readers._menu)
    enter_first: int                    # input()s whose answer is thrown away before the first kept ("Press
                                        # Enter to connect"), from the AST: Enter is pressed that often first
    secrets: tuple[str, ...]            # words a value must equal (==, !=), from the AST: a password the
                                        # handshake may want before the name
    # numbers and names
    port_literals: frozenset[int]       # ints given to bind/connect/sendto or assigned to PORT-likes
    words: frozenset[str]               # every \w+ run of the text (a word search without a regex)
    definitions: frozenset[str]         # names a line defines at column 0 (def, class, NAME =)
    # failures foretold
    newer_syntax: tuple[tuple[str, tuple[int, int]], ...]   # constructs of newer Pythons the code seems
                                        # to use: (message key, version), newest first
    announces_only_on_reset: bool       # tells others of a leave only in `except ConnectionResetError`

    @property
    def serves(self) -> bool:
        # A UDP client rarely binds, a UDP server always does.
        return self.listens or self.binds_to_receive

    def role(self, label: str = "") -> str | None:
        """"server", "client", "both" (dual mode) or None; `label` (a file name or a heading) breaks
        ties that the code leaves open, such as a UDP client that binds a port to receive on."""
        if self.serves and self.connects and self.both_modes:
            return "both"
        says_server, says_client = bool(SERVER_WORDS.search(label)), bool(CLIENT_WORDS.search(label))
        if self.serves and not self.listens and says_client and not says_server:
            return "client"
        if self.serves:
            return "server"
        return "client" if self.connects else None


@lru_cache(maxsize=CACHE_FILES)
def facts(text: str) -> Facts:
    """The facts of one file's code (memoized on the text)."""
    tree = _parse(text)
    try:
        return _read(text, tree)
    except RecursionError:   # a tree that parses but is too deep to walk: read it as text
        return _read(text, None)


def _read(text: str, tree: ast.Module | None) -> Facts:
    richer = source_text.from_text(text) if tree is None else source_readers.from_tree(tree)
    compared = tuple(_strings_compared(text, tree))
    private_format, private_found = _private_syntax(text, compared)
    commands = [s.strip() for s in compared + richer["split_on"]]
    quoted = text.replace('"', "'")
    return Facts(
        parsed=tree is not None,
        listens=bool(TCP_SERVER_CODE.search(text)),
        binds_to_receive=".bind" in text and ".recvfrom" in text,
        connects=bool(CLIENT_CODE.search(text)),
        both_modes=bool(re.search(r"argv|argparse", text)) and "'server'" in quoted and "'client'" in quoted,
        transport="udp" if "SOCK_DGRAM" in text and "SOCK_STREAM" not in text else "tcp",
        imports_socket=bool(SOCKET.search(text)),
        says_import_socket="import socket" in text,
        multiplexes=bool(MULTIPLEXING.search(text)),
        line_framing=bool(LINE_FRAMING.search(text)),
        mentions_names=bool(NAME_WORDS.search(text)),
        calls_input="input(" in text,
        reads_stdin=bool(READS_STDIN.search(text)),
        takes_name_arg=bool(NAME_ARG.search(text)),
        compared=compared,
        leave_words=tuple(dict.fromkeys([o for o, kind in richer["menu"] if kind == "leave"]
                                        + [w for w in (s.strip() for s in compared) if LEAVE_WORD.match(w)])),
        private_format=private_format,
        private_found=private_found,
        private_prefixes=tuple(dict.fromkeys(w for w in commands if PRIVATE_WORD.match(w))),
        protocol_words=tuple(dict.fromkeys(w for w in compared if PROTOCOL_WORD.fullmatch(w))),
        words=frozenset(WORD.findall(text)),
        definitions=frozenset(a or b for a, b in DEFINED.findall(text)),
        newer_syntax=_newer_syntax(text),
        announces_only_on_reset=tree is not None and _announces_only_on_reset(tree),
        **richer,
    )


def _parse(text: str) -> ast.Module | None:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")   # a student's SyntaxWarnings are not the grader's to print
            return ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError, OverflowError):
        return None


def _strings_compared(text: str, tree: ast.Module | None) -> list[str]:
    """String constants a program compares its input with (==, in, startswith), in source order,
    also through a module-level name (DISCONNECT_MESSAGE = "!DISCONNECT")."""
    if tree is None:
        return COMPARED_TEXT.findall(text)
    found: list[tuple[int, str]] = []
    named = {t.id: n.value.value for n in tree.body if isinstance(n, ast.Assign) and isinstance(n.value, ast.Constant)
             and isinstance(n.value.value, str) for t in n.targets if isinstance(t, ast.Name)}

    def add(node: ast.AST) -> None:
        for sub in ast.walk(node):
            if isinstance(sub, ast.Constant) and isinstance(sub.value, str):
                found.append((sub.lineno, sub.value))
            elif isinstance(sub, ast.Name) and sub.id in named:
                found.append((sub.lineno, named[sub.id]))

    for node in ast.walk(tree):
        if isinstance(node, ast.Compare):
            for comp in [node.left, *node.comparators]:
                add(comp)
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in ("startswith", "endswith"):
            for arg in node.args:
                add(arg)
        elif isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
            names = [t.id for t in node.targets if isinstance(t, ast.Name)]
            if any(LEAVE_NAMES.search(n) for n in names):
                add(node.value)
    return [value for _, value in sorted(found, key=lambda item: item[0])]


def _private_syntax(text: str, compared: tuple[str, ...]) -> tuple[str, bool]:
    for prefix in PRIVATE_PREFIXES:
        if prefix in compared or prefix + " " in compared:
            return prefix + " {to} {text}", True
    if "@" in compared or PRIVATE_AT.search(text):
        return "@{to} {text}", True
    return "@{to} {text}", False


def _newer_syntax(text: str) -> tuple[tuple[str, tuple[int, int]], ...]:
    found = [(key, since) for pattern, key, since in NEWER_SYNTAX if pattern.search(text)]
    return tuple(sorted(found, key=lambda item: item[1], reverse=True))


def newer_than(facts: Facts, version: tuple[int, int]) -> tuple[str, tuple[int, int]] | None:
    """The construct of the newest Python after `version` the code seems to use, and that Python's
    version: what probably keeps it from compiling on `version`; None if there is none."""
    return next((found for found in facts.newer_syntax if found[1] > tuple(version)), None)


def _announces_only_on_reset(tree: ast.Module) -> bool:
    """Whether the code tells others about a leave inside `except ConnectionResetError` (which Windows
    raises when a client closes, while Linux just returns b'' from recv)."""
    for node in ast.walk(tree):
        if isinstance(node, ast.ExceptHandler) and node.type is not None:
            caught = {n.id if isinstance(n, ast.Name) else getattr(n, "attr", "") for n in ast.walk(node.type)}
            if caught & RESET_ERRORS and any(
                    isinstance(call, ast.Call) and ANNOUNCE.search(ast.unparse(call.func))
                    for stmt in node.body for call in ast.walk(stmt)):
                return True
    return False


def compile_error(source_dir: Path, script: str, python: str | None = None) -> str | None:
    """Byte-compile `script` (relative to source_dir) without running it, here or with the interpreter
    `python` (a path). Returns a one-line "server.py line 3: SyntaxError: invalid syntax", or None if
    it compiles (or `python` does not answer within COMPILE_TIMEOUT: running it will show why).

    Only the file itself is checked; an error in a module it imports shows up as a traceback when
    the program runs."""
    try:
        code = (Path(source_dir) / script).read_bytes()
    except OSError as exc:
        return f"{script}: cannot read the file ({exc.strerror or exc})"
    if python is None or python == sys.executable:
        error = _compile_here(code, script)
    else:
        error = _compile_with(python, code, script)
    if error is None:
        return None
    kind, message, line = error
    return f"{script}{f' line {line}' if line else ''}: {kind}: {message}"


# The same compile as _compile_here, in another interpreter; it prints [kind, message, line] or nothing.
_COMPILE = """
import json, sys, warnings
warnings.simplefilter("ignore")
try:
    compile(sys.stdin.buffer.read(), sys.argv[1], "exec", dont_inherit=True)
except SyntaxError as exc:
    print(json.dumps([type(exc).__name__, exc.msg, exc.lineno]))
except (ValueError, RecursionError, MemoryError, OverflowError) as exc:
    print(json.dumps([type(exc).__name__, str(exc), None]))
"""


def _compile_here(code: bytes, script: str) -> tuple[str, str, int | None] | None:
    try:
        with warnings.catch_warnings():
            # SyntaxWarnings of student code ("is" with a literal...) are not the grader's to print.
            warnings.simplefilter("ignore")
            compile(code, script, "exec", dont_inherit=True)
    except SyntaxError as exc:
        return type(exc).__name__, exc.msg, exc.lineno
    except (ValueError, RecursionError, MemoryError, OverflowError) as exc:
        # ValueError: NUL bytes in the source; the others: pathological nesting or constants.
        return type(exc).__name__, str(exc), None
    return None


def _compile_with(python: str, code: bytes, script: str) -> tuple[str, str, int | None] | None:
    try:
        done = subprocess.run([python, "-I", "-S", "-c", _COMPILE, script], input=code, capture_output=True,
                              timeout=COMPILE_TIMEOUT)
        kind, message, line = json.loads(done.stdout) if done.stdout.strip() else (None, None, None)
    except (OSError, subprocess.TimeoutExpired, ValueError, TypeError):
        return None
    return (str(kind), str(message), line if isinstance(line, int) else None) if kind else None

"""Learn the dialect from the student's client: it is run against a fresh server through a
recording relay, and we type into it what a user would: a name, a message, the leave command found
in its code. The bytes it sends tell us the handshake, the framing (a length before each message),
whether it adds the sender's name, and what leaving looks like; where the server hangs up on the
name or asks again, the handshakes with a password its code compares a line with are tried
(dialect.logins). Whatever the client does not show keeps the guess from the server's code.
"""
from __future__ import annotations

import re
import select
import socket
import struct
import time
from dataclasses import dataclass, replace
from typing import Callable, Protocol

from . import sandbox, wire
from .dialect import Dialect, format_literal, from_source, logins, typed_menu
from .kernel import syscalls
from .messages import Msg
from .relay import Relay
from .relay_ends import Upstream, client_ends, upstreams
from .submission import Submission


class Server(Protocol):
    """The server learning talks to (grader.harness.Server)."""
    port: int
    kind: str
    program: "sandbox.Program"

    def alive(self) -> bool: ...


LEARN_NAME = "Zoltan"
LEARN_TEXT = "hello QX7LEARN"


# Each step types a line, then waits until the exchange it causes is over: the client waits for the
# next line (every thread of it blocked, one reading stdin), the relay holds no byte, and the server
# can do nothing more without input (grader.quiescence, counting the relay's connections to it).
# Conclusions then rest on what was said, never on how fast the machine said it. Who speaks first
# is what came before the first typed line; for a client that speaks unasked, the server is asked
# (a silent connection of ours: does it say something before it is told anything?). Where that cannot
# be seen (UDP, not Linux x86-64), a quiet relay stands in for an idle server, as it always did; a
# client or server that never settles (it polls, sleeps or spins) is waited for the step's full time.
START_PATIENCE = 3.0      # s: for the client to start (slow under load) and wait for typing
GREETING_PATIENCE = 1.5   # s: then for the server to say what it says unasked (if it never idles)
STEP_PATIENCE = 1.0       # s: for what one typed line causes to settle (all of it if the server never idles)
LEAVE_PATIENCE = 1.5      # s: for a leave command to end a connection or the client
QUIET = 0.25              # s of relay silence that stand in for an idle server where that cannot be seen
LOOK_EVERY = 0.01         # s between looks while something may still act
# An argparse argument for the name: "name", "--nick", "-u"...
NAME_OPTION = re.compile(r"name|nick|nickname|username|user|login|u|n|имя|ник", re.I)


def learn(sub: Submission, server: "Server", timeout: float = 6.0, guess: Dialect | None = None,
          stuck: Callable | None = None, python: str | None = None) -> Dialect:
    """Run the student's client against `server` through a recording relay and read its dialect,
    with the interpreter `python` (a path; None: the grader's own). `stuck(server, users)` is the
    policy that says when the server can do nothing more (without it, every step waits its fixed
    time). What the client's entry says to type as it starts (its role, for a program that asks) is
    typed before anything else.

    Falls back to from_source() for whatever the client does not show (it crashes, is a GUI, ...).
    """
    guess = guess or from_source(sub)
    guess.transport = server.kind
    deadline = time.monotonic() + timeout
    for args in _argvs(sub):
        dialect, exited_unheard, refused = _learn_with(sub, server, args, deadline, replace(guess, notes=list(guess.notes)),
                                                       stuck, python)
        # The server hung up on the name or asked again: a TA who reads its code types the password it
        # compares a line with, before the name or after it.
        for login in logins(sub) if refused else ():
            tried, _, refused = _learn_with(sub, server, args, deadline,
                                            replace(guess, notes=list(guess.notes), login=login), stuck, python)
            if not refused:
                dialect = tried
                dialect.notes.append(Msg("note.login", login=repr(login[-1]), typed=" → ".join(
                    map(repr, dialect.handshake("Alice")))))
                break
        if not exited_unheard:
            break
    return dialect


def _argvs(sub: Submission) -> list[tuple[str, ...]]:
    """The command lines to try the client with: its entry's, then, if the name is not among them,
    the name after them where its code reads a sys.argv past them or has a positional argparse
    argument for it (`python client.py Alice`), and with each name option of its argparse
    (`--name Alice`). A client started wrongly exits at once without connecting (a usage line, an
    IndexError)."""
    args, facts = sub.client.args, sub.client_facts
    if "{name}" in args:
        return [args]
    positional = any(i > len(args) for i in facts.argv_indexes) or any(NAME_OPTION.fullmatch(n) for n in facts.argparse_names)
    return [args, *([(*args, "{name}")] if positional else []),
            *((*args, option, "{name}") for option in facts.argparse_names
              if option.startswith("-") and NAME_OPTION.fullmatch(option.lstrip("-")))]


def _learn_with(sub: Submission, server: "Server", args: tuple[str, ...], deadline: float, guess: Dialect,
                stuck: Callable | None, python: str | None) -> tuple[Dialect, bool]:
    """The dialect learned with the client started with `args`, whether the client exited without
    ever connecting, and whether the server hung up or asked again before the first message had gone
    through (a handshake it did not accept)."""
    relay = Relay(("127.0.0.1", server.port), server.kind)
    client = sandbox.start(sub.root, sub.client.script, [a.format(name=LEARN_NAME) for a in args],
                           redirect=relay.address, stdin=True, python=python,
                           limits=sandbox.Limits(wall_seconds=max(0.0, deadline - time.monotonic()) + 2))
    if sub.client.typed:
        client.write_stdin(sub.client.typed)
    try:
        reads = sub.client_facts.reads_stdin  # one that never reads stdin cannot be seen waiting for typing
        session = _Session(client, relay, server, deadline, reads, stuck)
        dialect = _observe(sub, guess, session)
        dialect.client_args = args
        return dialect, not client.alive() and not any(e.kind == "open" for e in relay.events()), session.refused
    finally:
        client.stop()
        relay.close()


@dataclass
class _Session:
    """The student's client, the relay and the server of one learning, and the waits on them."""
    client: "sandbox.Program"
    relay: Relay
    server: "Server"
    deadline: float
    reads_stdin: bool = True
    stuck: "Callable | None" = None   # the "server can do nothing more" policy (grader.quiescence.stuck)
    refused: bool = False              # the server hung up or asked again before the first message

    def type(self, line: str) -> int:
        """Type a line; returns the relay's event count before it, to read what it caused."""
        mark = len(self.relay.events())
        self.client.write_stdin(line + "\n")
        return mark

    def started(self) -> bool:
        """The client waits for typing, or (one that never reads stdin) has connected, or has exited."""
        if not self.reads_stdin:
            return any(e.kind == "open" for e in self.relay.events()) or not self.client.alive()
        return self._client_waits() is not False

    def settle(self, patience: float = STEP_PATIENCE, done: Callable[[], bool] = lambda: False) -> bool:
        """Wait until settled() or done(), at most `patience` s; True if either was seen."""
        return self.wait(lambda: done() or self.settled(), patience)

    def wait(self, done: Callable[[], bool], patience: float = STEP_PATIENCE) -> bool:
        """Look at done() until it holds (True) or `patience` s or the learning's time are over."""
        until = min(self.deadline, time.monotonic() + patience)
        while not done():
            if time.monotonic() >= until:
                return False
            time.sleep(LOOK_EVERY)
        return True

    def settled(self) -> bool:
        """The client waits for typing (or has exited), the relay holds nothing, the server is idle.

        Looked at in the order bytes flow, client to server (from its socket's send queue on) and back
        to the client, with no relay event in between and no CPU used by the client between its two
        looks: then nothing can have been on its way anywhere, and nothing moves until the next line
        is typed."""
        before = len(self.relay.events())
        first = self._client_waits()
        if first is False or not self.relay.settled() or any(end.wqueue for end in client_ends(self.relay)):
            return False
        idle = _server_idle(self, self.relay)
        if idle is None:
            idle = self.relay.wait_quiet(QUIET, 0)
        if not idle or self._client_waits() != first or not self.relay.settled():
            return False
        return len(self.relay.events()) == before

    def _client_waits(self) -> int | bool | None:
        """The client's CPU time if it waits for a typed line (reading its stdin, or in a select()
        or poll() without a timeout, which may watch stdin with its socket); None if it has exited
        or does not read its stdin at all; else False."""
        if not self.client.alive() or not self.reads_stdin:
            return None
        if self.client.stdin_pending():
            return False
        blocked = syscalls.blocked(self.client.pid)
        waits = blocked[1] if blocked else []
        return blocked[0] if ("fd", 0) in waits or any(w.kind == "watch" for w in waits) else False


def _server_idle(s: _Session, relay: Relay, also: tuple[Upstream, ...] = ()) -> bool | None:
    """Whether the server can do nothing more before new input reaches it over the relay's
    connections (and `also`); None where that cannot be seen (UDP, not Linux x86-64)."""
    server = s.server
    if not server.alive():
        return True
    if server.kind != "tcp" or not syscalls.SUPPORTED or s.stuck is None:
        return None
    peers = upstreams(relay, server.port)
    if peers is None:
        return False   # a connection has just opened
    return s.stuck(server, peers + list(also))


def _speaks_unasked(s: _Session) -> bool | None:
    """Whether the server sends something on a connection on which it has received nothing: a
    connection of ours that says nothing, until the server is idle; None if that cannot be seen."""
    if s.server.kind != "tcp" or not s.server.alive():
        return None
    try:
        with socket.create_connection(("127.0.0.1", s.server.port), timeout=1.0) as probe:
            me = Upstream(s.server.port, probe.getsockname()[1], 0)
            # Idle means all it sent us is acknowledged, so in our buffer: one look then tells.
            idle = s.wait(lambda: bool(select.select([probe], [], [], 0)[0]
                                       or _server_idle(s, s.relay, (me,))))
            if select.select([probe], [], [], 0)[0]:
                return bool(probe.recv(1))
            return False if idle else None
    except OSError:
        return None


def _sent(relay: Relay, after: int = 0, until: int | None = None, kind: str = "c2s") -> bytes:
    """Bytes the client sent (`kind` "s2c": got) on its first connection, in events `after` to `until`."""
    events = relay.events()
    first = next((e.conn for e in events if e.kind == "open"), None)
    return b"".join(e.data for e in events[after:until] if e.kind == kind and e.conn == first)


def _refused(relay: Relay, marks: list[int]) -> bool:
    """Whether the server hung up, or answered a line typed at one of `marks` with the prompt it had
    shown before it (its greeting, or its answer to the line before): it did not take that line."""
    if any(e.kind == "close" and e.data == b"server" for e in relay.events()):
        return True
    def prompt(data: bytes) -> str:
        lines = data.decode("utf-8", "replace").strip().splitlines()
        return lines[-1].strip() if lines else ""
    answers = [_sent(relay, a, b, "s2c") for a, b in zip([0, *marks], [*marks, None])]
    return any(prompt(after) and prompt(after) == prompt(before) for before, after in zip(answers, answers[1:]))


def _observe(sub: Submission, guess: Dialect, s: _Session) -> Dialect:
    name_b, text_b = LEARN_NAME.encode(), LEARN_TEXT.encode()
    # Either the client connects first (and maybe sends a name given on the command line), or it asks
    # for the name on the keyboard before connecting. The name is typed only once the client waits
    # for it and the server has said all it says unasked, so a greeting is always seen as one.
    s.wait(s.started, START_PATIENCE)
    s.settle(GREETING_PATIENCE)
    unasked = name_b in _sent(s.relay)   # from the command line, before anything was typed
    marks, hello = _introduce(guess, s) if not unasked else ([], _sent(s.relay))
    events = s.relay.events()
    s.refused = _refused(s.relay, marks)
    if not any(e.kind == "open" for e in events):
        guess.notes.append(Msg("note.client_silent"))
        return guess

    dialect = Dialect(transport=guess.transport, port=guess.port, private_format=guess.private_format, login=guess.login,
                      private_found=guess.private_found, learned_from=Msg("dialect.from_client"))
    first_c2s = next((i for i, e in enumerate(events) if e.kind == "c2s"), len(events))
    dialect.greets = any(e.kind == "s2c" for e in events[:first_c2s])
    if name_b in hello and not (dialect.greets or sub.client_facts.mentions_names):
        # Nobody asked for a name: what we typed went out as an ordinary message.
        dialect.name_format = None
    elif name_b in hello:
        # The first bytes after the server's prompt, or those of a client that asks for a name.
        dialect.name_format = _template(hello, {name_b: "{name}"})
    elif hello:
        dialect.name_format = guess.name_format
        dialect.notes.append(Msg("note.no_name_typed"))
    else:
        dialect.name_format = None

    mark = s.type(typed_menu(sub.client_facts, ())[0].format(text=LEARN_TEXT))
    s.settle()
    s.refused = s.refused or _refused(s.relay, [*marks, mark])
    said = _sent(s.relay, mark)
    if not hello and text_b not in said:   # it cannot be typed into: a GUI, or it crashed at start
        guess.notes.append(Msg("note.client_sent_nothing", why=_stopped(s.client)))
        return guess
    said = _framing(dialect, hello, said)
    if text_b in said:
        dialect.message_format = _template(said, {text_b: "{text}", name_b: "{name}"})
    else:
        dialect.message_format = guess.message_format
        dialect.notes.append(Msg("note.no_message"))
    if dialect.name_format is None and dialect.client_adds_name:
        dialect.notes.append(Msg("note.name_in_text"))
    dialect.leave = _leave(sub, s, name_b, dialect.framing)
    if unasked and not dialect.greets and _answered_blind(s.relay, name_b):
        # The client spoke as soon as it connected, so who spoke first was a race: ask the server.
        dialect.greets = _speaks_unasked(s) or False
    return dialect


def _introduce(guess: Dialect, s: _Session) -> tuple[list[int], bytes]:
    """Type the handshake's lines (the name, a password), each once the server has answered the
    last; the relay's event counts before each, and what the client sent for the name."""
    marks = []
    for line in guess.handshake(LEARN_NAME):
        marks.append(s.type(line))
        s.settle()
    after = len(guess.handshake()) - 1 - guess.handshake().index("{name}")   # lines after the name
    return marks, _sent(s.relay, marks[-1 - after], marks[len(marks) - after] if after else None)


def _framing(dialect: Dialect, hello: bytes, said: bytes) -> bytes:
    """Sets the dialect's framing where the client put the length of each message before it (the
    name's and the message's alike); the message's bytes after that."""
    framing, body = _unframed(said) if LEARN_TEXT.encode() in said else ("stream", said)
    if framing == "stream" or (LEARN_NAME.encode() in hello and _unframed(hello)[0] != framing):
        return said
    dialect.framing = framing
    dialect.notes.append(Msg("note.length_frames") if framing == "length" else
                         Msg("note.decimal_frames", width=framing[8:]))
    if dialect.name_format is not None and LEARN_NAME.encode() in hello:
        dialect.name_format = _template(_unframed(hello)[1], {LEARN_NAME.encode(): "{name}"})
    return body


def _stopped(client: "sandbox.Program") -> str:
    """ ": " and the error line of the client's traceback, if it stopped with one."""
    if client.alive():
        return ""
    client.wait_exit(1.0)   # returns once its output is read to the end: the traceback may still be on its way
    error = sandbox.error_line(client.output())
    return f": {error}" if error else ""


def _answered_blind(relay: Relay, name_b: bytes) -> bool:
    """Whether what the server first sent the client, after the client's first bytes, may have been
    sent before it read them: it does not hold the name those bytes carried."""
    events = relay.events()
    first = next((e.conn for e in events if e.kind == "open"), None)
    said = next((e.data for e in events if e.kind == "s2c" and e.conn == first), None)
    return said is not None and name_b not in said


def _leave(sub: Submission, s: _Session, name_b: bytes, framing: str) -> str | None:
    """What the client sends for the first leave command of its code after which a connection ends
    or the client exits; None if none does (it leaves by closing)."""
    for command in sub.client_facts.leave_words + sub.server_facts.leave_words:
        mark = s.type(command)

        def gone() -> bool:
            return any(e.kind == "close" for e in s.relay.events()[mark:]) or not s.client.alive()
        # A command that is not a leave brings the client back to its prompt: the next is tried.
        s.settle(LEAVE_PATIENCE, done=gone)
        if gone():
            s.wait(s.relay.settled)   # what it sent on its way out is recorded
            found, body = _unframed(_sent(s.relay, mark))
            sent = body if found == framing else _sent(s.relay, mark)
            return _template(sent, {name_b: "{name}"}) if sent else None
    return None


def _unframed(data: bytes) -> tuple[str, bytes]:
    """The framing of one message the client sent ("length", "decimal:W" or "stream"), and its body."""
    if len(data) > 4 and struct.unpack(">I", data[:4])[0] == len(data) - 4:
        return "length", data[4:]
    width = wire.decimal_header(data)
    if width is not None and int(data[:width]) == len(data) - width:
        return f"decimal:{width}", data[width:]
    return "stream", data


def _template(data: bytes, holes: dict[bytes, str]) -> str:
    text = format_literal(data.decode("utf-8", "replace"))
    for needle, hole in holes.items():
        text = text.replace(format_literal(needle.decode()), hole)
    return text

"""A scripted user that is a running copy of the student's client program.

A teacher grading by hand opens a terminal per user, starts the student's client and types. A
ClientUser does the same: the client runs in the sandbox in client mode, every connection it makes
goes to a recording Relay of its own (so all of one relay's connections are this user's, however
many the client opens), typing is writing a line to its stdin and what the user sees is its output.

The name is given the way the client takes it: on the command line (`name_on_argv`, which the caller
knows from the client's code; "{name}" in the arguments is replaced, otherwise the name is added at
the end), or else as the first line typed, whether the client prints a prompt, the server sends one,
or neither does. start() waits until the name has gone out on the wire and the server has had a
moment to answer, so that a server reading the name with one recv() does not get the first message
glued to it.

Waits are event-driven: a watcher thread turns every change of the client's output into a
notification of the relay's condition, so one wait re-checks its predicate on new bytes on the wire
and on new output alike; every wait is bounded, and the bounds below are reached only when the
awaited thing does not happen (a client that does not exit, one that never sends the name). The one
pause every user costs is JOIN_QUIET of silence on its wire after the name went out.

leave() leaves the way a user does, once the client has read all that reached it (the screen has
settled): the leave command the client's code compares its input with, then, while the process
still runs, Ctrl+C (SIGINT to its process group), end of input, and closing the terminal (kill),
recording after each step what the server got and how the connections stand.
"""
from __future__ import annotations

import os
import signal
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

from . import sandbox, waiting, wire
from .kernel import procfs, syscalls
from .relay_ends import client_ends
from .relay import ConnState, Event, Relay

# How long start() waits for the client to show a sign of life (connect, print, exit): on a loaded
# machine a Python program may take seconds to start.
START_WAIT = 10.0
# From then, how long start() waits for the name to go out on the wire (a client that never sends
# it costs this).
NAME_WAIT = 3.0
# After the name went out: the server's answer is in once the wire has been quiet this long...
JOIN_QUIET = 0.2
# ...or this long has passed.
JOIN_SETTLE = 1.5
# A handshake of several lines: once the server's answer to one has begun, the rest of it is in when
# the wire has been quiet this long (a prompt is one send).
PROMPT_QUIET = 0.05
# "A moment later": how long a leave step waits for the client to exit before the next step.
LEAVE_GRACE = 1.0
# How long stop() waits for the output watcher.
CLOSE_GRACE = 1.0
# A client connecting to several of the server's ports: how long a new connection waits for the
# client's own report of the port it asked for.
ROUTE_WAIT = 1.0
LEAVE_STEPS = ("command", "interrupt", "end_of_input", "kill")
# A wait for a token re-reads only the bytes that came since its last look, plus this much before
# them (a token cut in two by the chunks, in its escaped or framed form).
SCAN_OVERLAP = 4096
# How often wait_joined() looks whether a client that sent no name waits for typing.
LOOK_EVERY = 0.01


@dataclass(frozen=True)
class Mark:
    """A point in a user's recording: so many relay events, so many characters of output (the
    output capture keeps a head and a tail: past its size, marks into the output are approximate)."""
    events: int
    output: int


@dataclass(frozen=True)
class LeaveStep:
    action: str                         # one of LEAVE_STEPS
    typed: str | None                   # the leave command typed ("command" only)
    server_got: bytes                   # what the client sent the server during the step
    server_sent: bytes                  # what the server sent this user during the step
    connections: tuple[ConnState, ...]  # how each connection stood at the end of the step
    exited: bool                        # the client process had ended by the end of the step
    returncode: int | None

    @property
    def closed(self) -> bool:
        """The server had seen every connection of this user end (FIN or RST)."""
        return bool(self.connections) and all(c.closed for c in self.connections)


@dataclass(frozen=True)
class Leave:
    steps: tuple[LeaveStep, ...]

    def first(self, done: Callable[[LeaveStep], bool]) -> str | None:
        return next((step.action for step in self.steps if done(step)), None)

    @property
    def closed_by(self) -> str | None:
        """The step after which the server had seen every connection end."""
        return self.first(lambda step: step.closed)

    @property
    def exited_by(self) -> str | None:
        return self.first(lambda step: step.exited)

    @property
    def server_got(self) -> bytes:
        return b"".join(step.server_got for step in self.steps)


def _argv(args: Sequence[str], name: str, on_argv: bool) -> tuple[list[str], bool]:
    """The client's arguments with the name in them, and whether the name is on the command line."""
    if any("{name}" in a for a in args):
        return [a.replace("{name}", name) for a in args], True
    return list(args) + ([name] if on_argv else []), on_argv


class _Scan:
    """Incremental search for a text in one direction of a user's connections since a mark, so
    that waiting through a flood costs each byte a few looks, not one per new chunk."""

    def __init__(self, relay: Relay, kind: str, since: Mark | None):
        self.relay = relay
        self.kind = kind
        self.next = since.events if since else 0
        self.data: dict[int, bytearray] = {}
        self.checked: dict[int, int] = {}

    def found(self, text: str) -> bool:
        new = self.relay.events_since(self.next)
        self.next += len(new)
        for event in new:
            if event.kind == self.kind:
                self.data.setdefault(event.conn, bytearray()).extend(event.data)
        for conn, data in self.data.items():
            start = max(0, self.checked.get(conn, 0) - SCAN_OVERLAP)
            if start < len(data) and wire.contains(bytes(data[start:]), text):
                return True
            self.checked[conn] = len(data)
        return False


class _Router:
    """Picks the server port of each new connection of a client that connects to several: number
    `conn` goes to the conn-th distinct port the client asked for (the shim reports each port once,
    so a client that reconnects to a port it used before goes to the last one it asked for)."""

    def __init__(self, server: tuple[str, int], ports: dict[int, int]):
        self.server = server
        self.ports = ports
        self.program: sandbox.Program | None = None
        self.ready = threading.Event()  # set once the program is known

    def __call__(self, conn: int) -> tuple[str, int]:
        self.ready.wait(ROUTE_WAIT)
        program = self.program
        if program is None:
            return self.server
        program.wait_events(lambda ev: len(requested_ports(ev)) > conn, ROUTE_WAIT)
        asked = requested_ports(program.events())
        if not asked:
            return self.server
        port = asked[min(conn, len(asked) - 1)]
        return (self.server[0], self.ports.get(port, self.server[1]))


def requested_ports(events: Sequence[tuple[str, ...]]) -> list[int]:
    """The ports the client asked to connect to, in order (the shim reports each one once)."""
    ports = []
    for event in events:
        if len(event) == 4 and event[:2] == ("redirect", "connect") and event[3].isdigit():
            ports.append(int(event[3]))
    return ports


class ClientUser:
    """One user typing into a copy of the student's client. Build with start() (or launch())."""

    def __init__(self, name: str, relay: Relay, program: sandbox.Program, name_on_argv: bool):
        self.name = name
        self.relay = relay
        self.program = program
        self.name_on_argv = name_on_argv
        self.joined = False       # the name went out on the wire (see wait_joined)
        self.typed: list[str] = []  # every line typed into the client, in order (for transcripts)
        self._stopped = False
        self._output_done = False  # the client has exited and all its output is read
        self._watcher = threading.Thread(target=self._watch_output, name=f"client-user-{name}",
                                         daemon=True)
        self._watcher.start()

    # -- starting ---------------------------------------------------------------------------------

    @classmethod
    def launch(cls, sub_root: Path, script: str, args: Sequence[str], server: tuple[str, int],
               kind: str = "tcp", name: str = "Alice", name_on_argv: bool = False,
               limits: sandbox.Limits = sandbox.Limits(), ports: dict[int, int] | None = None,
               stop_early: Callable[[], bool] | None = None, typed: str = "",
               python: str | None = None, handshake: Sequence[str] = ("{name}",),
               greets: bool = False) -> "ClientUser":
        """Start the client and give it the name, without waiting (several users can start at once).
        `ports` maps each port the server's code asked for to the real one (Program.bindings), for a
        client that connects to several; `stop_early`, if given, goes to sandbox.start (the client
        can do nothing more without input: its wait_exit() ends early, so leave steps do); `typed`
        is typed first (the answer to "server or client?"); `python` runs it (None: the grader's own);
        `handshake` is the lines typed for the name, "{name}" in them replaced ("/nick {name}" for a
        server that wants that); with more than one (a password too), each is typed after the
        server's answer to the last (the first, if it `greets`, after its greeting): launch() then
        waits for those answers."""
        router = _Router(server, ports) if ports and len(set(ports.values())) > 1 else None
        relay = Relay(server, kind, route=router)
        argv, on_argv = _argv(args, name, name_on_argv)
        early = {"stop_early": stop_early} if stop_early is not None else {}
        try:
            program = sandbox.start(sub_root, script, argv, redirect=relay.address, stdin=True,
                                    limits=limits, python=python, **early)
            if typed:
                program.write_stdin(typed)
            if router is not None:
                router.program = program
        except BaseException:
            relay.close()
            raise
        finally:
            if router is not None:
                router.ready.set()
        user = cls(name, relay, program, on_argv)
        if not on_argv:
            user._log_in(handshake, greets)
        return user

    def _log_in(self, handshake: Sequence[str], greets: bool) -> None:
        """Type the handshake's lines, each once the server has said what it says before it: typed
        ahead, they would reach a server that reads each with one recv() glued together."""
        answer = Mark(0, 0) if greets and len(handshake) > 1 else None
        for line in handshake:
            if answer is not None:
                self._wait(lambda: bool(self.received(answer)) or not self.program.alive(), JOIN_SETTLE)
                self.relay.wait_quiet(PROMPT_QUIET, JOIN_SETTLE)
            answer = self.type_name(line)

    @classmethod
    def start(cls, *args, **kwargs) -> "ClientUser":
        """launch(), then wait_joined(): the user is in the chat (or never will be: see .joined)."""
        user = cls.launch(*args, **kwargs)
        user.wait_joined()
        return user

    def wait_joined(self, timeout: float = NAME_WAIT, answered: bool = True,
                    idle: Callable[[], bool] | None = None) -> bool:
        """Wait until the client has started (START_WAIT), then until the name has gone out on the
        wire (`timeout`) and (`answered`) the server has answered, by JOIN_QUIET of silence on the
        wire; sets and returns .joined. Ends early if the client exits. A caller that can see the
        server read the name and settle passes answered=False and waits for that instead; with
        `idle` (the server can do nothing more), a client that waits for typing while the server
        is idle has sent all it will: the wait ends there, joined or not."""
        self._wait(lambda: self.connected or bool(self.program.output()), START_WAIT)
        scan = _Scan(self.relay, "c2s", None)
        deadline = time.monotonic() + timeout
        # A client that sends no name waits for the next line without having sent one: no event
        # tells that, so it is looked for every LOOK_EVERY. The server is looked at first: once it is
        # idle, a prompt it sent is already on its way and keeps the relay or the client busy.
        while not (found := scan.found(self.name)) and not (idle is not None and idle() and
                                                            self._waits_unheard()):
            left = deadline - time.monotonic()
            if left <= 0 or self._output_done:
                break
            self._wait(lambda: scan.found(self.name), min(left, LOOK_EVERY))
        self.joined = found
        if self.joined and answered:
            self.relay.wait_quiet(JOIN_QUIET, JOIN_SETTLE)
        return self.joined

    def _waits_unheard(self) -> bool:
        """Every thread of the client is blocked waiting for input, with nothing of it on its way
        (in its socket's send queue or through the relay), and what was typed is read or waits for a thread that does not read it
        yet (False where that cannot be seen): the client waits for the next line, or for the
        server (a prompt, which an idle server never sends) before it reads the line typed ahead."""
        if not syscalls.SUPPORTED or not self.program.alive():
            return False
        crossed = self.relay.count()
        blocked = syscalls.blocked(self.program.pid)
        if blocked is None or not self.relay.settled() or any(end.wqueue for end in client_ends(self.relay)):
            return False
        if self.program.stdin_pending() and any(w.kind == "watch" or (w.kind == "fd" and w.fd == 0)
                                                for w in blocked[1]):
            return False
        # A reply that reached the client while its threads were read, one after the other, wakes one.
        return syscalls.still_blocked(self.program.pid, blocked) and self.relay.count() == crossed

    # -- what happened ----------------------------------------------------------------------------

    def mark(self) -> Mark:
        return Mark(self.relay.count(), len(self.program.output()))

    def _events(self, since: Mark | None) -> list[Event]:
        return self.relay.events_since(since.events if since else 0)

    def _stream(self, kind: str, since: Mark | None) -> dict[int, bytes]:
        streams: dict[int, bytearray] = {}
        for event in self._events(since):
            if event.kind == kind:
                streams.setdefault(event.conn, bytearray()).extend(event.data)
        return {conn: bytes(data) for conn, data in sorted(streams.items())}

    def received(self, since: Mark | None = None) -> bytes:
        """What the server sent this user (all connections, each one's bytes together)."""
        return b"".join(self._stream("s2c", since).values())

    def sent(self, since: Mark | None = None) -> bytes:
        """What the server got from this user (all connections)."""
        return b"".join(self._stream("c2s", since).values())

    def seen(self, since: Mark | None = None) -> str:
        """What the client printed (its output capture keeps head and tail only)."""
        return self.program.output()[since.output if since else 0:]

    def connections(self) -> list[ConnState]:
        """How each TCP connection of this user stands (UDP: none)."""
        return self.relay.connections()

    @property
    def connected(self) -> bool:
        """The client has reached the server (a TCP connection or a datagram), name or not."""
        return any(event.kind == "open" for event in self.relay.events_since(0))

    def delivered(self, token: str, since: Mark | None = None) -> bool:
        """`token` is in what the server sent this user (read leniently, each connection on its own)
        or in what the client printed."""
        return (any(wire.contains(data, token) for data in self._stream("s2c", since).values())
                or token in self.seen(since))

    # -- waiting ----------------------------------------------------------------------------------

    def _watch_output(self) -> None:
        """Turn every change of the client's output into a wake-up of the relay's waiters."""
        last = ""
        while not self._stopped:
            changed = self.program.wait_events(lambda _: self.program.output() != last or self._stopped,
                                               self.program.limits.wall_seconds + 1)
            last = self.program.output()
            if not changed and not self.program.alive():
                self._output_done = True
                self.relay.notify()
                return
            self.relay.notify()

    def _wait(self, done: Callable[[], bool], timeout: float) -> bool:
        """Wait until done(), re-checked at every relay event and every change of the output; False
        on timeout. Ends early (with done()) once the client has exited and its output is read."""
        def finished() -> bool:
            return done() or self._output_done
        self.relay.wait_for(lambda _: finished(), timeout)
        return done()

    def wait_until(self, done: Callable[[], bool], timeout: float) -> bool:
        """Wait until done(), re-checked at every change on the wire or in the output; False on
        timeout or once the client has ended without it."""
        return self._wait(done, timeout)

    def wait_token(self, token: str, timeout: float, since: Mark | None = None) -> bool:
        """True once `token` has been delivered to this user (see delivered())."""
        scan = _Scan(self.relay, "s2c", since)
        return self._wait(lambda: scan.found(token) or token in self.seen(since), timeout)

    def wait_sent(self, text: str, timeout: float, since: Mark | None = None) -> bool:
        """True once `text` is in what the server got from this user (read leniently)."""
        scan = _Scan(self.relay, "c2s", since)
        return self._wait(lambda: scan.found(text), timeout)

    def wait_quiet(self, quiet: float, timeout: float) -> bool:
        """True once nothing has crossed this user's relay for `quiet` seconds."""
        return self.relay.wait_quiet(quiet, timeout)

    # -- acting -----------------------------------------------------------------------------------

    def type_name(self, line: str = "{name}") -> Mark:
        """Type the name, in the form `line` gives it ("/nick {name}")."""
        return self.type(line.replace("{name}", self.name))

    def type(self, line: str) -> Mark:
        """Type a line (and Enter) into the client; returns the mark taken just before."""
        mark = self.mark()
        self.typed.append(line)
        self.program.write_stdin(line + "\n")
        return mark

    def close_server_side(self) -> int:
        """FIN to the server on every connection of this user; how many were open."""
        return self.relay.close_server_side()

    def reset_server_side(self) -> int:
        """RST to the server on every connection of this user; how many were open."""
        return self.relay.reset_server_side()

    def stall(self) -> int:
        """Stop reading what the server sends this user (the slow reader); resume() undoes it."""
        return self.relay.stall()

    def resume(self) -> int:
        return self.relay.resume()

    # -- leaving ----------------------------------------------------------------------------------

    def leave(self, commands: Sequence[str] = (), grace: float = LEAVE_GRACE) -> Leave:
        """Leave the way a user does (see the module doc); stops at the first step after which the
        client has exited. `commands`: the strings the client's code compares its input with to
        leave, best first; only the first is typed. `grace`: how long each step waits for the
        client to exit (less if the client is stuck, with launch(stop_early=...)), and then for
        its connections' ends to reach the relay."""
        waiting.poll_until(self._read_all, grace)
        steps = []
        for action in LEAVE_STEPS:
            if action == "command" and not commands:
                continue
            mark = self.mark()
            typed = self._leave_step(action, commands, grace)
            steps.append(LeaveStep(action, typed, self.sent(mark), self.received(mark),
                                   tuple(self.connections()), not self.program.alive(),
                                   self.program.returncode))
            if not self.program.alive():
                break
        return Leave(tuple(steps))

    def _read_all(self) -> bool:
        """Whether the client has read all that reached it, or none of its threads is about to: a
        user leaves once the screen has settled, and a client that closes its socket with bytes
        unread resets the connection (a server's thread may die of that, and tell nobody)."""
        unread = [end for end in client_ends(self.relay) if end.rqueue]
        if not unread or not self.program.alive():
            return True
        blocked = syscalls.blocked(self.program.pid)
        if blocked is None or any(w.kind == "watch" for w in blocked[1]):
            return False
        reading = {procfs.socket_inode(self.program.pid, w.fd) for w in blocked[1] if w.kind == "fd"}
        return not any(end.inode in reading for end in unread)

    def _leave_step(self, action: str, commands: Sequence[str], grace: float) -> str | None:
        typed = None
        if action == "command":
            typed = commands[0]
            self.type(typed)
        elif action == "interrupt":
            self._signal(signal.SIGINT)
        elif action == "end_of_input":
            self.program.close_stdin()
        else:
            self.program.stop()
        if action != "kill":
            self.program.wait_exit(grace)
        if not self.program.alive():
            # Its sockets close with the process: wait for the ends to reach the relay.
            self.relay.wait_for(lambda _: all(c.to_server != "open" for c in self.connections()),
                                grace)
        return typed

    def _signal(self, signum: int) -> None:
        """Like a key at the terminal: to the client's whole process group (its own session)."""
        if not self.program.alive():
            return
        try:
            os.killpg(self.program.pid, signum)
        except OSError:
            try:
                os.kill(self.program.pid, signum)
            except OSError:
                pass

    def stop(self) -> None:
        """Kill the client and close its relay (connections still open are closed, not reset)."""
        self._stopped = True
        self.program.stop()
        self.relay.close()
        self._watcher.join(CLOSE_GRACE)

    def __enter__(self) -> "ClientUser":
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop()

    def __repr__(self) -> str:
        return f"<ClientUser {self.name} pid={self.program.pid} relay={self.relay.address}>"

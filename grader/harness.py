"""Start the student's server and join scripted users to it, speaking the submission's dialect.

One Harness serves one grading: it starts every server process a check asks for, stops them all at
the end, and keeps one deadline so that no submission, however broken, takes longer than allowed.
Whoever creates it hands in the policy that says when a server can do nothing more (grade.py gives
grader.quiescence.stuck); the harness binds it to each server and passes it down as the stop-early
callable of the sandboxed program and of every scripted user. Without one, waits run to their end.
It also hands in the interpreter that runs the student's programs (grade.py chooses it; default the
grader's own).
"""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Callable, Iterable

from . import sandbox, waiting
from .dialect import Dialect
from .messages import Msg, MsgError
from .peer import Peer
from .submission import Submission

START_TIMEOUT = 5.0       # for the server to bind (of the time it could run)...
START_PATIENCE = 15.0     # ...and of wall time at most, however starved it was
DISK_PATIENCE = 10.0      # for one that has not bound but still fills its folder, to stop or reach a limit
GREETING_TIMEOUT = 2.0    # for a server that speaks first to say something
CONSUME_TIMEOUT = 0.5     # for the server to read what a user sent before the next send
SETTLE_TIMEOUT = 0.5      # for the server to finish handling a join or a leave


class ServerDown(MsgError):
    """The server did not start; `msg` says why, for the student."""


@dataclass
class Server:
    program: "sandbox.Program"
    port: int
    kind: str

    def alive(self) -> bool:
        return self.program.alive()

    def why_down(self) -> Msg:
        code = self.program.returncode
        limit = self.program.limit_hit
        if limit:
            kind, value = limit
            return Msg(f"down.limit.{kind}", limit=value if kind == "disk_files" else f"{value >> 20} MiB")
        tb = self.program.traceback()
        if tb:
            return Msg("down.crashed", traceback=tb)
        if code == 0:
            return Msg("down.exited0")
        if code is not None:
            return Msg("down.exited", code=code)
        return Msg("down.stuck")


# stuck(server, users, waiting): whether the server can do nothing more without new input (and,
# with `waiting`, whether all it sent that user has arrived). See grader.quiescence.
StuckPolicy = Callable[[Server, Iterable[Peer], "Peer | None"], bool]


class Harness:
    def __init__(self, sub: Submission, seconds: float, limits: "sandbox.Limits | None" = None,
                 stuck: StuckPolicy | None = None, python: str | None = None):
        self.sub = sub
        self.python = python   # the interpreter's path; None: the grader's own
        self.policy = stuck   # the policy as handed in (None: every wait runs its full time)
        self.dialect = Dialect()
        self.transport: str | None = None   # what the server really bound: "tcp" or "udp"
        self.deadline = time.monotonic() + seconds
        self.limits = limits or sandbox.Limits(wall_seconds=seconds + 5)
        self._programs: list[sandbox.Program] = []
        self._peers: list[Peer] = []
        # Users driven through relays (grader.users): how to stop each, and its connections to the
        # server as the policy sees them (None while one is still connecting).
        self._adopted: list[tuple[Callable[[], None], Callable[[], list | None], sandbox.Program]] = []
        self.clients = False          # every scripted user types into the student's client
        self.name_line = "{name}"     # what such a user types as its name
        self.client_python: str | None = None   # the interpreter that runs it (None: the grader's own)
        self._lock = threading.Lock()

    # -- time ---------------------------------------------------------------------------------
    def left(self, timeout: float) -> float:
        """`timeout`, cut to what remains of the grading's time."""
        return max(0.0, min(timeout, self.deadline - time.monotonic()))

    # -- servers ------------------------------------------------------------------------------
    def start_server(self) -> Server:
        """Start the server and wait until it binds. Its console is a terminal that nobody types into
        (open, and empty: an input() waits, as in a TA's terminal, and never reads end of input)
        but for what the entry says to type as it starts (its role), and what the grader types."""
        entry = self.sub.server
        server: Server | None = None   # the program's waits may end early once it is known
        program = sandbox.start(self.sub.root, entry.script, entry.args, stdin=True,
                                limits=self.limits, stop_early=lambda: server is not None and self.stuck(server),
                                python=self.python)
        with self._lock:
            self._programs.append(program)
        if entry.typed:
            program.write_stdin(entry.typed)
        # START_TIMEOUT of the time the server could run: on a busy machine a start that needs CPU
        # (files to write, processes to fork) gets the time it waited for a core on top.
        binding = program.wait_bound(self.left(START_TIMEOUT), within=self.left(START_PATIENCE))
        if binding is None and program.waits_for_typing():
            where = program.where()
            raise ServerDown(Msg("down.waits_typing", where=Msg("down.where", where=where) if where else Msg("empty")))
        if binding is None:
            # One filling its folder is judged where its writing ends: how far it got within
            # START_TIMEOUT depends on how busy the machine is, and so would the reason.
            if program.alive() and not program.wait_disk_settled(self.left(DISK_PATIENCE)):
                where = program.where()
                raise ServerDown(Msg("down.no_socket", seconds=f"{START_TIMEOUT:g}",
                                     where=Msg("down.where", where=where) if where else Msg("empty")))
            raise ServerDown(Server(program, 0, "tcp").why_down())
        wanted = self.dialect.port
        if wanted is not None and binding.requested[1] != wanted:
            # A server with several ports: the chat is on the one learned before, which may come later.
            if program.wait_events(lambda ev: any(e[0] in ("listen", "bind") and e[-1] == str(wanted) for e in ev),
                                   self.left(START_TIMEOUT)):
                binding = next((b for b in program.bindings if b.requested[1] == wanted), binding)
        self.transport = binding.kind
        server = Server(program, binding.port, binding.kind)
        return server

    def stuck(self, server: Server, waiting: Peer | None = None) -> bool:
        """Whether the server can do nothing more without new input (the policy handed in; False
        without one)."""
        if self.policy is None:
            return False
        with self._lock:
            peers = list(self._peers)
            adopted = [a for a in self._adopted if a[2] is server.program]
        for _, connections, _ in adopted:
            ends = connections()
            if ends is None:
                return False
            peers += ends
        return self.policy(server, peers, waiting)

    def adopt(self, server: Server, stop: Callable[[], None], connections: Callable[[], list | None]) -> None:
        """A user of `server` driven through a relay: stopped at the end, and its connections count
        for stuck(server)."""
        with self._lock:
            self._adopted.append((stop, connections, server.program))

    def listening(self, server: Server) -> list[Server]:
        """Every port of the server's kind it has opened, once it has settled after starting."""
        self.settle(server)
        return [Server(server.program, b.port, b.kind) for b in server.program.bindings if b.kind == server.kind]

    # -- users --------------------------------------------------------------------------------
    def connect(self, server: Server, name: str, read: bool = True, small_buffer: bool = False) -> Peer:
        peer = Peer(name, server.port, server.kind, server.alive, lambda waiting: self.stuck(server, waiting))
        with self._lock:
            self._peers.append(peer)
        peer.connect(timeout=self.left(3.0) or 0.1, read=read, small_buffer=small_buffer)
        return peer

    def join(self, server: Server, name: str, **kw) -> Peer:
        """Connect and introduce `name` the way the submission's client does, and let the server
        finish what a join makes it do (accept, register, announce) before anything else happens."""
        peer = self.connect(server, name, **kw)
        self.introduce(peer, wait_greeting=kw.get("read", True))
        if server.kind == "tcp":
            waiting.wait(lambda t: waiting.wait_accepted(server.port, peer.local_port, t, server.alive),
                         lambda ok: ok or not server.alive(), self.left(CONSUME_TIMEOUT), lambda: self.stuck(server))
        self.settle(server)
        return peer

    def settle(self, server: Server) -> None:
        """Wait until the server has nothing left to do (a busy loop never settles: bounded)."""
        waiting.wait_idle(server.program.pid, self.left(SETTLE_TIMEOUT))

    def introduce(self, peer: Peer, wait_greeting: bool = True) -> None:
        """The lines of the dialect's handshake (the name, a password), each after the server's answer
        to the last (the first after its greeting, if it greets)."""
        d = self.dialect
        if d.hello(peer.name) is None:
            return
        answer = 0 if d.greets else None
        for data in [d.hello(line.replace("{name}", peer.name)) for line in d.handshake()]:
            if answer is not None and wait_greeting:
                peer.wait_data(self.left(GREETING_TIMEOUT), answer)
                peer.wait_quiet(0.05, self.left(0.3))
            answer = peer.mark()
            self.send(peer, data)

    def send(self, peer: Peer, data: bytes) -> bool:
        """Send one message and let the server read it before anything else is sent.

        Most student servers take whatever one recv() returns as one message; two sends in a row
        could otherwise arrive glued together and be judged as one.
        """
        return peer.send(data, consumed_timeout=self.left(CONSUME_TIMEOUT))

    def say(self, peer: Peer, text: str) -> bool:
        return self.send(peer, self.dialect.message(peer.name, text))

    def leave(self, peer: Peer) -> None:
        """Leave the way the submission's client does: its leave message, if any, then close."""
        goodbye = self.dialect.goodbye(peer.name)
        if goodbye:
            self.send(peer, goodbye)
        peer.close()

    def isolation_reports(self) -> list[tuple[str, str]]:
        """What the shim of every program started so far says it could apply: ("landlock", abi) or
        ("none", why) (grader.isolation)."""
        with self._lock:
            programs = list(self._programs)
        return [e[1:3] for p in programs for e in p.events() if e[0] == "isolation" and len(e) >= 3]

    # -- the end ------------------------------------------------------------------------------
    def close(self) -> None:
        with self._lock:
            peers, programs, adopted = list(self._peers), list(self._programs), list(self._adopted)
        for stop, _, _ in adopted:
            stop()
        for peer in peers:
            peer.close()
        for program in programs:
            program.stop()

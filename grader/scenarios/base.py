"""What every scenario shares: unique tokens, the console seen as a user, and the steps (join, say,
deliver, close) that also write the transcript of what was sent and what came back."""
from __future__ import annotations

import random
import threading
import time

from .. import users
from ..harness import Harness, Server
from ..messages import Msg
from ..observations import Crash, SourceFacts
from ..peer import Peer
from ..reasons import Reason
from ..transcript import Transcript

DELIVERY = 3.0      # seconds a message may take to arrive
NOTICE = 1.5        # seconds a join or leave notice may take
SETTLE = 0.3        # seconds to wait for something that must NOT arrive (a duplicate, a leak)


class Tokens:
    """Unique, deterministic tokens, so every expectation is unambiguous and every run alike."""

    def __init__(self, seed: str):
        self._rng = random.Random(seed)
        self._lock = threading.Lock()

    def __call__(self) -> str:
        with self._lock:
            return "T" + "".join(self._rng.choice("ABCDEFGHJKLMNPQRSTUVWXYZ23456789") for _ in range(7))


class Console:
    """The person at the server's keyboard, seen as a chat user: they read what the server prints."""

    name = Msg("console")

    def __init__(self, program):
        self.program = program

    def mark(self) -> int:
        return len(self.program.output())

    def text(self, since: int = 0) -> str:
        return self.program.output()[since:]

    def count(self, token: str, since: int = 0) -> int:
        return self.text(since).count(token)

    def wait_token(self, token: str, timeout: float, since: int = 0) -> bool:
        return token in self.text(since) or self.program.wait_output(token, timeout) and token in self.text(since)

    def wait_quiet(self, quiet: float, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        size = self.mark()
        while time.monotonic() < deadline:
            # Output has no "changed" event to wait on; this waits `quiet` s, or less if the server exits.
            self.program.wait_exit(min(quiet, max(0.0, deadline - time.monotonic())))
            if self.mark() == size:
                return
            size = self.mark()


def crash_of(server: Server) -> Crash:
    """The server's state now, as data."""
    if server.alive():
        return Crash()
    program = server.program
    clean = program.returncode == 0 and program.limit_hit is None and not program.traceback()
    return Crash(alive=False, why=server.why_down(), clean_exit=clean)


class Scenario:
    """Drives server processes and fills `self.seen` (an observation record); writes no verdict.

    `name` is the Observations attribute the record goes to; `Observation` its class."""

    name = ""
    Observation: type | None = None
    raw_only = False    # its users are raw sockets even where the student's client can be driven

    def __init__(self, h: Harness, tokens: Tokens, facts: SourceFacts):
        self.h, self.token, self.facts = h, tokens, facts
        self.users = users.RawUsers(h) if self.raw_only else users.driving(h)
        self.log = Transcript()
        self.seen = None
        self._shown: dict[tuple[str, int], int] = {}

    def run(self) -> None:
        raise NotImplementedError

    # -- steps that write the transcript ------------------------------------------------------
    def note(self, part: str, reason: Reason, **values) -> None:
        self.log.add(part, "note", str(values.get("user", "")), Msg(reason, **values))

    def server_state(self, part: str, server: Server) -> Crash:
        crash = crash_of(server)
        if not crash.alive:
            self.log.add(part, "server", "", crash.why)
        return crash

    def connect(self, part: str, server: Server, name: str) -> Peer:
        self.note(part, Reason.TRANSCRIPT_CONNECTED, user=name)
        return self.users.connect(server, name)

    def introduce(self, part: str, peer: Peer, server: Server) -> None:
        self.log.add(part, self.users.event, peer.name, self.users.hello(peer.name) or "")
        self.users.introduce(peer, server)

    def join(self, part: str, server: Server, name: str, **kw) -> Peer:
        self.note(part, Reason.TRANSCRIPT_CONNECTED, user=name)
        self.log.add(part, self.users.event, name, self.users.hello(name) or "")
        return self.users.join(server, name, **kw)

    def send(self, part: str, peer: Peer, words: str) -> bool:
        """`peer` puts `words` on the wire (a raw socket) or types them (a client) as they are."""
        self.log.add(part, self.users.event, peer.name, self.users.shown(words))
        return self.users.send(peer, words)

    def say(self, part: str, peer: Peer, text: str) -> bool:
        self.log.add(part, self.users.event, peer.name, self.users.words(peer, text))
        return self.users.say(peer, text)

    def close(self, part: str, peer: Peer, reset: bool = False) -> None:
        self.note(part, Reason.TRANSCRIPT_RESET if reset else Reason.TRANSCRIPT_CLOSED, user=peer.name)
        if reset:
            peer.abort()
        else:
            peer.close()

    def got(self, part: str, receiver, since: int) -> None:
        """Add what `receiver` got from `since` on that this part's transcript does not show yet."""
        key = (part, id(receiver))
        start = max(since, self._shown.get(key, since))
        if isinstance(receiver, Console):
            text = receiver.text(start)
            self._shown[key] = start + len(text)
            self.log.add(part, "server", "", text)
            return
        data = receiver.raw(start)
        self._shown[key] = start + len(data)
        got = data.decode("utf-8", "replace")
        self.log.add(part, "got", receiver.name, got)
        if isinstance(receiver, users.ClientPeer):   # and what its user saw, where that is not the same
            key = (part, id(receiver), "printed")
            start = self._shown.get(key, receiver.printed_from(since))
            text = receiver.printed(start)
            self._shown[key] = start + len(text)
            if text.split() != got.split():
                self.log.add(part, "printed", receiver.name, text)

    # -- deliveries ---------------------------------------------------------------------------
    def deliver(self, part: str, sender: Peer, receivers: list, words: str = "hi") -> tuple[str, list]:
        """Send one message; return its token and the receivers it did not reach in time."""
        token = self.token()
        marks = [p.mark() for p in receivers]
        self.say(part, sender, f"{words} {token}")
        return token, self.missed(part, token, receivers, marks)

    def missed(self, part: str, token: str, receivers: list, marks: list[int], deadline: float = 0.0) -> list:
        """The receivers that do not get `token` within one common DELIVERY time (or by `deadline`)."""
        deadline = deadline or time.monotonic() + self.h.left(DELIVERY)
        missed = []
        for p, mark in zip(receivers, marks):
            if not p.wait_token(token, max(0.0, deadline - time.monotonic()), mark):
                missed.append(p)
            self.got(part, p, mark)
        return missed

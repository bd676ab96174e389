"""Scripted users, driven the two ways a grading can: typing into the student's own client, or
speaking the learned dialect over a raw socket.

A teacher grading by hand opens a terminal per user and types into the student's client. Where the
submission has a client that the dialect learning saw reach the server, every scripted user a
scenario joins is such a client (ClientUsers): a sandboxed copy of it, given the name the way it
takes one, its connections going through a relay of its own that records the wire and can close or
reset the server's side. Elsewhere (no client, one that does not compile or never reached the
server, UDP, the console kind of chat, and the reader that stops, which no client does) users are
raw sockets in the dialect (RawUsers). A scenario sees one interface either way: join a user, make
it say a line or type a line as it is, leave; and reads users alike: marks, text since a mark,
waits for a token.

What a client user got is read from the wire, leniently (grader.wire: UTF-8, JSON escapes, framing
forgiven), and from what its client printed: a token reached it if it is in either. Echoes and
duplicates are read from the wire only, since many clients print the lines their user typed.
"""
from __future__ import annotations

import bisect
import threading
from typing import Callable

from . import sandbox, waiting, wire
from .client_user import NAME_WAIT, ClientUser, Leave, Mark
from .relay_ends import upstreams
from .harness import Harness, Server
from .kernel import tcp, udp
from .messages import Msg
from .peer import Peer
from .reasons import Reason

# Raw users' words are the dialect's bytes as text: framing bytes that are not UTF-8 (a length
# prefix) survive the round trip; shown() makes them printable for the transcript.
BYTES = "surrogateescape"
CONSUME_TIMEOUT = 0.5   # s: for a typed line to go out and be read by the server before the next
CONNECT_WAIT = 10.0     # s: for a client to reach the server (a Python start is slow under load)
LEAVE_NOTES = {"command": Reason.TRANSCRIPT_LEAVE_COMMAND, "interrupt": Reason.TRANSCRIPT_LEAVE_INTERRUPT,
               "end_of_input": Reason.TRANSCRIPT_LEAVE_END_OF_INPUT, "kill": Reason.TRANSCRIPT_LEAVE_KILL}


class ClientPeer:
    """A ClientUser read the way scenarios read a raw Peer: a mark counts the bytes the server has
    sent this user, all its connections together in the order they came."""

    def __init__(self, user: ClientUser, port: int, stop_early: Callable[[], bool]):
        self.user, self.name, self.port = user, user.name, port
        self.stop_early = stop_early
        self._offsets = [0]             # bytes from the server before relay event number i
        self._data = bytearray()
        self._marks: dict[int, Mark] = {}
        self.last_typed: Mark | None = None   # where the wire stood when the last line was typed
        self._lock = threading.Lock()

    def _catch_up(self, upto: int | None = None) -> None:
        with self._lock:
            done = len(self._offsets) - 1
            new = self.user.relay.events_since(done)
            for event in new if upto is None else new[:max(0, upto - done)]:
                if event.kind == "s2c":
                    self._data += event.data
                self._offsets.append(len(self._data))

    def mark(self) -> int:
        mark = self.user.mark()
        self._catch_up(mark.events)
        with self._lock:
            at = self._offsets[mark.events]
            self._marks[at] = mark
        return at

    def _mark_of(self, since: int) -> Mark:
        with self._lock:
            known = self._marks.get(since)
            if known is not None or since == 0:
                return known or Mark(0, 0)
            return Mark(bisect.bisect_left(self._offsets, since), 0)

    def raw(self, since: int = 0) -> bytes:
        self._catch_up()
        with self._lock:
            return bytes(self._data[since:])

    def text(self, since: int = 0) -> str:
        return wire.texts(self.raw(since))

    def count(self, token: str, since: int = 0) -> int:
        return wire.count(self.raw(since), token)

    def seen(self, since: int = 0) -> str:
        """What the client printed since the mark."""
        return self.user.seen(self._mark_of(since))

    def printed_from(self, since: int) -> int:
        """Where the client's output stood at the mark `since` (0 if it is not a mark)."""
        return self._mark_of(since).output

    def printed(self, start: int) -> str:
        """What the client printed from output position `start` on."""
        return self.user.seen(Mark(0, start))

    def wait_token(self, token: str, timeout: float, since: int = 0) -> bool:
        mark = self._mark_of(since)
        return waiting.wait(lambda t: self.user.wait_token(token, t, mark), bool, timeout, self.stop_early)

    def wait_text(self, told: Callable[[str], bool], timeout: float, since: int = 0) -> bool:
        return waiting.wait(lambda t: self.user.wait_until(lambda: told(self.text(since)), t), bool, timeout,
                            self.stop_early)

    def wait_quiet(self, quiet: float, timeout: float) -> None:
        self.user.wait_quiet(quiet, timeout)

    def wait_closed(self, timeout: float) -> bool:
        """The server ended every connection of this user."""
        def ended() -> bool:
            conns = self.user.connections()
            return bool(conns) and all(c.from_server != "open" for c in conns)
        return waiting.wait(lambda t: self.user.wait_until(ended, t), bool, timeout, self.stop_early)

    @property
    def local_ports(self) -> list[int]:
        """The local ports of the relay's connections to the server for this user (one or several)."""
        return [end.local_port for end in upstreams(self.user.relay, self.port) or [] if end.connected and end.local_port]

    def close(self) -> None:
        self.user.close_server_side()

    def abort(self) -> None:
        self.user.reset_server_side()


class RawUsers:
    """Raw sockets speaking the learned dialect (grader.dialect): the grader sends bytes."""

    how = Msg(Reason.DRIVEN_RAW)
    event = "sent"       # the transcript's word for what a user put on the wire

    def __init__(self, h: Harness):
        self.h = h

    def connect(self, server: Server, name: str) -> Peer:
        return self.h.connect(server, name)

    def introduce(self, peer: Peer, server: Server) -> None:
        self.h.introduce(peer)

    def join(self, server: Server, name: str, **kw) -> Peer:
        return self.h.join(server, name, **kw)

    def hello(self, name: str) -> str | None:
        hello = self.h.dialect.hello(name)
        return None if hello is None else hello.decode("utf-8", "replace")

    @staticmethod
    def shown(words: str) -> str:
        """`words` as the transcript prints them."""
        return words.encode("utf-8", BYTES).decode("utf-8", "replace")

    def words(self, peer: Peer, text: str) -> str:
        """What goes on the transcript when `peer` says `text`."""
        return self.h.dialect.message(peer.name, text).decode("utf-8", "replace")

    def say(self, peer: Peer, text: str) -> bool:
        return self.h.say(peer, text)

    def plain(self, text: str) -> str:
        """`text` in the dialect's framing, without a name the client would add."""
        return self.h.dialect.bare(text).decode("utf-8", BYTES)

    def send(self, peer: Peer, words: str) -> bool:
        """Put `words` (as plain() or private() gave them) on the wire as they are."""
        return self.h.send(peer, words.encode("utf-8", BYTES))

    def adds_name(self, peer: Peer, token: str) -> bool:
        """The sender's own bytes carried its name (the client adds it, not the server)."""
        return self.h.dialect.client_adds_name

    def server_part(self, around: str, peer: Peer, token: str) -> str:
        """What `around` (a receiver's line with `token`) holds that the server wrote: a raw user
        sent the line without a name, so all of it."""
        return around

    def private(self, to: str, text: str) -> list[str]:
        """Ways to send a private message, best first."""
        return [w.decode("utf-8", BYTES) for w in self.h.dialect.private("Alice", to, text)]

    def private_shown(self, to: str, way: str | None = None) -> str:
        """The private-message syntax a report names (`way`: the one that reached `to`)."""
        return self.h.dialect.private_format.format(to=to, text="text")

    @property
    def private_found(self) -> bool:
        return self.h.dialect.private_found

    def not_sent(self, peer: Peer, token: str) -> str | None:
        """None: what `peer` said last went out (a raw user's always does); else the client's last
        error line ("" if it printed none)."""
        return None

    def leave(self, peer: Peer) -> tuple[str, list[Msg]]:
        """Leave the way the submission's client does; what was sent as the goodbye, and notes."""
        sent = (self.h.dialect.goodbye(peer.name) or b"").decode("utf-8", "replace")
        self.h.leave(peer)
        return sent, [Msg(Reason.TRANSCRIPT_CLOSED, user=peer.name)]


class ClientUsers(RawUsers):
    """Every user a running copy of the student's client (grader.client_user): the grader types."""

    how = Msg(Reason.DRIVEN_CLIENT)
    event = "typed"

    def connect(self, server: Server, name: str) -> ClientPeer:
        """Start a client for `name` (typing the name unless it goes on the command line) and wait
        until it reaches the server; ConnectionRefusedError if it does not."""
        h, entry = self.h, self.h.sub.client
        h.settle(server)   # a server with several ports may open the others after the first
        ports = {b.requested[1]: b.port for b in server.program.bindings if b.kind == server.kind}
        user = ClientUser.launch(h.sub.root, entry.script, entry.args, ("127.0.0.1", server.port), kind=server.kind,
                                 name=name, limits=h.limits, ports=ports, typed=entry.typed, python=h.client_python,
                                 handshake=h.dialect.handshake(h.name_line), greets=h.dialect.greets)
        h.adopt(server, user.stop, lambda: upstreams(user.relay, server.port))
        # The server first: once it is stuck, all it sent is in the relay's sockets, whose threads are
        # then not settled until they have passed it on.
        peer = ClientPeer(user, server.port, lambda: h.stuck(server) and user.relay.settled())
        if not user.wait_until(lambda: user.connected, h.left(CONNECT_WAIT)):
            raise ConnectionRefusedError(Msg(Reason.CLIENT_NO_CONNECT).render("en"))
        return peer

    def introduce(self, peer: ClientPeer, server: Server) -> None:
        """Wait until the name has gone out (or the client waits for typing without sending it), the
        server has read all this user sent, has finished what the join made it do and what it sent
        has crossed the relay."""
        idle = lambda: self.h.stuck(server)   # noqa: E731
        if not peer.user.wait_joined(self.h.left(NAME_WAIT), answered=False, idle=idle) and peer.user.connected \
                and peer.user.program.alive() and self.h.dialect.name_format is not None:
            # The server wants a name, and the client kept it (it waits for a prompt its server never
            # sends) and waits for the next line, under the server's own prompt on its screen: a TA
            # types the name again.
            peer.user.type_name(self.h.name_line)
            if peer.user.wait_joined(self.h.left(NAME_WAIT), answered=False, idle=idle) and not any(
                    n.key == "note.name_typed_twice" for n in self.h.dialect.notes):
                self.h.dialect.notes.append(Msg("note.name_typed_twice"))
        self._consumed(peer)
        self.h.settle(server)
        waiting.poll_until(peer.user.relay.settled, self.h.left(CONSUME_TIMEOUT))

    def join(self, server: Server, name: str, **kw) -> ClientPeer:
        peer = self.connect(server, name)
        self.introduce(peer, server)
        return peer

    def hello(self, name: str) -> str | None:
        return None if self._name_on_argv else name

    @property
    def _name_on_argv(self) -> bool:
        return any("{name}" in a for a in self.h.sub.client.args)

    def words(self, peer: ClientPeer, text: str) -> str:
        return text

    def say(self, peer: ClientPeer, text: str) -> bool:
        return self.send(peer, self.plain(text))

    def plain(self, text: str) -> str:
        """What a user types for `text` (a console menu's option first, where the client has one)."""
        return self.h.dialect.typed_message.format(text=text)

    def not_sent(self, peer: ClientPeer, token: str) -> str | None:
        if peer.last_typed is None or token.encode() in peer.user.sent(peer.last_typed):
            return None
        return sandbox.error_line(peer.user.seen(peer.last_typed)) or ""

    def send(self, peer: ClientPeer, words: str) -> bool:
        """Type `words` and wait until they have gone out and the server has read them."""
        if not peer.user.program.alive():
            return False
        mark = peer.last_typed = peer.user.type(words.rstrip("\n"))
        token = words.split()[-1] if words.split() else words
        peer.user.wait_sent(token, self.h.left(CONSUME_TIMEOUT), mark)
        return self._consumed(peer)

    def _consumed(self, peer: ClientPeer) -> bool:
        """Until the relay has passed on all it got and the server has read every byte of it, or the
        server can do nothing more (a connection it never accepts is never read)."""
        relay = peer.user.relay

        def read() -> bool:
            if not relay.settled():
                return False
            if relay.kind == "udp":   # every datagram passed on is out of the server's queue
                return udp.unread(peer.port) == 0
            ends = upstreams(relay, peer.port)
            if ends is None:
                return False
            for end in (e for e in ends if e.connected):
                if not end.local_port:   # not accepted yet: nothing of it read
                    return False
                kernel = tcp.connection(end.port, end.local_port)
                if kernel is not None and (kernel.rqueue or kernel.inode == 0 or
                                           (kernel.received is not None and kernel.received < end.sent)):
                    return False
            return True
        return waiting.wait(lambda t: waiting.poll_until(read, t), bool, self.h.left(CONSUME_TIMEOUT),
                            peer.stop_early)

    def adds_name(self, peer: ClientPeer, token: str) -> bool:
        return wire.near(peer.user.sent(peer.last_typed), peer.name, token)

    def server_part(self, around: str, peer: ClientPeer, token: str) -> str:
        """The name the sender's own client wrote into the line is not the server's."""
        return around.replace(peer.name, "", 1) if self.adds_name(peer, token) else around

    def private(self, to: str, text: str) -> list[str]:
        """What the client's code lets a user type for a private message, best first (learn_dialect
        set them: dialect.typed_private)."""
        return [way.format(to=to, text=text) for way in self.h.dialect.private_typed]

    def private_shown(self, to: str, way: str | None = None) -> str:
        return way or " | ".join(self.private(to, "text"))

    @property
    def private_found(self) -> bool:
        sub = self.h.sub
        return bool(sub.client_facts.private_prefixes) or self.h.dialect.private_found

    def leave(self, peer: ClientPeer) -> tuple[str, list[Msg]]:
        """Leave the way a user does (grader.client_user.leave): the leave command, Ctrl+C, end of
        input, closing the terminal, in turn until the client has ended."""
        sub = self.h.sub
        commands = tuple(dict.fromkeys(sub.client_facts.leave_words + sub.server_facts.leave_words))
        left: Leave = peer.user.leave(commands[:1])
        notes = [Msg(LEAVE_NOTES[step.action], user=peer.name, typed=step.typed or "",
                     got=wire.texts(step.server_got).strip() or "—") for step in left.steps]
        return wire.texts(left.server_got).strip(), notes


def driving(h: Harness) -> RawUsers:
    """The users of `h`'s scenarios: the student's client where it can be driven, else raw sockets."""
    return ClientUsers(h) if h.clients else RawUsers(h)

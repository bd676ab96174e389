"""The main conversation: one server, four users, everything a chat does in turn.

It observes, in this order: the start, Alice's name, one broadcast, the sender's name, Unicode, join
notices, a private message, all four speaking at once (and their echoes and duplicates) and, last
because it disconnects, a leave notice. When the first broadcast does not arrive it looks only at
what is still worth looking at (joins, the leave); when the server reads its keyboard it tries a chat
between one client and the server's console.
"""
from __future__ import annotations

import time

from .. import notices, users
from ..harness import Server, ServerDown
from ..messages import Msg
from ..kernel import procfs, syscalls, tcp
from ..observations import (BroadcastObs, EchoObs, JoinObs, LeaveObs, MainObs, MultiObs, PrivateObs,
                            RegistersObs, SenderObs, Start, StartObs, UnicodeObs, segment_with, two_user_pattern)
from ..peer import Peer
from ..reasons import Reason
from .base import DELIVERY, NOTICE, SETTLE, Console, Scenario

UNICODE_TEXT = "Привет, мир! 👋 {token}"
SHOW_WAIT = 1.0   # s for a client to print a message that has reached it


class MainScenario(Scenario):
    name = "main"

    def run(self) -> None:
        self.seen = seen = MainObs()
        self.form: notices.RelayedForm | None = None   # how the server relays a chat message, once seen
        alice, server = self.start()
        if alice is None:
            return
        seen_join: list[tuple[str, str, str]] = []
        bob = self.join_watched(server, "Bob", [alice], seen_join)
        mark = bob.mark()
        token, missed = self.deliver("broadcast", alice, [bob], "hello")
        if missed:
            if self.facts.reads_keyboard and self.console_chat():
                return
            seen.broadcast = BroadcastObs(False, self.server_state("broadcast", server), DELIVERY)
            carol = self.join_watched(server, "Carol", [alice, bob], seen_join)
            seen.join = self.join_obs(seen_join)
            self.leave(bob, [alice, carol], server)
            return
        seen.broadcast = BroadcastObs(True, seconds=DELIVERY)
        self.shown(bob, alice, token, mark)
        self.form = notices.RelayedForm.seen(bob.text(mark), "Alice", f"hello {token}")   # what deliver() sent
        first_around = segment_with(bob.text(), token)
        echoed = ("Alice",) if alice.count(token) else ()
        self.sender_name(alice, bob, first_around)
        carol = self.join_watched(server, "Carol", [alice, bob], seen_join)
        self.private_message(alice, bob, carol, server)
        dave = self.join("multi_user", server, "Dave")
        users = [alice, bob, carol, dave]
        self.multi_user(users, server)
        # Late: Cyrillic and an emoji are what most often breaks a student's client or the server's
        # thread for Alice (`.encode("ascii")`), and nothing of the chat for four may hang on that.
        self.unicode(alice, bob, server, also=[carol, dave])
        seen.echo = EchoObs(echoed, seen.multi.echo, seen.multi.dupes)
        seen.join = self.join_obs(seen_join, two_user=seen.two_user)
        if seen.two_user:  # leave with a user who really is in the chat
            self.leave(bob, [alice], server)
        else:
            self.leave(dave, [alice, bob, carol], server)

    def shown(self, reader, sender: Peer, token: str, mark: int) -> None:
        """A message that reached `reader`'s client must show on its screen, as a TA watching it sees
        it: where it does not within SHOW_WAIT, a note says so (the verdicts judge what reached the
        client, on the wire)."""
        if not isinstance(reader, users.ClientPeer):
            return
        if not reader.user.wait_until(lambda: token in reader.seen(mark), self.h.left(SHOW_WAIT)):
            self.h.dialect.notes.append(Msg("note.client_not_showing", user=reader.name, sender=sender.name,
                                            seconds=f"{SHOW_WAIT:g}"))

    def start(self) -> tuple[Peer | None, Server | None]:
        """Start the server and register Alice; (None, None) when it goes no further."""
        h, seen = self.h, self.seen
        try:
            server = h.start_server()
        except ServerDown as e:
            seen.start = StartObs(Start.DOWN, down=e.msg)
            return None, None
        try:
            alice = self.connect("server_starts", server, "Alice")
        except OSError as e:
            alice, refused = None, e
        if server.program.wait_exit(h.left(0.15 if alice else 0.5)) is not None:
            seen.start = StartObs(Start.ENDED, crash=self.server_state("server_starts", server))
            return None, None
        if alice is None:
            seen.start = StartObs(Start.REFUSED, error=str(refused.strerror or refused))
            return None, None
        seen.start = StartObs(Start.STARTED, transport=server.kind)
        self.introduce("registers_name", alice, server)
        if alice.wait_closed(h.left(0.25)) or not server.alive():
            # A program that ends by itself, status 0 and no traceback, can take longer than the look
            # above to do so on a loaded machine: it gets the verdict it gets when seen ending there.
            code = server.program.wait_exit(h.left(1.0))
            crash = self.server_state("registers_name", server)
            if code == 0 and crash.clean_exit:
                seen.start = StartObs(Start.ENDED, crash=crash)
                return None, None
            seen.registers = RegistersObs(True, crash)
            return None, None
        seen.registers = RegistersObs(False)
        return alice, server

    def console_chat(self) -> bool:
        """The other two-user chat: one client, and the person typing into the server's console (tried when
        the first broadcast did not arrive and the server reads its keyboard). Whether Alice and the
        console chat; if they do, fills the record for a chat of two."""
        h, seen = self.h, self.seen
        self.users = users.RawUsers(h)   # the console's partner is a raw socket (grader.users)
        server = h.start_server()
        console = Console(server.program)
        mark = console.mark()
        alice = self.join("broadcast", server, "Alice")
        joined = "Alice" in console.text(mark) or console.wait_token("Alice", h.left(NOTICE / 2), mark)
        token, missed = self.deliver("broadcast", alice, [console], "hello")
        if missed:
            return False
        answer, mark = self.token(), alice.mark()
        self.note("broadcast", Reason.TRANSCRIPT_STDIN, text=f"hi {answer}")
        server.program.write_stdin(f"hi {answer}\n")
        arrived = alice.wait_token(answer, h.left(DELIVERY), mark)
        self.got("broadcast", alice, mark)
        if not arrived:
            return False
        seen.two_user = True
        seen.broadcast = BroadcastObs(True, console=True)
        seen.multi = MultiObs(console=True)
        self.sender_name(alice, console, segment_with(console.text(), token))
        self.unicode(alice, console, server)
        seen.echo = EchoObs(("Alice",) if alice.count(token) else ())
        seen.private = PrivateObs(console=True)
        seen.join = JoinObs(console_told=joined)
        self.leave(alice, [console], server)
        return True

    def join_watched(self, server: Server, name: str, watchers: list, seen: list) -> Peer:
        """`name` joins; what each watcher got from then on, until it was told (or the notice time ran out)."""
        marks = [w.mark() for w in watchers]
        peer = self.join("join_notice", server, name)
        deadline = time.monotonic() + self.h.left(NOTICE / 2)
        hello, form = self.typed_name(name), self.form
        if form is None:  # the form is not seen yet: wait for any mention; the check judges it by the form
            self.missed("join_notice", name, watchers, marks, deadline)
        else:
            self.watch("join_notice", watchers, marks, deadline, lambda got: notices.joined(got, name, hello, form))
        seen += [(name, w.name, w.text(m)) for w, m in zip(watchers, marks)]
        return peer

    def typed_name(self, name: str) -> str:
        """What the grader sent or typed as `name`'s name ("" for nothing)."""
        return (self.users.hello(name) or "").strip()

    def join_obs(self, seen_join: list, two_user: bool = False) -> JoinObs:
        typed = tuple((n, self.typed_name(n)) for n in dict.fromkeys(t[0] for t in seen_join))
        return JoinObs(tuple(seen_join), typed, self.form, two_user=two_user)

    def watch(self, part: str, watchers: list[Peer], marks: list[int], deadline: float, told) -> None:
        """Wait, to one common deadline, until `told(what each watcher got since its mark)` holds."""
        for w, mark in zip(watchers, marks):
            w.wait_text(told, max(0.0, deadline - time.monotonic()), mark)
            self.got(part, w, mark)

    def sender_name(self, alice: Peer, reader, first_around: str) -> None:
        h = self.h
        token, mark = self.token(), reader.mark()
        self.send("sender_name", alice, self.users.plain(f"who {token}"))
        arrived = reader.wait_token(token, h.left(DELIVERY), mark)
        self.got("sender_name", reader, mark)
        around = self.users.server_part(segment_with(reader.text(mark), token) if arrived else "", alice, token)
        self.seen.sender = SenderObs(reader.name, arrived, around, first_around, self.users.adds_name(alice, token))

    def unicode(self, alice: Peer, reader, server: Server, also: tuple | list = ()) -> None:
        """Alice's line in Cyrillic with an emoji must reach `reader`; it is let reach `also` too, so
        that none of it arrives late inside the leave that follows (as if it came with a notice)."""
        token, mark, marks = self.token(), reader.mark(), [p.mark() for p in also]
        text = UNICODE_TEXT.format(token=token)
        self.say("unicode", alice, text)
        arrived = reader.wait_token(token, self.h.left(DELIVERY), mark)
        self.got("unicode", reader, mark)
        if arrived:
            self.missed("unicode", token, also, marks, time.monotonic() + self.h.left(DELIVERY / 2))
        self.seen.unicode = UnicodeObs(reader.name, text, token, arrived, reader.text(mark),
                                       self.server_state("unicode", server),
                                       None if arrived else self.users.not_sent(alice, token))

    def private_message(self, alice: Peer, bob: Peer, carol: Peer, server: Server) -> None:
        h, u = self.h, self.users
        _, missed = self.deliver("private_message", alice, [bob, carol], "everyone")
        shown = u.private_shown("Bob")
        if carol in missed:
            self.seen.private = PrivateObs(shown, u.private_found, untestable=True)
            return
        leaked = None   # the first way that reached Bob and Carol too: the next way may be the private one
        for way in range(len(u.private("Bob", "secret"))):
            # The token goes in before framing: a length-prefixed frame counts its bytes.
            token = self.token()
            marks = bob.mark(), carol.mark()
            attempt = u.private("Bob", f"secret {token}")[way]
            self.send("private_message", alice, attempt)
            if bob.wait_token(token, h.left(DELIVERY / 2), marks[0]):
                saw = carol.wait_token(token, h.left(SETTLE), marks[1])
                after = carol.wait_token(token, 0, marks[1])
                self.got("private_message", bob, marks[0])
                self.got("private_message", carol, marks[1])
                seen = PrivateObs(u.private_shown("Bob", u.private("Bob", "text")[way]), u.private_found,
                                  reached=True, carol_saw=saw, carol_saw_after=after)
                if not (saw or after):
                    self.seen.private = seen
                    return
                leaked = leaked or seen
                continue
            self.got("private_message", bob, marks[0])
        self.seen.private = leaked or PrivateObs(shown, u.private_found,
                                                 crash=self.server_state("private_message", server))

    def multi_user(self, users: list[Peer], server: Server) -> None:
        """Each user speaks once: who was not heard by whom, duplicates, echoes. First, with all four
        joined and the server settled (the last join waited for that), its thread count, and how
        many of the users have a thread of the server waiting for their input alone."""
        threads = procfs.thread_count(server.program.pid) or None
        served = self.served_apart(users, server)
        marks = {u.name: u.mark() for u in users}
        tokens = {u.name: self.token() for u in users}
        for sender in users:
            self.say("multi_user", sender, f"multi {tokens[sender.name]}")
        missing: list[tuple[str, str]] = []
        deadline = time.monotonic() + self.h.left(DELIVERY)
        for sender in users:
            others = [u for u in users if u is not sender]
            missed = self.missed("multi_user", tokens[sender.name], others, [marks[u.name] for u in others], deadline)
            missing += [(sender.name, m.name) for m in missed]
        dupes = []
        settled = time.monotonic() + self.h.left(SETTLE)
        for sender in users:
            for u in users:
                if u is not sender and u.wait_text(lambda text, t=tokens[sender.name]: text.count(t) > 1,
                                                   max(0.0, settled - time.monotonic()), marks[u.name]):
                    dupes.append((sender.name, u.name))
        for u in users:
            self.got("multi_user", u, marks[u.name])
        echo = tuple(u.name for u in users if u.count(tokens[u.name], marks[u.name]))
        names = tuple(u.name for u in users)
        self.seen.multi = MultiObs(names, tuple(missing), tuple(dupes), echo, self.server_state("multi_user", server),
                                   threads=threads, served_apart=served)
        if two_user_pattern(names, missing):
            self.seen.two_user = True

    @staticmethod
    def served_apart(users: list[Peer], server: Server) -> int | None:
        """How many of `users` have a thread of the server blocked receiving from their connection
        (a thread per client, or a pool of them); None for UDP or where it cannot be told."""
        receiving = syscalls.receiving_sockets(server.program.pid) if server.kind == "tcp" else None
        if receiving is None:
            return None
        def waited_on(user) -> bool:
            ends = (tcp.connection(server.port, port) for port in user.local_ports)
            return any(end is not None and end.inode in receiving for end in ends)
        return sum(1 for u in users if waited_on(u))

    def leave(self, leaver: Peer, observers: list, server: Server) -> None:
        """`leaver` leaves the way the submission's client does; what each observer got from then on."""
        h = self.h
        name = leaver.name
        marks = [o.mark() for o in observers]
        sent, steps = self.users.leave(leaver)
        goodbye = sent.strip()
        if self.users.event == "sent":
            self.log.add("leave_notice", "sent", name, sent)
        for step in steps:
            self.log.add("leave_notice", "note", name, step)
        deadline, form, adds = time.monotonic() + h.left(NOTICE), self.form, self.server_adds_name
        if form is None:
            self.missed("leave_notice", name, observers, marks, deadline)
        else:
            self.watch("leave_notice", observers, marks, deadline,
                       lambda got: notices.left(got, name, goodbye, form, adds))
        if observers:  # a notice may follow a relayed copy of the goodbye; they all arrive together
            observers[0].wait_quiet(0.15, h.left(0.5))
        for o, mark in zip(observers, marks):
            self.got("leave_notice", o, mark)
        self.seen.leave = LeaveObs(name, goodbye, tuple((o.name, o.text(m)) for o, m in zip(observers, marks)),
                                   server_adds_name=adds, announces_only_on_reset=self.facts.announces_only_on_reset,
                                   form=form)

    @property
    def server_adds_name(self) -> bool:
        return bool(self.seen.sender and self.seen.sender.server_named)

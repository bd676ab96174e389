"""The checks: what each one does to the student's server and how it words a lost point.

Checks come in groups. A group gets a server process of its own and runs its checks one after
another; groups run side by side. Checks that may crash or wedge a server (disconnects, a silent
client, a client that never reads) each have their own group, so one bug costs one check's points.
assignments/checks.md is the contract for every verdict written here.
"""
from __future__ import annotations

import random
import threading
import time
from dataclasses import dataclass
from typing import Iterable

from . import proc, quiescence
from .harness import Harness, Server, ServerDown
from .messages import Msg, Names, Parts
from .peer import Peer
from .source import Facts
from .verdict import Verdict, fail, ok, partial

DELIVERY = 3.0      # seconds a message may take to arrive
NOTICE = 1.5        # seconds a join or leave notice may take
SETTLE = 0.3        # seconds to wait for something that must NOT arrive (a duplicate, a leak)
BUSY_SHARE = 0.5    # share of the time a server may spend running while nothing happens
IDLE_WINDOW = 0.3   # seconds of sampling while idle...
AFTER_WINDOW = 0.8  # ...and after disconnects (a busy loop shows as ~100%, an idle server as ~0%)
SAMPLE_EVERY = 0.005
SLOW_BYTES = 8 << 20
REJOIN_WAIT = 0.3   # seconds in which a full server turns a newcomer away
STALL = 2           # seconds a send may block before the server counts as stalled


@dataclass(frozen=True)
class Check:
    id: str
    depends: tuple[str, ...] = ()

    @property
    def title(self) -> Msg:
        return Msg(f"title.{self.id}")


CHECKS = [
    Check("uses_socket"),
    Check("uses_threading"),
    Check("transport"),
    Check("server_starts"),
    Check("registers_name", ("server_starts",)),
    Check("broadcast", ("registers_name",)),
    Check("multi_user", ("broadcast",)),
    Check("sender_name", ("broadcast",)),
    Check("no_echo", ("broadcast",)),
    Check("join_notice", ("registers_name",)),
    Check("leave_notice", ("registers_name",)),
    Check("survives_disconnect", ("broadcast",)),
    Check("private_message", ("broadcast",)),
    Check("no_busy_loop", ("registers_name",)),
    Check("silent_client", ("broadcast",)),
    Check("unicode", ("broadcast",)),
    Check("slow_reader", ("broadcast",)),
]
BY_ID = {c.id: c for c in CHECKS}


def plural(key: str, people: list) -> str:
    return key + (".one" if len(people) == 1 else ".many")


def percent(share: float) -> str:
    return f"{share:.0%}"


class Tokens:
    """Unique, deterministic tokens, so every expectation is unambiguous and every run alike."""

    def __init__(self, seed: str):
        self._rng = random.Random(seed)
        self._lock = threading.Lock()

    def __call__(self) -> str:
        with self._lock:
            return "T" + "".join(self._rng.choice("ABCDEFGHJKLMNPQRSTUVWXYZ23456789") for _ in range(7))


class Group:
    """A run of checks against one server; fills `verdicts` as it goes."""

    def __init__(self, h: Harness, verdicts: dict[str, Verdict], tokens: Tokens):
        self.h, self.verdicts, self.token = h, verdicts, tokens

    def deliver(self, sender: Peer, receivers: list[Peer], words: str = "hi") -> tuple[str, list[Peer]]:
        """Send one message; return its token and the receivers it did not reach in time."""
        token = self.token()
        marks = [p.mark() for p in receivers]
        self.h.say(sender, f"{words} {token}")
        return token, self.missed(token, receivers, marks)

    def missed(self, token: str, receivers: list[Peer], marks: list[int], deadline: float = 0.0) -> list[Peer]:
        """The receivers that do not get `token` within one common DELIVERY time (or by `deadline`)."""
        deadline = deadline or time.monotonic() + self.h.left(DELIVERY)
        return [p for p, mark in zip(receivers, marks)
                if not p.wait_token(token, max(0.0, deadline - time.monotonic()), mark)]

    def crash_note(self, server: Server) -> Msg:
        """Why the server is gone, to add to a lost point's reason; nothing while it runs."""
        return Msg("empty") if server.alive() else Msg("crash", why=server.why_down())


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


def dupe_parts(dupes: list[tuple[str, str]]) -> Parts:
    return Parts(Msg("multi.dupe", sender=s, receiver=r) for s, r in dupes)


def segment_with(text: str, token: str) -> str:
    """What a receiver got up to the end of the line that holds the token."""
    at = text.find(token)
    if at < 0:
        return ""
    end = text.find("\n", at)
    return text[: end if end >= 0 else len(text)]


# -- the main conversation --------------------------------------------------------------------

class MainGroup(Group):
    """server_starts, registers_name, broadcast, sender_name, unicode, join_notice,
    private_message, multi_user, no_echo and, last because it disconnects, leave_notice."""

    two_user = False
    server_adds_name = False
    multi_dupes: list = []
    multi_echo: list = []

    def run(self) -> None:
        h, v = self.h, self.verdicts
        try:
            server = h.start_server()
        except ServerDown as e:
            v["server_starts"] = fail(e.msg)
            return
        try:
            alice = h.connect(server, "Alice")
        except OSError as e:
            alice, refused = None, e
        if server.program.wait_exit(h.left(0.15 if alice else 0.5)) is not None:
            why = server.why_down()
            v["server_starts"] = fail(why if why.key == "down.exited0" else Msg("starts.stopped", why=why))
            return
        if alice is None:
            v["server_starts"] = fail(Msg("starts.connect", error=refused.strerror or refused, crash=Msg("empty")))
            return
        v["server_starts"] = ok(Msg("starts.ok", transport=server.kind.upper()))

        # registers_name
        h.introduce(alice)
        if alice.wait_closed(h.left(0.25)) or not server.alive():
            # A program that ends by itself, status 0 and no traceback, can take longer than the look
            # above to do so on a loaded machine: it gets the verdict it gets when seen ending there.
            if server.program.wait_exit(h.left(1.0)) == 0 and server.why_down().key == "down.exited0":
                v["server_starts"] = fail(server.why_down())
                return
            v["registers_name"] = fail(Msg("registers.closed", crash=self.crash_note(server)))
            return
        v["registers_name"] = ok()

        seen_join: dict[str, bool] = {}
        bob = self.join_watched(server, "Bob", [alice], seen_join)

        # broadcast
        token, missed = self.deliver(alice, [bob], "hello")
        if missed:
            if h.sub.server_facts.calls_input and self.console_chat():
                return
            v["broadcast"] = fail(Msg("broadcast.missed", seconds=f"{DELIVERY:g}", crash=self.crash_note(server)))
            carol = self.join_watched(server, "Carol", [alice, bob], seen_join)
            self.join_notice(seen_join)
            self.leave_notice(bob, [alice, carol], server)
            return
        v["broadcast"] = ok()
        named_by_client = "Alice" in segment_with(bob.text(), token)
        echoed = [alice] if alice.count(token) else []

        self.sender_name(alice, bob, named_by_client)
        self.unicode(alice, bob, server)
        carol = self.join_watched(server, "Carol", [alice, bob], seen_join)
        self.private_message(alice, bob, carol, server)
        dave = h.join(server, "Dave")
        users = [alice, bob, carol, dave]
        self.multi_user(users, server)
        self.no_echo(users, echoed)
        if self.two_user:  # in a chat for two, only Bob's arrival had anyone to tell
            seen_join = {k: v for k, v in seen_join.items() if k.startswith("Bob>")}
        self.join_notice(seen_join)
        if self.two_user:  # leave with a user who really is in the chat
            self.leave_notice(bob, [alice], server)
        else:
            self.leave_notice(dave, [alice, bob, carol], server)

    def console_chat(self) -> bool:
        """The other two-user chat: one client, and the person typing into the server's console."""
        h, v = self.h, self.verdicts
        server = h.start_server(stdin=True)
        console = Console(server.program)
        mark = console.mark()
        alice = h.join(server, "Alice")
        joined = "Alice" in console.text(mark) or console.wait_token("Alice", h.left(NOTICE / 2), mark)
        token, missed = self.deliver(alice, [console], "hello")
        if missed:
            return False
        answer, mark = self.token(), alice.mark()
        server.program.write_stdin(f"hi {answer}\n")
        if not alice.wait_token(answer, h.left(DELIVERY), mark):
            return False
        self.two_user = True
        v["broadcast"] = ok(Msg("console.ok"))
        v["multi_user"] = fail(Msg("console.two_user"))
        self.sender_name(alice, console, "Alice" in segment_with(console.text(), token))
        self.unicode(alice, console, server)
        self.no_echo([alice], [alice] if alice.count(token) else [])
        v["private_message"] = fail(Msg("console.no_private"))
        v["join_notice"] = ok() if joined else fail(Msg("console.no_join"))
        self.leave_notice(alice, [console], server)
        return True

    def join_watched(self, server: Server, name: str, watchers: list[Peer], seen: dict[str, bool]) -> Peer:
        marks = [w.mark() for w in watchers]
        peer = self.h.join(server, name)
        deadline = time.monotonic() + self.h.left(NOTICE / 2)
        missed = self.missed(name, watchers, marks, deadline)
        for w in watchers:
            seen[f"{name}>{w.name}"] = w not in missed
        return peer

    def sender_name(self, alice: Peer, reader: Peer, named_by_client: bool) -> None:
        h, d = self.h, self.h.dialect
        token, mark = self.token(), reader.mark()
        h.send(alice, d.bare(f"who {token}"))
        if reader.wait_token(token, h.left(DELIVERY), mark) and "Alice" in segment_with(reader.text(mark), token):
            self.server_adds_name = True
            self.verdicts["sender_name"] = ok(Msg("sender.ok"))
        elif d.client_adds_name and named_by_client:
            self.verdicts["sender_name"] = partial(Msg("sender.client", reader=reader.name))
        else:
            self.verdicts["sender_name"] = fail(Msg("sender.none", reader=reader.name))

    def unicode(self, alice: Peer, reader: Peer, server: Server) -> None:
        token, mark = self.token(), reader.mark()
        text = f"Привет, мир! 👋 {token}"
        self.h.say(alice, text)
        if not reader.wait_token(token, self.h.left(DELIVERY), mark):
            self.verdicts["unicode"] = fail(Msg("unicode.missed", reader=reader.name, crash=self.crash_note(server)))
        elif text not in reader.text(mark):
            got = segment_with(reader.text(mark), token)[-60:]
            self.verdicts["unicode"] = fail(Msg("unicode.broken", sent=repr(text), reader=reader.name, got=repr(got)))
        else:
            self.verdicts["unicode"] = ok()

    def join_notice(self, seen: dict[str, bool]) -> None:
        """`seen` maps "Newcomer>Watcher" to whether the watcher was told."""
        missed: dict[str, list[str]] = {}
        for key, hit in seen.items():
            newcomer, watcher = key.split(">")
            if not hit:
                missed.setdefault(newcomer, []).append(watcher)
        newcomers = list(dict.fromkeys(k.split(">")[0] for k in seen))
        if not missed:
            self.verdicts["join_notice"] = ok()
        elif sum(map(len, missed.values())) == len(seen):
            self.verdicts["join_notice"] = fail(Msg("join.nobody", newcomers=Names(newcomers)))
        else:
            self.verdicts["join_notice"] = partial(Parts(
                Msg(plural("join.missed", w), newcomer=n, watchers=Names(w)) for n, w in missed.items()))

    def private_message(self, alice: Peer, bob: Peer, carol: Peer, server: Server) -> None:
        h, d = self.h, self.h.dialect
        _, missed = self.deliver(alice, [bob, carol], "everyone")
        if carol in missed:
            self.verdicts["private_message"] = fail(Msg("private.untestable"))
            return
        shown = d.private_format.format(to="Bob", text="text")
        for attempt in d.private("Alice", "Bob", "secret {token}"):
            token = self.token()
            marks = bob.mark(), carol.mark()
            h.send(alice, attempt.replace(b"{token}", token.encode()))
            if bob.wait_token(token, h.left(DELIVERY / 2), marks[0]):
                if carol.wait_token(token, h.left(SETTLE), marks[1]) and not d.private_found:
                    self.verdicts["private_message"] = fail(Msg("private.none", syntax=shown))
                elif carol.wait_token(token, 0, marks[1]):
                    self.verdicts["private_message"] = fail(Msg("private.leak", syntax=shown))
                else:
                    self.verdicts["private_message"] = ok(Msg("private.ok", syntax=shown))
                return
        hint = Msg("empty") if d.private_found else Msg("private.no_syntax")
        self.verdicts["private_message"] = fail(Msg("private.missed", syntax=shown, hint=hint,
                                                    crash=self.crash_note(server)))

    def multi_user(self, users: list[Peer], server: Server) -> dict[str, bool]:
        """Each user speaks once; returns who was heard by everyone."""
        marks = {u.name: u.mark() for u in users}
        tokens = {u.name: self.token() for u in users}
        for sender in users:
            self.h.say(sender, f"multi {tokens[sender.name]}")
        missing: list[tuple[str, str]] = []
        deadline = time.monotonic() + self.h.left(DELIVERY)
        for sender in users:
            others = [u for u in users if u is not sender]
            missed = self.missed(tokens[sender.name], others, [marks[u.name] for u in others], deadline)
            missing += [(sender.name, m.name) for m in missed]
        dupes = []
        settled = time.monotonic() + self.h.left(SETTLE)
        for sender in users:
            for u in users:
                if u is not sender and u.wait(lambda data, t=tokens[sender.name]: data.count(t.encode()) > 1,
                                              max(0.0, settled - time.monotonic()), marks[u.name]):
                    dupes.append((sender.name, u.name))
        self.multi_dupes = dupes
        self.multi_echo = [u for u in users if u.count(tokens[u.name], marks[u.name])]
        heard = {u.name: not any(s == u.name for s, _ in missing) for u in users}
        if not missing:
            self.verdicts["multi_user"] = ok() if not dupes else partial(Msg("multi.dupes", dupes=dupe_parts(dupes)))
            return heard
        pair_ok = not any({s, r} <= {"Alice", "Bob"} for s, r in missing)
        lost = {u.name for u in users[2:]}
        if pair_ok and all(any(n in (s, r) for s, r in missing) for n in lost) and all(
                (s in lost or r in lost) for s, r in missing):
            self.two_user = True
            self.verdicts["multi_user"] = fail(Msg("multi.two_user"))
            return heard
        shown = Parts(Msg("multi.missed", sender=s, receiver=r) for s, r in missing[:4])
        self.verdicts["multi_user"] = fail(Parts([*shown, server.why_down()]) if not server.alive() else shown)
        return heard

    def no_echo(self, users: list[Peer], echoed: list[Peer]) -> None:
        problems = Parts()
        echo = list(dict.fromkeys(u.name for u in echoed + self.multi_echo))
        if echo:
            problems.append(Msg(plural("echo", echo), who=Names(echo)))
        if self.multi_dupes:
            problems.append(dupe_parts(self.multi_dupes))
        self.verdicts["no_echo"] = fail(problems) if problems else ok()

    def leave_notice(self, leaver: Peer, observers: list[Peer], server: Server) -> None:
        h, d = self.h, self.h.dialect
        name = leaver.name
        marks = {o.name: o.mark() for o in observers}
        goodbye = (d.goodbye(name) or b"").decode("utf-8", "replace").strip()
        how = Msg("leave.how.goodbye", goodbye=goodbye) if goodbye else Msg("leave.how.close")
        h.leave(leaver)
        self.missed(name, observers, [marks[o.name] for o in observers], time.monotonic() + h.left(NOTICE))
        if observers:  # a notice may follow a relayed copy of the goodbye; they all arrive together
            observers[0].wait_quiet(0.15, h.left(0.5))
        adds = self.server_adds_name
        told, farewell_only, silent = [], [], []
        for o in observers:
            text = o.text(marks[o.name])
            relayed = text.count(goodbye) if goodbye else 0
            # A relayed copy of the goodbye accounts for the name inside it and the one the server prefixes.
            explained = relayed * ((name in goodbye) + adds)
            if text.count(name) > explained:
                told.append(o.name)
            elif relayed and name in goodbye:
                farewell_only.append(o.name)
            else:
                silent.append(o.name)
        if told and not silent and not farewell_only:
            self.verdicts["leave_notice"] = ok()
        elif told:
            untold = silent + farewell_only
            self.verdicts["leave_notice"] = partial(Msg(plural("leave.some", untold), name=name, how=how,
                                                        who=Names(untold)))
        elif farewell_only:
            self.verdicts["leave_notice"] = partial(Msg("leave.farewell", name=name, goodbye=goodbye))
        else:
            windows = h.sub.server_facts.announces_only_on_reset
            self.verdicts["leave_notice"] = fail(Msg(plural("leave.none", silent), name=name, how=how, who=Names(silent),
                                                     hint=Msg("leave.windows") if windows else Msg("empty")))


# -- checks with a server of their own --------------------------------------------------------

class DisconnectGroup(Group):
    def run(self) -> None:
        h = self.h
        server = h.start_server()
        alice, bob, carol, dave = (h.join(server, n) for n in ("Alice", "Bob", "Carol", "Dave"))
        missed = self.deliver(alice, [bob, carol, dave], "who")[1]
        if missed == [carol, dave]:
            carol.close()
            dave.close()
            self.two_users(server, alice, bob)
            return
        carol.close()
        h.settle(server)
        if any(self.deliver(alice, [bob], "still")[1] for _ in range(2)):
            self.verdicts["survives_disconnect"] = fail(Msg("survive.close", crash=self.crash_note(server)))
            return
        problems = Parts()
        dave.abort()
        h.settle(server)
        if any(self.deliver(alice, [bob], "still")[1] for _ in range(2)):
            problems.append(Msg("survive.reset"))
        if server.alive() and not self.newcomer_reaches(server, alice, "Erin"):
            problems.append(Msg("survive.newcomer"))
        if not server.alive():
            problems.append(server.why_down())
        self.verdicts["survives_disconnect"] = partial(problems) if problems else ok()

    def two_users(self, server: Server, alice: Peer, bob: Peer) -> None:
        """A chat for two: when one leaves, a newcomer must be able to take the place."""
        bob.close()
        self.h.settle(server)
        erin = self.newcomer_reaches(server, alice, "Erin")
        if not erin:
            self.verdicts["survives_disconnect"] = fail(Msg("survive.two.close", crash=self.crash_note(server)))
            return
        erin.abort()
        self.h.settle(server)
        if not self.newcomer_reaches(server, alice, "Frank") or not server.alive():
            self.verdicts["survives_disconnect"] = partial(Msg("survive.two.reset", crash=self.crash_note(server)))
        else:
            self.verdicts["survives_disconnect"] = ok(Msg("survive.two.ok"))

    def newcomer_reaches(self, server: Server, alice: Peer, name: str) -> Peer | None:
        """A new user who can chat with Alice, or None. A server that is full turns newcomers away until
        it has noticed that someone left, which takes it a moment: a turned-away user tries again."""
        for _ in range(3):
            try:
                peer = self.h.join(server, name)
            except OSError:
                return None
            if not peer.wait_closed(self.h.left(REJOIN_WAIT)):
                return None if self.deliver(peer, [alice], "new")[1] else peer
        return None


class BusyLoopGroup(Group):
    def run(self) -> None:
        h = self.h
        server = h.start_server()
        users = [h.join(server, n) for n in ("Alice", "Bob", "Carol")]
        self.deliver(users[0], users[1:], "warm")
        idle = self.busy(server, IDLE_WINDOW)
        users[1].close()
        users[2].abort()
        after = self.busy(server, AFTER_WINDOW)
        if idle >= BUSY_SHARE:
            self.verdicts["no_busy_loop"] = fail(Msg("busy.idle", share=percent(idle)))
        elif after >= BUSY_SHARE:
            self.verdicts["no_busy_loop"] = fail(Msg("busy.after", share=percent(after), seconds=f"{AFTER_WINDOW:g}"))
        else:
            self.verdicts["no_busy_loop"] = ok(Msg("busy.ok", idle=percent(idle), after=percent(after)))

    def busy(self, server: Server, window: float) -> float:
        """The share of `window` in which some thread of the server was running or waiting for a core.

        Not CPU time: when other gradings load both cores, a busy loop gets less CPU but stays runnable,
        while a server blocked in recv() or accept() is asleep either way. A server that is stuck
        (grader.quiescence) cannot run again without new input, and none comes during the window:
        the window ends there, and its rest counts as idle."""
        started = time.monotonic()
        window = self.h.left(window)
        samples = busy = 0
        last_busy = started
        while (now := time.monotonic()) < started + window:
            samples += 1
            if proc.runnable(server.program.pid):
                busy += 1
                last_busy = now
            time.sleep(SAMPLE_EVERY)  # a sampler: the measure is how the server spends time
            if time.monotonic() - last_busy >= quiescence.FIRST_LOOK and self.h.stuck(server):
                return busy / samples * min(1.0, (time.monotonic() - started) / window)
        return busy / samples if samples else 0.0


class SilentClientGroup(Group):
    def run(self) -> None:
        h = self.h
        if h.dialect.transport == "udp":
            self.verdicts["silent_client"] = ok(Msg("silent.udp"))
            return
        server = h.start_server()
        h.connect(server, "Silent")
        alice, bob = h.join(server, "Alice"), h.join(server, "Bob")
        if self.deliver(alice, [bob], "despite")[1]:
            self.verdicts["silent_client"] = fail(Msg("silent.blocked", crash=self.crash_note(server)))
        else:
            self.verdicts["silent_client"] = ok()


class SlowReaderGroup(Group):
    def run(self) -> None:
        h = self.h
        if h.dialect.transport == "udp":
            self.verdicts["slow_reader"] = Verdict("skip", Msg("slow.udp"))
            return
        server = h.start_server()
        h.join(server, "Sloth", read=False, small_buffer=True)
        alice, bob = h.join(server, "Alice"), h.join(server, "Bob")
        line = h.dialect.message("Alice", "x" * 1000)
        burst = line * (SLOW_BYTES // len(line))
        alice.limit_send_time(STALL)
        if not alice.send(burst):
            self.verdicts["slow_reader"] = fail(Msg("slow.sender"))
            return
        if self.deliver(alice, [bob], "after the burst")[1]:
            self.verdicts["slow_reader"] = fail(Msg("slow.receiver"))
        else:
            self.verdicts["slow_reader"] = ok()


GROUPS = {
    MainGroup: ("server_starts", "registers_name", "broadcast", "multi_user", "sender_name", "no_echo",
                "join_notice", "leave_notice", "private_message", "unicode"),
    DisconnectGroup: ("survives_disconnect",),
    BusyLoopGroup: ("no_busy_loop",),
    SilentClientGroup: ("silent_client",),
    SlowReaderGroup: ("slow_reader",),
}


def run_groups(h: Harness, seed: str) -> tuple[dict[str, Verdict], bool]:
    """Run every group side by side; return the verdicts and whether this is a two-user chat."""
    verdicts: dict[str, Verdict] = {}
    tokens = Tokens(seed)
    groups = [cls(h, verdicts, tokens) for cls in GROUPS]

    def run(group: Group) -> None:
        try:
            group.run()
            for cid in GROUPS[type(group)]:
                if h.left(1) == 0:
                    verdicts.setdefault(cid, fail(Msg("out_of_time")))
        except ServerDown as e:
            for cid in GROUPS[type(group)]:
                verdicts.setdefault(cid, fail(e.msg))
        except OSError as e:
            for cid in GROUPS[type(group)]:
                verdicts.setdefault(cid, fail(Msg("connection_failed", error=e.strerror or e)))
        except Exception as e:  # a grader bug: report it on the checks it hides, never crash the grading
            for cid in GROUPS[type(group)]:
                verdicts.setdefault(cid, Verdict("error", Msg("grader_error", error=f"{type(e).__name__}: {e}")))

    # The main group first learns whether the server starts at all; the others only need to run if it does.
    threads = [threading.Thread(target=run, args=(g,), daemon=True) for g in groups]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return verdicts, groups[0].two_user


# -- checks that read the code without running it ---------------------------------------------

def uses_socket(files: Iterable[Facts]) -> Verdict:
    """Some file of the submission imports socket (or socketserver)."""
    return ok() if any(f.imports_socket for f in files) else fail(Msg("socket.missing"))


def uses_threading(server: Facts, client: Facts, transport: str) -> Verdict:
    """The server starts threads; for a UDP chat, the client may be the one that does."""
    if server.starts_threads:
        return ok()
    if transport == "udp" and client.starts_threads:
        return ok(Msg("threads.udp_client"))
    if client.starts_threads:
        return fail(Msg("threads.client_only"))
    if server.multiplexes:
        return fail(Msg("threads.select"))
    return fail(Msg("threads.none"))

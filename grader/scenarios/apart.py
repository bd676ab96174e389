"""Scenarios with a server of their own: each may crash or wedge it, so each costs one check at most.

Disconnects (the second of four closes, then the third is reset; after each the rest chat and a
newcomer joins), CPU before anyone joins (and the server's thread count then), while idle and after
disconnects, a client that never sends its name, and a client that never reads.
"""
from __future__ import annotations

import time

from .. import waiting
from ..kernel import procfs
from ..harness import Server
from ..observations import AfterLeave, BusyObs, DisconnectObs, Lost, SilentObs, SlowObs
from ..peer import Peer
from ..reasons import Reason
from ..transcript import shorten
from .base import DELIVERY, Scenario

BEFORE_WINDOW = 0.3  # seconds of sampling before anyone joins...
IDLE_WINDOW = 0.3   # ...while idle...
AFTER_WINDOW = 0.8  # ...and after disconnects (a busy loop shows as ~100%, an idle server as ~0%)
SLOW_BYTES = 8 << 20
REJOIN_WAIT = 0.3   # seconds in which a full server turns a newcomer away
STALL = 2           # seconds a send may block before the server counts as stalled


class DisconnectScenario(Scenario):
    """Bob, the second of four, closes plainly (FIN, no leave command): a dead socket left in the list
    shows only for the users after it, Carol and Dave. Then Carol is reset (RST), with Dave after her."""
    name = "disconnect"
    part = "survives_disconnect"

    def run(self) -> None:
        h, part = self.h, self.part
        server = h.start_server()
        alice, bob, carol, dave = (self.join(part, server, n) for n in ("Alice", "Bob", "Carol", "Dave"))
        missed = self.deliver(part, alice, [bob, carol, dave], "who")[1]
        if missed == [carol, dave]:
            self.close(part, carol)
            self.close(part, dave)
            self.two_users(server, alice, bob)
            return
        self.close(part, bob)
        h.settle(server)
        lost = self.round([alice, carol, dave])
        if lost or not server.alive():   # broken already: no newcomer needed to say so
            self.seen = DisconnectObs(self.server_state(part, server), close=AfterLeave(bob.name, lost))
            return
        close = self.with_newcomer(server, bob, lost, [alice, dave], "Erin")
        if not close.crash.alive:
            self.seen = DisconnectObs(close.crash, close=close, reset=None)
            return
        self.close(part, carol, reset=True)
        h.settle(server)
        reset = self.with_newcomer(server, carol, self.round([alice, dave]), [alice, dave], "Frank")
        self.seen = DisconnectObs(self.server_state(part, server), close=close, reset=reset)

    def with_newcomer(self, server: Server, gone: Peer, lost: Lost, stayed: list[Peer], name: str) -> AfterLeave:
        """A newcomer joins; it speaks to `stayed` (the first and the last user left), and the first of
        them speaks to it and the last."""
        peer = self.newcomer(server, name) if server.alive() else None
        if peer is None:
            joined = False if server.alive() else None
            return AfterLeave(gone.name, lost, name, joined, crash=self.server_state(self.part, server))
        first, last = stayed
        newcomer_lost = self.round([peer, first, last], senders=[peer, first])
        return AfterLeave(gone.name, lost, name, True, newcomer_lost, self.server_state(self.part, server))

    def round(self, users: list[Peer], senders: list[Peer] | None = None) -> Lost:
        """Each sender says one line to all the other users, in turn; who missed whose within one
        common DELIVERY time."""
        part = self.part
        senders = users if senders is None else senders
        others = {s.name: [u for u in users if u is not s] for s in senders}
        marks = {u.name: u.mark() for u in users}
        tokens = {s.name: self.token() for s in senders}
        for s in senders:
            self.say(part, s, f"still {tokens[s.name]}")
        deadline = time.monotonic() + self.h.left(DELIVERY)
        lost = []
        for s in senders:
            missed = self.missed(part, tokens[s.name], others[s.name], [marks[u.name] for u in others[s.name]],
                                 deadline)
            if missed:
                lost.append((s.name, tuple(m.name for m in missed)))
        return tuple(lost)

    def two_users(self, server: Server, alice: Peer, bob: Peer) -> None:
        """A chat for two: when one leaves, a newcomer must be able to take the place."""
        self.close(self.part, bob)
        self.h.settle(server)
        erin = self.newcomer_reaches(server, alice, "Erin")
        if not erin:
            self.seen = DisconnectObs(self.server_state(self.part, server), two_user=True, after_close=False)
            return
        self.close(self.part, erin, reset=True)
        self.h.settle(server)
        frank = self.newcomer_reaches(server, alice, "Frank")
        self.seen = DisconnectObs(self.server_state(self.part, server), two_user=True, after_reset=bool(frank))

    def newcomer_reaches(self, server: Server, alice: Peer, name: str) -> Peer | None:
        """A new user who can send to Alice, or None."""
        peer = self.newcomer(server, name)
        return None if peer is None or self.deliver(self.part, peer, [alice], "new")[1] else peer

    def newcomer(self, server: Server, name: str) -> Peer | None:
        """A new user let in, or None. A server that is full turns newcomers away until it has noticed
        that someone left, which takes it a moment: a turned-away user tries again."""
        for _ in range(3):
            try:
                peer = self.join(self.part, server, name)
            except OSError:
                return None
            if not peer.wait_closed(self.h.left(REJOIN_WAIT)):
                return peer
        return None


class BusyScenario(Scenario):
    name = "busy"
    part = "no_busy_loop"

    def run(self) -> None:
        h = self.h
        server = h.start_server()
        # Some servers spin from start-up (a thread polling an empty list); counted once the start is
        # over, the threads are those the server runs with nobody connected (grader.checks.uses_threading).
        h.settle(server)
        threads = procfs.thread_count(server.program.pid) or None
        before = self.busy(server, BEFORE_WINDOW)
        users = [self.join(self.part, server, n) for n in ("Alice", "Bob", "Carol")]
        self.deliver(self.part, users[0], users[1:], "warm")
        idle = self.busy(server, IDLE_WINDOW)
        self.close(self.part, users[1])
        self.close(self.part, users[2], reset=True)
        after = self.busy(server, AFTER_WINDOW)
        self.seen = BusyObs(idle, after, AFTER_WINDOW, before, threads)

    def busy(self, server: Server, window: float) -> float:
        """busy_share() of the server's threads over `window`. A server that is stuck
        (grader.quiescence) cannot run again without new input, and none comes during the window:
        the window ends there, and its rest counts as idle."""
        pid, window = server.program.pid, self.h.left(window)
        before, started = procfs.schedstats(pid), time.monotonic()
        waiting.wait(time.sleep, lambda _: False, window, lambda: self.h.stuck(server))
        after = procfs.schedstats(pid)
        return busy_share(before, after, max(window, time.monotonic() - started) * 1e9)


def busy_share(before: dict[str, procfs.Sched], after: dict[str, procfs.Sched], window_ns: float) -> float:
    """Of the time each thread could run in the window (the window less the time it waited for a
    core), the share it ran, summed over the threads, at most 1.

    Neither CPU time over the window nor the time a thread is runnable (state R, which includes
    waiting for a core): when other gradings load both cores, a busy loop gets less CPU, and a
    thread with short bursts of work waits longer for a core at each, so either figure changes with
    the load. Counted this way a busy loop is near 100% and a server blocked in recv() or accept()
    near 0% however loaded the machine is. Per thread, because threads that wake on timers wait
    for a core at the same moments: their waits overlap, and their sum may exceed the window. A
    thread that ended within the window is not counted."""
    share = 0.0
    for tid, end in after.items():
        start = before.get(tid, procfs.Sched(0, 0))   # a thread started within the window
        could_run = window_ns - (end.run_delay_ns - start.run_delay_ns)
        # A wait that began before the window is counted when it ends: it may fill the window.
        share += (end.cpu_ns - start.cpu_ns) / could_run if could_run > 0 else 1.0
    return min(1.0, share)


class SilentScenario(Scenario):
    name = "silent"
    part = "silent_client"

    def run(self) -> None:
        h = self.h
        if h.dialect.transport == "udp":
            self.seen = SilentObs(udp=True)
            return
        server = h.start_server()
        self.note(self.part, Reason.TRANSCRIPT_CONNECTED, user="Silent")
        h.connect(server, "Silent")   # a raw socket: no client connects and says nothing
        alice, bob = self.join(self.part, server, "Alice"), self.join(self.part, server, "Bob")
        reached = not self.deliver(self.part, alice, [bob], "despite")[1]
        self.seen = SilentObs(reached=reached, crash=self.server_state(self.part, server))


class SlowScenario(Scenario):
    name = "slow"
    part = "slow_reader"
    raw_only = True   # a reader that stops, and 8 MiB sent at once: no client does either

    def run(self) -> None:
        h = self.h
        if h.dialect.transport == "udp":
            self.seen = SlowObs(udp=True)
            return
        server = h.start_server()
        self.join(self.part, server, "Sloth", read=False, small_buffer=True)
        alice, bob = self.join(self.part, server, "Alice"), self.join(self.part, server, "Bob")
        line = h.dialect.message("Alice", "x" * 1000)
        burst = line * (SLOW_BYTES // len(line))
        alice.limit_send_time(STALL)
        self.note(self.part, Reason.TRANSCRIPT_BURST, user="Alice", count=len(burst) // len(line),
                  line=shorten(repr(line.decode("utf-8", "replace")), 40))
        if not alice.send(burst):
            self.seen = SlowObs(sender_stalled=True)
            return
        self.seen = SlowObs(reached=not self.deliver(self.part, alice, [bob], "after the burst")[1])

"""The chat load benchmark: N scripted users join a submission's server in its own dialect, each
sends M messages, and every delivery is counted and timed.

The server is started exactly as the grader starts it (sandbox, socket shim, the dialect learned by
running the student's own client), so hand-ins with hard-coded ports and any handshake work too.
The load side is one thread with one selector over all the sockets: at 500 users it costs far less
CPU than the servers it measures, and it shares no lock with them.

Every message is a token with its send time inside, so latency is measured per delivery, and tokens
are counted where they occur in the byte stream (never per recv()), so a raw server that glues
messages together is credited with every whole token it relays.
"""
from __future__ import annotations

import re
import select
import selectors
import socket
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from .. import dialect as dialects
from .. import grade as grading
from .. import quiescence, sandbox, waiting
from ..harness import Harness, ServerDown
from ..kernel import procfs, tcp
from ..submission import Submission, load
from .measure import machine_busy, own_cpu, peak_rss_mib, percentiles, raise_file_limit, switches, wait_for_quiet

REFS = Path(__file__).resolve().parent / "refs"
REFERENCES = {"asyncio ref": REFS / "asyncio_chat.py", "raw-relay ref": REFS / "raw_relay.py"}

MAX_CLIENTS = 5000
MAX_MESSAGES = 100_000
JOIN_WINDOW = 4          # users connected but not yet accepted and read: stays within a listen(3) backlog
JOIN_TIMEOUT = 10.0      # seconds the server may take to accept and read one user's name
GREETING_TIMEOUT = 2.0   # seconds a server that speaks first may take to say something
PATIENCE = 5.0           # seconds without a delivery after which the missing ones count as lost
QUIET = 0.2              # seconds without data that count as "the server has finished"
RECV_SIZE = 1 << 18
# A message on the wire is padded to this many bytes. 32 divides 1024, so when a raw server's
# recv(1024) returns whole messages they stay whole; without it, a recv boundary would fall inside
# a message nearly every time and the relay would be charged for tokens it did deliver.
WIRE = 32
# Generous limits for a server holding hundreds of threads and sockets; still bounded.
LIMITS = dict(cpu_seconds=3600, memory_bytes=8 << 30, open_files=2 * MAX_CLIENTS + 64)


class BenchError(Exception):
    """The run could not be done (the server did not start, did not take the users, ...)."""


@dataclass
class Target:
    """A server under test: the loaded submission and the dialect its scripted users speak."""
    label: str
    sub: Submission
    dialect: dialects.Dialect

    def close(self) -> None:
        self.sub.cleanup()


@dataclass
class Run:
    target: str
    n: int
    m: int
    rate: float                   # messages per second per user; 0: burst
    expected: int = 0             # deliveries: N * (N - 1) * M
    received: int = 0             # tokens received by users other than their sender
    duplicates: int = 0           # beyond (N - 1) * M for some receiver
    echoes: int = 0               # tokens received by their own sender
    whole_lines: bool | None = None   # every token alone on a line ending in \n; None: raw framing
    broken: int = 0               # tokens not on a line of their own
    seconds: float = 0.0          # first send to last delivery
    per_second: float = 0.0       # deliveries per second
    p50_ms: float = 0.0
    p99_ms: float = 0.0
    max_ms: float = 0.0
    rss_mib: float = 0.0          # the server's peak resident memory (VmHWM)
    cpu_s: float = 0.0            # the server's CPU seconds while the messages flowed
    switches: int = 0             # the server's context switches meanwhile
    idle_cpu_pct: float = 0.0     # the server's CPU use with N users connected and silent
    bench_cpu_pct: float = 0.0    # the load generator's own CPU use while the messages flowed
    others_cpu_pct: float = 0.0   # CPU used by the rest of the machine meanwhile: noise if high
    join_s: float = 0.0           # seconds to connect and name all N users
    error: str = ""

    @property
    def busy_pct(self) -> float:
        """The server's CPU use while the messages flowed, in % of one core: near 100 for a Python
        server (one core, the GIL) means the server is what limits the run, not the load side."""
        return self.cpu_s / self.seconds * 100 if self.seconds else 0.0

    @property
    def complete(self) -> bool:
        return not self.error and self.received == self.expected and not self.duplicates


# -- preparing a server ------------------------------------------------------------------------

def prepare(path: str | Path, label: str | None = None) -> Target:
    """Load a submission and learn its dialect the way the grader does."""
    sub = load(path)
    try:
        guess = dialects.from_source(sub)
        h = Harness(sub, 30.0, stuck=quiescence.stuck)
        try:
            dialect = grading.learn_dialect(h, guess)
        finally:
            h.close()
    except BaseException:
        sub.cleanup()
        raise
    if dialect.transport != "tcp":
        sub.cleanup()
        raise BenchError(f"{path}: the load benchmark speaks TCP; this server is {dialect.transport.upper()}")
    return Target(label or Path(path).name, sub, dialect)


def describe(d: dialects.Dialect) -> str:
    def show(fmt: str | None) -> str:
        return "nothing" if fmt is None else repr(fmt.replace("{{", "{").replace("}}", "}"))
    return (f"{'server speaks first; ' if d.greets else ''}name sent as {show(d.name_format)}, "
            f"messages as {show(d.message_format)}")


# -- the users ---------------------------------------------------------------------------------

class User:
    __slots__ = ("index", "name", "sock", "own", "tail", "got", "echo", "whole", "out", "closed")

    def __init__(self, index: int, sock: socket.socket):
        self.index = index
        self.name = user_name(index)
        self.sock = sock
        self.own = b"Q%04d" % index   # how this user's own tokens start
        self.tail = b""               # received bytes not yet looked at (an unfinished line or token)
        self.got = self.echo = self.whole = 0
        self.out = b""                # bytes the kernel would not take yet
        self.closed = False


def user_name(index: int) -> str:
    return f"u{index:04d}"   # one width for all, so every message has the same length


class Tokens:
    """Q<sender:4><seq:6><send time in us:12><padding>Z, padded so a whole message takes WIRE bytes."""

    def __init__(self, dialect: dialects.Dialect):
        self.dialect = dialect
        sample = dialect.message(user_name(0), "Q" + "0" * 22 + "Z")
        size = len(sample)
        wire = WIRE
        while wire < size:
            wire *= 2
        self.pad = "_" * (wire - size)
        self.pattern = re.compile(rb"Q\d{10}(\d{12})" + self.pad.encode() + b"Z")

    def message(self, sender: int, seq: int, t_us: int) -> bytes:
        token = f"Q{sender:04d}{seq:06d}{t_us:012d}{self.pad}Z"
        return self.dialect.message(user_name(sender), token)


def _connect_all(n: int, port: int, dialect: dialects.Dialect, alive, deadline: float) -> list[User]:
    """Connect and name N users, a few at a time: each must be accepted and its name read by the
    server before the next few come, so that a small listen() backlog never drops a connection and a
    name is never glued to the first message by a server that treats one recv() as one message."""
    users: list[User] = []
    joining: dict[int, User] = {}

    def settle(limit: int) -> None:
        give_up = min(deadline, time.monotonic() + JOIN_TIMEOUT)
        while len(joining) > limit:
            for client_port in list(joining):
                end = tcp.connection(port, client_port)
                if end is None or (end.inode != 0 and end.rqueue == 0):
                    del joining[client_port]
            if len(joining) <= limit:
                return
            if not alive():
                raise BenchError("the server stopped while users were joining")
            if time.monotonic() > give_up:
                raise BenchError(f"the server took only {len(users) - len(joining)} of {n} users "
                                 "(the next one was not accepted, or its name not read, in time)")
            time.sleep(waiting.POLL)

    try:
        for i in range(n):
            try:
                sock = socket.create_connection(("127.0.0.1", port), timeout=max(0.1, min(JOIN_TIMEOUT, deadline - time.monotonic())))
            except OSError as e:
                raise BenchError(f"user {i + 1} of {n} could not connect: {e.strerror or e}") from None
            user = User(i, sock)
            users.append(user)
            # Our own sends leave at once: latency is the server's, not Nagle's.
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            if dialect.greets and select.select([sock], [], [], GREETING_TIMEOUT)[0]:
                sock.recv(RECV_SIZE)   # the prompt; the server now waits for the name
            hello = dialect.hello(user.name)
            if hello:
                sock.sendall(hello)
            joining[sock.getsockname()[1]] = user
            settle(JOIN_WINDOW - 1)
        settle(0)
    except BaseException:
        for user in users:
            user.sock.close()
        raise
    for user in users:
        user.sock.setblocking(False)
    return users


def _reset(sock: socket.socket) -> None:
    """Close with a reset: no TIME_WAIT left behind, so hundreds of users per run do not pile up in
    the kernel's tables (and slow down every later run that looks at them)."""
    tcp.reset(sock)
    sock.close()


# -- one run -----------------------------------------------------------------------------------

def run(target: Target, n: int, m: int, rate: float = 0.0, idle: float = 1.0, timeout: float = 120.0) -> Run:
    """Start a fresh server, join N users, have each send M messages (burst, or `rate` per second
    each), and measure. Never raises for what the server does: the Run's error says it."""
    if not (2 <= n <= MAX_CLIENTS and 1 <= m <= MAX_MESSAGES):
        raise ValueError(f"N must be 2..{MAX_CLIENTS} and M 1..{MAX_MESSAGES}")
    result = Run(target.label, n, m, rate, expected=n * (n - 1) * m)
    raise_file_limit(n + 256)
    limits = sandbox.Limits(wall_seconds=timeout + 30, **LIMITS)
    h = Harness(target.sub, timeout, limits, stuck=quiescence.stuck)
    users: list[User] = []
    try:
        try:
            server = h.start_server()
        except ServerDown as e:
            result.error = str(e)
            return result
        deadline = time.monotonic() + timeout
        started = time.monotonic()
        users = _connect_all(n, server.port, target.dialect, server.alive, deadline)
        result.join_s = time.monotonic() - started
        _Exchange(target, server, users, result, rate, deadline).run()
        if server.alive():
            # Idle: every user connected and silent. Wait until the server has finished what the
            # messages gave it to do (bounded: a busy loop never finishes), then sample.
            waiting.wait_idle(server.program.pid, 2.0)
            before = procfs.cpu_ns(server.program.pid)
            time.sleep(idle)
            result.idle_cpu_pct = (procfs.cpu_ns(server.program.pid) - before) / 1e9 / idle * 100
            result.rss_mib = peak_rss_mib(server.program.pid)
        elif not result.error:
            result.error = stopped(server)
    except BenchError as e:
        result.error = str(e)
    finally:
        # The server first: closing hundreds of users in front of it would only make it busy
        # telling everybody about every leave.
        h.close()
        for user in users:
            _reset(user.sock)
    return result


def stopped(server) -> str:
    """Why the run ended early: the server stopped, and the grader's reason why (in English)."""
    return f"the server stopped: {server.why_down()}"


class _Exchange:
    """The message phase: one loop that sends on schedule and reads whatever is ready."""

    def __init__(self, target: Target, server, users: list[User], result: Run, rate: float, deadline: float):
        self.server, self.users, self.result = server, users, result
        self.rate, self.deadline = rate, deadline
        self.tokens = Tokens(target.dialect)
        self.line_mode = target.dialect.newline == "\n"
        self.sel = selectors.DefaultSelector()
        self.hist: Counter[int] = Counter()   # latency in microseconds -> deliveries
        self.got = 0
        self.per_user = (len(users) - 1) * result.m
        self.satisfied = 0   # users who have received all they should
        self.last_delivery = 0.0

    def run(self) -> None:
        for user in self.users:
            self.sel.register(user.sock, selectors.EVENT_READ, user)
        self._drain_until_quiet()
        pid = self.server.program.pid
        cpu_before, own_before, busy_before = self.server.program.cpu_seconds(), own_cpu(), machine_busy()
        ns_before, switches_before = procfs.cpu_ns(pid), switches(pid)
        self.t0 = time.monotonic_ns()
        first_send = time.monotonic()
        self.last_delivery = first_send
        try:
            self._loop(first_send)
        finally:
            self.sel.close()
        r = self.result
        wall = max(1e-9, time.monotonic() - first_send)
        # The server's threads to the nanosecond (schedstat), unless processes it forked did work
        # too: the session's clock ticks (10 ms) see those.
        ticks = self.server.program.cpu_seconds() - cpu_before
        exact = (procfs.cpu_ns(pid) - ns_before) / 1e9
        r.cpu_s = ticks if ticks > exact + 0.05 else exact
        r.switches = switches(pid) - switches_before
        own = own_cpu() - own_before
        r.seconds = max(1e-9, self.last_delivery - first_send)
        r.bench_cpu_pct = own / wall * 100
        r.others_cpu_pct = max(0.0, machine_busy() - busy_before - r.cpu_s - own) / wall * 100
        self._summarize()

    def _loop(self, first_send: float) -> None:
        """Send on schedule and read until every user has all, PATIENCE passes without a delivery,
        the deadline passes or the server stops (the last two are errors of the run)."""
        n = len(self.users)
        total, sent = n * self.result.m, 0
        last_progress = first_send
        while True:
            now = time.monotonic()
            if sent < total:
                sent, wait = self._send_due(sent, total, first_send, now)
            else:
                wait = 0.05
                if self.satisfied == n or now - last_progress > PATIENCE:
                    return
            if now > self.deadline:
                self.result.error = "timed out"
                return
            if not self.server.alive():
                self.result.error = stopped(self.server)
                return
            before = self.got
            self._poll(max(0.0, wait))
            if self.got > before:
                last_progress = time.monotonic()

    def _send_due(self, sent: int, total: int, first_send: float, now: float) -> tuple[int, float]:
        """Send what is due by `now`; returns the messages sent so far and how long until the next."""
        users, n = self.users, len(self.users)
        if not self.rate:
            for user in users:   # burst: one message from every user per turn of the loop
                self._send(user, sent // n)
            return sent + n, 0.0
        # User i's k-th message is due at (k + i/N) / rate: users evenly staggered.
        while sent < total and first_send + (sent // n + sent % n / n) / self.rate <= now:
            self._send(users[sent % n], sent // n)
            sent += 1
        return sent, 0.0 if sent >= total else first_send + (sent // n + sent % n / n) / self.rate - now

    def _drain_until_quiet(self) -> None:
        """Read the join notices and welcomes until nothing arrives for QUIET s (at most 10 s)."""
        limit = min(self.deadline, time.monotonic() + 10.0)
        waiting.wait_idle(self.server.program.pid, 2.0)
        while time.monotonic() < limit:
            ready = self.sel.select(QUIET)
            if not ready:
                return
            for key, _ in ready:
                user = key.data
                try:
                    data = user.sock.recv(RECV_SIZE)
                except BlockingIOError:
                    continue
                except OSError:
                    data = b""
                if not data:
                    self._closed(user)

    def _closed(self, user: User) -> None:
        user.closed = True
        self.sel.unregister(user.sock)

    def _send(self, user: User, seq: int) -> None:
        if user.closed:
            return
        data = self.tokens.message(user.index, seq, (time.monotonic_ns() - self.t0) // 1000)
        if user.out:
            user.out += data
            return
        self._write(user, data)

    def _write(self, user: User, data: bytes) -> None:
        try:
            sent = user.sock.send(data)
        except BlockingIOError:
            sent = 0
        except OSError:
            self._closed(user)
            return
        user.out = data[sent:]
        self.sel.modify(user.sock, selectors.EVENT_READ | (selectors.EVENT_WRITE if user.out else 0), user)

    def _poll(self, timeout: float) -> None:
        """Finish sends the kernel would not take at once, and read what is ready."""
        pattern, hist, line_mode = self.tokens.pattern, self.hist, self.line_mode
        cut_at = b"\n" if line_mode else b"Z"
        for key, events in self.sel.select(timeout):
            user = key.data
            if events & selectors.EVENT_WRITE and user.out:
                self._write(user, user.out)
            if not events & selectors.EVENT_READ:
                continue
            try:
                data = user.sock.recv(RECV_SIZE)
            except BlockingIOError:
                continue
            except OSError:
                data = b""
            if not data:
                self._closed(user)
                continue
            now_us = (time.monotonic_ns() - self.t0) // 1000
            if user.tail:
                data = user.tail + data
            # Look only at whole lines (or, without framing, up to the last whole token); the rest
            # waits for the next recv(), so a token cut by our recv() is never lost.
            cut = data.rfind(cut_at) + 1
            tail = data[cut:]
            user.tail = tail if len(tail) <= 4096 else tail[-2 * WIRE:]
            # Positions instead of slices, and as few passes over the bytes as will do: at 500
            # users this loop handles two million tokens a second.
            times = pattern.findall(data, 0, cut)
            if not times:
                continue
            own = data.count(user.own, 0, cut)
            before = user.got
            user.got += len(times) - own
            if before < self.per_user <= user.got:
                self.satisfied += 1
            user.echo += own
            self.got += len(times) - own
            if line_mode:
                whole = data.count(b"Z\n", 0, cut)
                user.whole += whole if whole == len(times) else whole + data.count(b"Z\r\n", 0, cut)
            hist.update([now_us - int(t) for t in times])
            self.last_delivery = time.monotonic()

    def _summarize(self) -> None:
        r, users = self.result, self.users
        per_user = (len(users) - 1) * r.m
        r.received = sum(min(u.got, per_user) for u in users)
        r.duplicates = sum(max(0, u.got - per_user) for u in users)
        r.echoes = sum(u.echo for u in users)
        if self.line_mode:
            tokens = sum(u.got + u.echo for u in users)
            r.broken = max(0, tokens - sum(u.whole for u in users))
            r.whole_lines = r.broken == 0
        r.per_second = r.received / r.seconds if r.received else 0.0
        r.p50_ms, r.p99_ms, r.max_ms = (q / 1000 for q in percentiles(self.hist, (0.50, 0.99, 1.0)))
        if not r.error and r.received < r.expected:
            r.error = f"{r.expected - r.received} deliveries missing after {PATIENCE:g} s without any"


# -- several targets, interleaved rounds ----------------------------------------------------------

def matrix(targets: list[Target], cells: list[tuple[int, int, float]], rounds: int, idle: float = 1.0,
           timeout: float = 120.0, progress=None, quiet: float = 0.0) -> dict[tuple[int, int, float], dict[str, list[Run]]]:
    """Every cell (N, M, rate) for every target, `rounds` times, the targets interleaved within a
    round and their order rotated between rounds, so that drifts of the machine hit all of them
    alike. With `quiet`, each run first waits up to that many seconds for the rest of the machine to
    calm down."""
    results: dict[tuple[int, int, float], dict[str, list[Run]]] = {}
    for n, m, rate in cells:
        cell = results.setdefault((n, m, rate), {t.label: [] for t in targets})
        for k in range(rounds):
            order = targets[k % len(targets):] + targets[:k % len(targets)]
            for target in order:
                if quiet:
                    wait_for_quiet(quiet)
                r = run(target, n, m, rate, idle, timeout)
                cell[target.label].append(r)
                if progress:
                    progress(r, k)
    return results



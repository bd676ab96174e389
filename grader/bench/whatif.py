"""Proposed cuts to the grader's waiting, tried without touching the grader's files: each is a patch
applied in this process only, for `python -m grader.bench --grading --profile --what-if NAME,...`,
so that its effect on the time and on every verdict can be measured before anyone adopts it.

nodelay    the scripted users' sockets get TCP_NODELAY. Without it a user's second message in a row
           waits in its own send buffer (Nagle) until the server's delayed ACK, up to 40 ms, whenever
           the server sent that user nothing back; and proc.wait_read, seeing an empty receive queue
           at the server, takes the message for read while it has not even left: the next message
           can then go out glued to it, which wait_read exists to prevent.
netlink    grader.proc.server_end asks the kernel for one connection (sock_diag) instead of reading
           all of /proc/net/tcp (~6 ms a read here): same answers, ~7 us.
stall      a send to a server that stopped reading gives up after STALL seconds without progress;
           today SO_SNDTIMEO restarts its count at every partial send, so sendall() takes up to 3x.
quiescent  a wait for something that has not come (a message not delivered, a duplicate that must
           not come, a close, an exit, console output, the server reading or accepting) ends as
           soon as the server provably cannot act any more: every thread of it is blocked in a
           call that only input ends (recv or accept on a known socket, poll/select/epoll or a lock
           without timeout), no CPU was used between two looks, and no input it waits for is there
           or on its way (unacknowledged bytes count as on their way); the waiting user has all
           the server sent it. A server that runs, sleeps, polls with a timeout or has child
           processes is waited for as today (x86-64 Linux only). The CPU sampling windows of
           no_busy_loop end the same way: a quiescent server cannot spin.
"""
from __future__ import annotations

import os
import platform
import select
import socket
import struct
import threading
import time
from contextlib import contextmanager

from . import sockdiag

NAMES = ("nodelay", "netlink", "stall", "quiescent")
QUIESCENT_AFTER = 0.02   # s: a wait first runs this long as today (most things arrive by then)
LOOK_EVERY = 0.01        # s between looks at the server while it might still act

# x86-64 system calls a thread can sit in that only new input (or another thread) ends; for those
# with a timeout, which argument must say "no timeout". Anything else counts as "may act by itself".
_ON_FD = {0, 17, 19, 45, 47}           # read, pread64, readv, recvfrom, recvmsg: input on one fd
_ACCEPT = {43, 288}                    # accept, accept4: a connection on the listening socket
_ASLEEP = {61, 247, 34}                # wait4, waitid (there are no children: checked), pause
_WATCH = {7: (3, "neg"), 23: (5, "null"), 270: (5, "null"), 271: (3, "null"),   # poll, select, ppoll
          232: (4, "neg"), 281: (4, "neg"), 441: (4, "null")}                 # epoll_wait*: any fd
_FUTEX = 202
_FUTEX_WAITS = {0, 9}   # FUTEX_WAIT, FUTEX_WAIT_BITSET (lock.acquire(), Event.wait() without timeout)
_TCP_INFO_BYTES_RECEIVED = 128   # offset of tcpi_bytes_received in struct tcp_info (Linux >= 4.1)


def _thread_wait(pid: int, tid: str) -> tuple[str, int] | None:
    """What a blocked thread waits for: ("fd", n), ("accept", n), ("watch", 0) for poll and the
    like, ("other", 0) for a lock or a child; None if it runs, sleeps with a timeout, or is unknown."""
    try:
        with open(f"/proc/{pid}/task/{tid}/stat", "rb") as f:
            stat = f.read()
        if stat[stat.rfind(b")") + 2:][:1] != b"S":
            return None
        with open(f"/proc/{pid}/task/{tid}/syscall") as f:
            fields = f.read().split()
    except OSError:
        return None
    if len(fields) < 7 or not fields[0].isdigit():   # "running", or "-1 ...": not in a system call
        return None
    nr, args = int(fields[0]), [int(a, 16) for a in fields[1:7]]
    if nr in _ON_FD:
        return "fd", args[0]
    if nr in _ACCEPT:
        return "accept", args[0]
    if nr in _ASLEEP:
        return "other", 0
    if nr == _FUTEX:
        return ("other", 0) if args[1] & 0x7F in _FUTEX_WAITS and args[3] == 0 else None
    if nr in _WATCH:
        index, kind = _WATCH[nr]
        value = args[index - 1]
        untimed = value == 0 if kind == "null" else value in (0xFFFFFFFF, 0xFFFFFFFFFFFFFFFF)
        return ("watch", 0) if untimed else None
    return None


def _blocked(pid: int) -> tuple[int, list[tuple[str, int]]] | None:
    """(CPU nanoseconds, what each thread waits for) if every thread is blocked waiting for input
    or for another thread, and there are no child processes; None otherwise."""
    try:
        tids = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return None
    cpu, waits = 0, []
    for tid in tids:
        try:
            with open(f"/proc/{pid}/task/{tid}/children") as f:
                if f.read().strip():
                    return None
            with open(f"/proc/{pid}/task/{tid}/schedstat") as f:
                cpu += int(f.read().split()[0])
        except (OSError, ValueError, IndexError):
            return None
        wait = _thread_wait(pid, tid)
        if wait is None:
            return None
        waits.append(wait)
    return cpu, waits


def _unacked(sock: socket.socket) -> int:
    """Bytes sent on our socket that the other side's kernel has not acknowledged yet (SIOCOUTQ):
    they may still wait in our buffer (Nagle) or in the kernel's loopback backlog, where no queue
    of the server shows them."""
    import fcntl
    import termios
    try:
        return struct.unpack("i", fcntl.ioctl(sock.fileno(), termios.TIOCOUTQ, b"\0\0\0\0"))[0]
    except (OSError, ValueError):
        return 1


def _socket_inode(pid: int, fd: int) -> int | None:
    try:
        target = os.readlink(f"/proc/{pid}/fd/{fd}")
    except OSError:
        return None
    return int(target[8:-1]) if target.startswith("socket:[") else None


def _nothing_to_act_on(harness, server, waits: list[tuple[str, int]]) -> bool:
    """No input the server waits for is there or on its way: every user connection with something
    pending (unacknowledged or unread bytes, or not accepted yet) is one that no thread waits on.
    A thread in poll/select/epoll may watch anything: then nothing may be pending at all, and the
    server may not be sending either."""
    watching = any(kind == "watch" for kind, _ in waits)
    accepting = any(kind == "accept" for kind, _ in waits)
    read_inodes = {_socket_inode(server.program.pid, fd) for kind, fd in waits if kind == "fd"}
    if watching and not _stdin_drained(server.program):
        return False
    for peer in list(harness._peers):
        if peer.port != server.port or peer.kind != "tcp":
            continue
        if peer._sock is None:
            if watching:   # its close may not have been seen yet, and a poll would see it
                return False
            continue
        try:
            unacked = _unacked(peer._sock)
            end = sockdiag.server_queues(server.port, peer.local_port)
        except OSError:
            return False
        if end is None:
            continue
        rqueue, wqueue, inode = end
        if wqueue:   # still on its way to the user
            return False
        if inode == 0:
            if accepting or watching:
                return False
        elif (unacked or rqueue) and (watching or inode in read_inodes):
            return False
    return True


def _stdin_drained(program) -> bool:
    popen = getattr(program, "_popen", None)
    if popen is None or popen.stdin is None or popen.stdin.closed:
        return True
    try:
        import fcntl
        import termios
        pending = fcntl.ioctl(popen.stdin.fileno(), termios.FIONREAD, b"\0\0\0\0")
        return struct.unpack("i", pending)[0] == 0
    except (OSError, ValueError):
        return False


def _all_received(peer) -> bool:
    """Everything the kernel received for this user is in its buffer (the reader thread is done)."""
    sock = peer._sock
    if sock is None:
        return True
    try:
        info = sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 256)
        received = struct.unpack_from("=Q", info, _TCP_INFO_BYTES_RECEIVED)[0]
    except (OSError, struct.error):
        return False
    with peer._cond:
        return received == len(peer._data)


def quiescent(harness, server, peer=None) -> bool:
    """Whether the server can no longer do anything until it gets new input (see the module's doc);
    with `peer`, also whether all the server sent that user is in its buffer."""
    if platform.machine() not in ("x86_64", "AMD64") or server.kind != "tcp":
        return False
    pid = server.program.pid
    first = _blocked(pid)
    if first is None or not _nothing_to_act_on(harness, server, first[1]):
        return False
    if peer is not None and not _all_received(peer):
        return False
    time.sleep(0.002)
    # No CPU used between the two looks: no thread woke up in between (a woken one is runnable at
    # once, and the first look would have seen input already there).
    second = _blocked(pid)
    return second is not None and second[0] == first[0]


# -- the patches ---------------------------------------------------------------------------------

_undo: list[tuple[object, str, object]] = []


def _set(owner, name: str, value) -> None:
    _undo.append((owner, name, getattr(owner, name)))
    setattr(owner, name, value)


def _nodelay() -> None:
    from ..peer import Peer
    real_connect = Peer.connect

    def connect(self, *args, **kwargs):
        real_connect(self, *args, **kwargs)
        if self.kind == "tcp" and self._sock is not None:
            self._sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    _set(Peer, "connect", connect)


def _netlink() -> None:
    from .. import proc
    _set(proc, "server_end", sockdiag.server_end)


def _stall() -> None:
    from .. import proc
    from ..peer import Peer
    real_limit, real_send = Peer.limit_send_time, Peer.send

    def limit_send_time(self, seconds: int) -> None:
        self._stall = seconds
        real_limit(self, seconds)

    def send(self, data: bytes, consumed_timeout: float = 0.0) -> bool:
        stall = getattr(self, "_stall", None)
        if stall is None or self._sock is None:
            return real_send(self, data, consumed_timeout)
        view, moved = memoryview(data), time.monotonic()
        while view:
            try:
                view = view[self._sock.send(view, socket.MSG_DONTWAIT):]
                moved = time.monotonic()
                continue
            except BlockingIOError:
                pass
            except OSError:
                return False
            left = moved + stall - time.monotonic()
            if left <= 0:
                return False   # no byte taken for STALL seconds: the server stopped reading
            select.select([], [self._sock], [], min(left, 0.05))
        if consumed_timeout and self.kind == "tcp":
            proc.wait_read(self.port, self.local_port, consumed_timeout, self._server_alive)
        return True

    _set(Peer, "limit_send_time", limit_send_time)
    _set(Peer, "send", send)


def _sliced(real_wait, done, timeout: float, can_stop) -> object:
    """Run real_wait(t) in slices until done(result) or the timeout; between slices, stop early
    when can_stop() says nothing more can happen. Returns the last result."""
    deadline = time.monotonic() + timeout
    result = real_wait(min(timeout, QUIESCENT_AFTER))
    while not done(result):
        left = deadline - time.monotonic()
        if left <= 0 or can_stop():
            return real_wait(0)
        result = real_wait(min(left, LOOK_EVERY))
    return result


def _quiescent() -> None:
    from .. import checks, harness, peer, proc, sandbox
    Harness, Peer, Program = harness.Harness, peer.Peer, sandbox.Program
    real_connect, real_start = Harness.connect, Harness.start_server
    real_wait, real_quiet, real_closed = Peer.wait, Peer.wait_quiet, Peer.wait_closed
    real_exit, real_output = Program.wait_exit, Program.wait_output
    real_busy = checks.BusyLoopGroup.busy
    owners: dict[int, tuple] = {}   # id(program) -> (harness, server)
    by_port: dict[int, tuple] = {}  # the server's port -> (harness, server)
    lock = threading.Lock()

    def start_server(self, stdin: bool = False):
        server = real_start(self, stdin)
        with lock:
            owners[id(server.program)] = by_port[server.port] = (self, server)
        return server

    def waiter(real):
        # proc.wait_read / wait_accepted: the server may never read (or accept) at all.
        def wait(port, peer_port, timeout, alive=lambda: True):
            with lock:
                found = by_port.get(port)
            if found is None:
                return real(port, peer_port, timeout, alive)
            h, server = found
            return _sliced(lambda t: real(port, peer_port, t, alive), lambda ok: ok or not alive(), timeout,
                           lambda: quiescent(h, server))
        return wait

    def connect(self, server, name, *args, **kwargs):
        p = real_connect(self, server, name, *args, **kwargs)
        p._whatif = (self, server)
        return p

    def stopper(p):
        h, server = p._whatif
        return lambda: quiescent(h, server, p)

    def wait(self, predicate, timeout, since=0):
        if not hasattr(self, "_whatif"):
            return real_wait(self, predicate, timeout, since)
        # A False that is final (the server closed or died) needs no more slices.
        return _sliced(lambda t: real_wait(self, predicate, t, since),
                       lambda ok: ok or self.closed or not self._server_alive(), timeout, stopper(self))

    def wait_quiet(self, quiet, timeout):
        if not hasattr(self, "_whatif"):
            return real_quiet(self, quiet, timeout)
        # A short quiet, then: if nothing more can come, that is the end of it; if not, as today.
        deadline = time.monotonic() + timeout
        real_quiet(self, min(quiet, QUIESCENT_AFTER), timeout)
        left = deadline - time.monotonic()
        if left <= 0 or quiet <= QUIESCENT_AFTER or stopper(self)():
            return
        real_quiet(self, quiet, left)

    def wait_closed(self, timeout):
        if not hasattr(self, "_whatif"):
            return real_closed(self, timeout)
        return _sliced(lambda t: real_closed(self, t), bool, timeout, stopper(self))

    def program_stopper(program):
        with lock:
            found = owners.get(id(program))
        if found is None:
            return None
        h, server = found
        return lambda: quiescent(h, server)

    def wait_exit(self, timeout):
        can_stop = program_stopper(self)
        if can_stop is None:
            return real_exit(self, timeout)
        return _sliced(lambda t: real_exit(self, t), lambda code: code is not None, timeout, can_stop)

    def wait_output(self, text, timeout):
        can_stop = program_stopper(self)
        if can_stop is None:
            return real_output(self, text, timeout)
        return _sliced(lambda t: real_output(self, text, t), lambda ok: ok or not self.alive(), timeout, can_stop)

    def busy(self, server, window):
        # A quiescent server cannot be spinning, now or later without new input: its share is what
        # was sampled until then (0 for such a server), and the rest of the window is not needed.
        deadline = time.monotonic() + self.h.left(window)
        samples = busy_samples = 0
        while time.monotonic() < deadline:
            share = real_busy(self, server, min(QUIESCENT_AFTER, max(0.0, deadline - time.monotonic())))
            samples += 1
            busy_samples += share
            if share == 0 and quiescent(self.h, server):
                break
        return busy_samples / samples if samples else 0.0

    _set(Harness, "start_server", start_server)
    _set(proc, "wait_read", waiter(proc.wait_read))
    _set(proc, "wait_accepted", waiter(proc.wait_accepted))
    _set(checks.BusyLoopGroup, "busy", busy)
    _set(Harness, "connect", connect)
    _set(Peer, "wait", wait)
    _set(Peer, "wait_quiet", wait_quiet)
    _set(Peer, "wait_closed", wait_closed)
    _set(Program, "wait_exit", wait_exit)
    _set(Program, "wait_output", wait_output)


_PATCHES = {"nodelay": _nodelay, "netlink": _netlink, "stall": _stall, "quiescent": _quiescent}


@contextmanager
def applied(names: list[str]):
    for name in names:
        _PATCHES[name]()
    try:
        yield
    finally:
        while _undo:
            owner, name, real = _undo.pop()
            setattr(owner, name, real)


if __name__ == "__main__":
    # python -m grader.bench.whatif CUT[,CUT...] ARGS...: `python -m grader ARGS...` with these cuts in,
    # so that a class can be timed with them in child processes exactly as batch grading runs.
    import sys

    from ..__main__ import main as grader_main
    chosen = [c for c in sys.argv[1].split(",") if c] if len(sys.argv) > 1 else []
    if not set(chosen) <= set(NAMES):
        sys.exit(f"usage: python -m grader.bench.whatif {{{','.join(NAMES)}}}[,...] GRADER-ARGS...")
    with applied(chosen):
        sys.exit(grader_main(sys.argv[2:]))

"""Whether a student's server can still do anything before it gets new input (Linux /proc).

Most of a grading's time used to be spent waiting out timeouts for what never comes: a message a
broken server does not relay, a duplicate or a leaked private message that must not come, a close
or an exit that does not happen, a send to a server that stopped reading. Such a wait may end early
once the server provably cannot act any more: every thread of it is blocked in a call that only
input ends (recv or accept on a known socket, poll/select/epoll or a lock without a timeout, or a
send to a user of ours who never reads), no CPU was used between two looks, no input it waits for
is there or on its way (bytes a user sent that the server's kernel has not received yet count as on
their way), and the user who waits has received all the server sent it. A server that runs, sleeps,
polls or sends with a timeout, or has child processes, is waited for to the full timeout, so no
verdict rests on less evidence than before. The system call numbers are x86-64's; elsewhere
nothing ends early.
"""
from __future__ import annotations

import os
import platform
import time
from typing import TYPE_CHECKING, Callable, Iterable, TypeVar

from . import sockdiag

if TYPE_CHECKING:
    from .harness import Server
    from .peer import Peer

FIRST_LOOK = 0.02   # s: a wait first runs this long as it always did (most things arrive by then)
LOOK_EVERY = 0.01   # s between looks at the server while it might still act
_SUPPORTED = platform.machine() in ("x86_64", "AMD64")

# x86-64 system calls a thread can sit in that only new input (or another thread) ends; for those
# with a timeout, which argument must say "no timeout". Anything else counts as "may act by itself".
_ON_FD = {0, 17, 19, 45, 47}           # read, pread64, readv, recvfrom, recvmsg: input on one fd
_ACCEPT = {43, 288}                    # accept, accept4: a connection on the listening socket
_SEND = {1, 20, 44, 46, 307}           # write, writev, sendto, sendmsg, sendmmsg: room on one fd
_ASLEEP = {61, 247, 34}                # wait4, waitid (there are no children: checked), pause
_WATCH = {7: (3, "neg"), 23: (5, "null"), 270: (5, "null"), 271: (3, "null"),   # poll, select, ppoll
          232: (4, "neg"), 281: (4, "neg"), 441: (4, "null")}                 # epoll_wait*: any fd
_FUTEX = 202
_FUTEX_WAITS = {0, 9}   # FUTEX_WAIT, FUTEX_WAIT_BITSET (lock.acquire(), Event.wait() without timeout)

T = TypeVar("T")


def wait(real_wait: Callable[[float], T], finished: Callable[[T], bool], timeout: float,
         stuck: Callable[[], bool] | None) -> T:
    """real_wait(t) in slices until finished(its result) or `timeout`; after FIRST_LOOK, ends early
    (with one last real_wait(0)) once stuck() says nothing more can happen. Returns the last result."""
    if stuck is None or timeout <= FIRST_LOOK:
        return real_wait(timeout)
    deadline = time.monotonic() + timeout
    result = real_wait(FIRST_LOOK)
    while not finished(result):
        left = deadline - time.monotonic()
        if left <= 0 or stuck():
            return real_wait(0)
        result = real_wait(min(left, LOOK_EVERY))
    return result


def thread_wait(pid: int, tid: str) -> tuple[str, int] | None:
    """What a blocked thread waits for: ("fd", n), ("accept", n), ("send", n) for room to write,
    ("watch", 0) for poll and the like, ("other", 0) for a lock or a child; None if it runs, sleeps
    with a timeout, or is unknown."""
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
    if nr in _SEND:
        return "send", args[0]
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
        wait = thread_wait(pid, tid)
        if wait is None:
            return None
        waits.append(wait)
    return cpu, waits


def _socket_inode(pid: int, fd: int) -> int | None:
    try:
        target = os.readlink(f"/proc/{pid}/fd/{fd}")
    except OSError:
        return None
    return int(target[8:-1]) if target.startswith("socket:[") else None


def _nothing_to_act_on(server: "Server", peers: Iterable["Peer"], waits: list[tuple[str, int]]) -> bool:
    """No input the server waits for is there or on its way: every user connection with something
    pending (bytes on their way or unread, or not accepted yet) is one that no thread waits on.
    A thread in poll/select/epoll may watch anything: then nothing may be pending at all, and the
    server may not be sending either. A thread blocked writing waits for room that only the reader
    makes: it is stuck only when that reader is a user of ours that never reads."""
    watching = any(kind == "watch" for kind, _ in waits)
    accepting = any(kind == "accept" for kind, _ in waits)
    pid = server.program.pid
    read_inodes = {_socket_inode(pid, fd) for kind, fd in waits if kind == "fd"}
    send_inodes = {_socket_inode(pid, fd) for kind, fd in waits if kind == "send"}
    if watching and server.program.stdin_pending():
        return False
    ports = {b.port for b in server.program.bindings if b.kind == "tcp"}
    for peer in peers:
        if peer.port not in ports or peer.kind != "tcp":
            continue
        if not peer.connected:
            if watching:   # its close may not have been seen yet, and a poll would see it
                return False
            continue
        try:
            end = sockdiag.server_queues(peer.port, peer.local_port)
        except OSError:
            return False
        if end is None:
            continue
        if not peer.reads:
            send_inodes.discard(end.inode)
        elif end.wqueue:   # still on its way to the user
            return False
        if end.inode == 0:
            if accepting or watching:
                return False
        elif (end.received is None or end.received < peer.sent or end.rqueue) and (
                watching or end.inode in read_inodes):
            return False
    return not send_inodes


def stuck(server: "Server", peers: Iterable["Peer"], waiting: "Peer | None" = None) -> bool:
    """Whether the server can no longer do anything until it gets new input (see the module's doc);
    with `waiting`, also whether all the server sent that user is in its buffer."""
    if not _SUPPORTED or server.kind != "tcp":
        return False
    peers = list(peers)
    first = _blocked(server.program.pid)
    if first is None or not _nothing_to_act_on(server, peers, first[1]):
        return False
    if waiting is not None and not waiting.received_all():
        return False
    time.sleep(0.002)
    # No CPU used between the two looks: no thread woke up in between (a woken one is runnable at
    # once, and the first look would have seen input already there).
    second = _blocked(server.program.pid)
    return second is not None and second[0] == first[0]

"""What a blocked thread waits for, read from /proc/PID/task/TID/syscall (x86-64 system call numbers).

A thread asleep in a system call shows its number and arguments there. The decoder sorts the calls a
thread can sit in that only new input (or another thread) ends; anything else, or another machine,
reads as "may act by itself" (None).
"""
from __future__ import annotations

import platform
import time
from typing import NamedTuple

from .procfs import socket_inode, stat, thread_file, threads

SUPPORTED = platform.machine() in ("x86_64", "AMD64")
SECOND_LOOK_AFTER = 0.002   # s between the two looks that must see the same CPU time

# For the calls with a timeout: which argument must say "no timeout".
_ON_FD = {0, 17, 19, 45, 47}           # read, pread64, readv, recvfrom, recvmsg: input on one fd
_ACCEPT = {43, 288}                    # accept, accept4: a connection on the listening socket
_SEND = {1, 20, 44, 46, 307}           # write, writev, sendto, sendmsg, sendmmsg: room on one fd
_CONNECT = 42                          # connect: the handshake, which times out by itself
_POLL = 7                              # ... or, for a socket with a timeout, poll() on its one fd
_ASLEEP = {61, 247, 34}                # wait4, waitid (the caller checks there are no children), pause
_WATCH = {7: (3, "neg"), 23: (5, "null"), 270: (5, "null"), 271: (3, "null"),   # poll, select, ppoll
          232: (4, "neg"), 281: (4, "neg"), 441: (4, "null")}                 # epoll_wait*: any fd
_FUTEX = 202
_FUTEX_WAITS = {0, 9}   # FUTEX_WAIT, FUTEX_WAIT_BITSET (lock.acquire(), Event.wait() without timeout)
_FUTEX_OP_MASK = 0x7F   # the operation without FUTEX_PRIVATE_FLAG and FUTEX_CLOCK_REALTIME
_NO_TIMEOUT = (0xFFFFFFFF, 0xFFFFFFFFFFFFFFFF)   # -1 as a poll/epoll timeout


class Wait(NamedTuple):
    """What a thread waits for: kind "fd" (input on fd), "accept" (a connection on fd), "send" (room
    to write on fd), "watch" (poll and the like, fd 0), "other" (a lock or a child, fd 0) or
    "connect" (a handshake on fd, which ends by itself: not blocked for blocked())."""
    kind: str
    fd: int


def _call(syscall: str) -> tuple[int, list[int]] | None:
    """The number and the six arguments of one /proc/PID/task/TID/syscall line; None if the thread
    is not in a system call ("running", or "-1 ...")."""
    fields = syscall.split()
    if len(fields) < 7 or not fields[0].isdigit():
        return None
    return int(fields[0]), [int(a, 16) for a in fields[1:7]]


def decode(syscall: str) -> Wait | None:
    """The Wait of one /proc/PID/task/TID/syscall line; None if the call may end by itself."""
    call = _call(syscall)
    if call is None:
        return None
    nr, args = call
    if nr in _ON_FD:
        return Wait("fd", args[0])
    if nr in _ACCEPT:
        return Wait("accept", args[0])
    if nr in _SEND:
        return Wait("send", args[0])
    if nr == _CONNECT:
        return Wait("connect", args[0])
    if nr in _ASLEEP:
        return Wait("other", 0)
    if nr == _FUTEX:
        return Wait("other", 0) if args[1] & _FUTEX_OP_MASK in _FUTEX_WAITS and args[3] == 0 else None
    if nr in _WATCH:
        index, kind = _WATCH[nr]
        value = args[index - 1]
        untimed = value == 0 if kind == "null" else value in _NO_TIMEOUT
        return Wait("watch", 0) if untimed else None
    return None


def _sleeping_in(pid: int, tid: int | str) -> str | None:
    """The syscall line of thread `tid` of `pid` while it sleeps; None if it runs, is gone, or this
    is not x86-64."""
    if not SUPPORTED:
        return None
    found = stat(pid, tid)
    if found is None or found.state != "S":
        return None
    syscall = thread_file(pid, tid, "syscall")
    return None if syscall is None else syscall.decode("ascii", "replace")


def thread_wait(pid: int, tid: int | str) -> Wait | None:
    """What thread `tid` of `pid` is blocked on; None if it runs, sleeps with a timeout, is gone, or
    this is not x86-64."""
    syscall = _sleeping_in(pid, tid)
    return None if syscall is None else decode(syscall)


def connecting(pid: int, tid: int | str) -> bool:
    """Whether thread `tid` of `pid`, which the caller knows to be in a connect(), sleeps there: in
    connect() itself or, for a socket with a timeout, in the poll() of its one fd that waits for the
    handshake (thread_wait() cannot tell that poll from any other, and says None)."""
    syscall = _sleeping_in(pid, tid)
    call = _call(syscall) if syscall is not None else None
    return call is not None and (call[0] == _CONNECT or (call[0] == _POLL and call[1][1] == 1))


def blocked(pid: int) -> tuple[int, list[Wait]] | None:
    """(CPU nanoseconds, what each thread waits for) if every thread is blocked waiting for input
    or for another thread, and there are no child processes; None otherwise."""
    tids = threads(pid)
    if not tids:
        return None
    cpu, waits = 0, []
    for tid in tids:
        children, schedstat = thread_file(pid, tid, "children"), thread_file(pid, tid, "schedstat")
        if children is None or children.strip() or schedstat is None:
            return None
        try:
            cpu += int(schedstat.split()[0])
        except (ValueError, IndexError):
            return None
        wait = thread_wait(pid, tid)
        if wait is None or wait.kind == "connect":
            return None
        waits.append(wait)
    return cpu, waits


def still_blocked(pid: int, first: tuple[int, list[Wait]]) -> bool:
    """Whether `pid`, which blocked() saw as `first`, has used no CPU since, looking again a moment
    later: one look reads the threads one after the other, so a thread woken after it was read looks
    blocked while the others are read; only no CPU used between two looks shows them all blocked at once."""
    time.sleep(SECOND_LOOK_AFTER)
    second = blocked(pid)
    return second is not None and second[0] == first[0]


def receiving_sockets(pid: int) -> set[int] | None:
    """The inodes of the sockets some thread of `pid` is blocked receiving from (one each: a thread
    waits on one fd); None if this is not x86-64, where nobody can tell."""
    if not SUPPORTED:
        return None
    found = set()
    for tid in threads(pid):
        wait = thread_wait(pid, tid)
        inode = socket_inode(pid, wait.fd) if wait is not None and wait.kind == "fd" else None
        if inode is not None:
            found.add(inode)
    return found

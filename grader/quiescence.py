"""The policy "the server can do nothing more without new input" (Linux /proc, x86-64).

Most of a grading's time used to be spent waiting out timeouts for what never comes: a message a
broken server does not relay, a duplicate or a leaked private message that must not come, a close
or an exit that does not happen, a send to a server that stopped reading. Such a wait may end early
once the server provably cannot act any more: every thread of it is blocked in a call that only
input ends (recv or accept on a known socket, poll/select/epoll or a lock without a timeout, or a
send to a user of ours who never reads), no CPU was used between two looks, no input it waits for
is there or on its way (bytes a user sent that the server's kernel has not received yet count as on
their way; where the kernel does not say how many it received, any byte counts as on its way; so
does the end of a user who has closed, until the server has closed its end of that connection), and
the user who waits has received all the server sent it. A server that runs, sleeps, polls or sends
with a timeout, or has child processes, is waited for to the full timeout, so no verdict rests on
less evidence than before. The system call numbers are x86-64's; elsewhere nothing ends early.

This sits above the harness: grade.py hands stuck() to the Harness, which binds it to a server and
hands that to the sandbox and to its scripted users as their stop-early callable. It reads the
server and the users through the few attributes named in the Protocols below, and imports neither.
"""
from __future__ import annotations

from typing import Iterable, Protocol, Sequence

from .kernel import procfs, syscalls, tcp
from .kernel.syscalls import Wait


class Binding(Protocol):
    kind: str
    port: int


class Program(Protocol):
    pid: int
    bindings: Sequence[Binding]

    def stdin_pending(self) -> int: ...


class Server(Protocol):
    kind: str
    program: Program


class User(Protocol):
    """A scripted user (grader.peer.Peer)."""
    kind: str
    port: int
    local_port: int      # 0 while connecting; kept once the connection has ended
    sent: int            # bytes the kernel took from it
    reads: bool          # False: a user that never reads
    connected: bool      # False once it has closed or reset the connection
    sent_fin: bool       # it has ended its sending side (a FIN), and may still read

    def received_all(self) -> bool: ...


def _nothing_to_act_on(server: Server, users: Iterable[User], waits: list[Wait]) -> bool:
    """No input the server waits for is there or on its way: every user connection with something
    pending (bytes on their way or unread, or not accepted yet) is one that no thread waits on.
    A thread in poll/select/epoll may watch anything: then nothing may be pending at all, and the
    server may not be sending either. A thread blocked writing waits for room that only the reader
    makes: it is stuck only when that reader is a user of ours that never reads."""
    watching = any(w.kind == "watch" for w in waits)
    accepting = any(w.kind == "accept" for w in waits)
    pid = server.program.pid
    read_inodes = {procfs.socket_inode(pid, w.fd) for w in waits if w.kind == "fd"}
    send_inodes = {procfs.socket_inode(pid, w.fd) for w in waits if w.kind == "send"}
    if watching and server.program.stdin_pending():
        return False
    ports = {b.port for b in server.program.bindings if b.kind == "tcp"}
    for user in users:
        if user.port not in ports or user.kind != "tcp":
            continue
        if not user.local_port:
            if watching or (accepting and user.connected):   # still connecting: waits for an accept
                return False   # (gone before it connected: a poll may see its end)
            continue
        end = tcp.connection(user.port, user.local_port)
        if end is None:   # (the server has closed its end, or the reset has unhashed it)
            continue
        if not user.connected:   # its close is in, or on its way, unless the server's end is closed
            if (end.inode == 0 and accepting) or watching or end.inode in read_inodes:
                return False
            continue
        if (end.state == tcp.TCP_CLOSE_WAIT or user.sent_fin) and (end.inode in read_inodes or watching):
            return False   # its FIN is in or on its way: the thread shown reading it has not run yet
        if not user.reads:
            send_inodes.discard(end.inode)
        elif end.wqueue:   # still on its way to the user
            return False
        if end.inode == 0:
            if accepting or watching:
                return False
        elif (end.received is None or end.received < user.sent or end.rqueue) and (
                watching or end.inode in read_inodes):
            return False
    return not send_inodes


def stuck(server: Server, users: Iterable[User], waiting: User | None = None) -> bool:
    """Whether the server can no longer do anything until it gets new input (see the module's doc);
    with `waiting`, also whether all the server sent that user is in its buffer."""
    if not syscalls.SUPPORTED or server.kind != "tcp":
        return False
    users = list(users)
    first = syscalls.blocked(server.program.pid)
    if first is None or not _nothing_to_act_on(server, users, first[1]):
        return False
    if waiting is not None and not waiting.received_all():
        return False
    return syscalls.still_blocked(server.program.pid, first)

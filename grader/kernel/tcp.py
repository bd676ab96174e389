"""TCP facts from the kernel: one loopback connection's server end, and our own sockets.

connection(port, peer_port) asks netlink sock_diag for one exact connection: a hash look-up, about
10 us. Where sock_diag is not available (a container may forbid netlink, a kernel before 4.1 gives
no tcp_info) it reads /proc/net/tcp instead, which walks the kernel's whole table (about 6 ms here
however few connections there are), and says less: `received` is None then. Callers see one
answer either way and never learn which way it was found.
"""
from __future__ import annotations

import fcntl
import socket
import struct
import termios
import threading
from typing import NamedTuple

from .procfs import socket_table

NETLINK_SOCK_DIAG = 4
SOCK_DIAG_BY_FAMILY = 20
NLM_F_REQUEST = 1
NLMSG_ERROR = 2
NO_COOKIE = 0xFFFFFFFF
ALL_STATES = 0xFFFFFFFF
TCP_ESTABLISHED = 1
TCP_CLOSE_WAIT = 8                 # the peer's FIN is in, the socket still open: a recv() returns at once
TCP_LISTEN = 10
TCP_NEW_SYN_RECV = 12              # the handshake is not through yet: no socket, no tcp_info
_CLOSED = {4, 5, 6, 7}             # FIN_WAIT1/2, TIME_WAIT, CLOSE: left once the socket is closed
INET_DIAG_INFO = 2
TCP_INFO_BYTES_RECEIVED = 128      # offset of tcpi_bytes_received in struct tcp_info (Linux >= 4.1)
_NLMSG_HEADER = 16
_INET_DIAG_MSG = 72
_V4 = socket.inet_aton("127.0.0.1") + bytes(12)
_V4_MAPPED = socket.inet_pton(socket.AF_INET6, "::ffff:127.0.0.1")
_local = threading.local()         # one netlink socket per thread: replies must match requests


class Connection(NamedTuple):
    """The server's end of one connection, as its kernel sees it."""
    rqueue: int            # bytes the server has not read yet
    wqueue: int            # bytes the server sent that are not acknowledged yet: still on their way
    inode: int             # the server's socket; 0 while it waits in the accept queue
    received: int | None   # bytes the server's kernel received in all; None: not known (the
    #                        handshake is not through, or no sock_diag here)
    state: int = 0         # the TCP state (TCP_ESTABLISHED, ...); an end the server closed keeps inode 0 too

    @property
    def queued(self) -> bool:
        """Waiting in the accept queue: established, and not yet the server's socket."""
        return self.inode == 0 and self.state == TCP_ESTABLISHED


def connection(port: int, peer_port: int) -> Connection | None:
    """The server's end of the loopback connection port <- peer_port; None if there is none (or only
    what is left of it once the server closed it)."""
    try:
        return _by_sock_diag(port, peer_port)
    except OSError:
        return _by_table(port, peer_port)


# -- sock_diag ---------------------------------------------------------------------------------

def _netlink() -> socket.socket | None:
    nl = getattr(_local, "sock", False)
    if nl is False:
        try:
            nl = socket.socket(socket.AF_NETLINK, socket.SOCK_DGRAM, NETLINK_SOCK_DIAG)
        except (OSError, AttributeError):
            nl = None
        _local.sock = nl
    return nl


def _by_sock_diag(port: int, peer_port: int) -> Connection | None:
    nl = _netlink()
    if nl is None:
        raise OSError("no netlink sock_diag here")
    return (_lookup(nl, socket.AF_INET, _V4, port, peer_port)
            or _lookup(nl, socket.AF_INET6, _V4_MAPPED, port, peer_port))


def _received(reply: bytes) -> int | None:
    """tcpi_bytes_received from the reply's INET_DIAG_INFO attribute (struct tcp_info)."""
    at = _NLMSG_HEADER + _INET_DIAG_MSG
    while at + 4 <= len(reply):
        length, kind = struct.unpack_from("=HH", reply, at)
        if length < 4:
            break
        if kind == INET_DIAG_INFO and length - 4 >= TCP_INFO_BYTES_RECEIVED + 8:
            return struct.unpack_from("=Q", reply, at + 4 + TCP_INFO_BYTES_RECEIVED)[0]
        at += (length + 3) & ~3
    return None


def _lookup(nl: socket.socket, family: int, address: bytes, port: int, peer_port: int) -> Connection | None:
    sockid = struct.pack("!HH", port, peer_port) + address + address + struct.pack("=III", 0, NO_COOKIE, NO_COOKIE)
    request = struct.pack("=BBBBI", family, socket.IPPROTO_TCP, 1 << (INET_DIAG_INFO - 1), 0, ALL_STATES) + sockid
    nl.send(struct.pack("=IHHII", _NLMSG_HEADER + len(request), SOCK_DIAG_BY_FAMILY, NLM_F_REQUEST, 0, 0) + request)
    reply = nl.recv(8192)
    _, kind = struct.unpack_from("=IH", reply)
    if kind == NLMSG_ERROR or len(reply) < _NLMSG_HEADER + _INET_DIAG_MSG:
        return None
    state = reply[17]
    # Without an exact match the kernel answers with the listening socket of that port.
    if state == TCP_LISTEN or struct.unpack_from("!H", reply, 22)[0] != peer_port:
        return None
    rqueue, wqueue, _, inode = struct.unpack_from("=IIII", reply, _NLMSG_HEADER + 4 + 48 + 4)
    received = _received(reply)
    if received is None:
        if state in _CLOSED:   # the server has closed its socket: the kernel only keeps its address
            return None
        if state != TCP_NEW_SYN_RECV:
            raise OSError("sock_diag gave no tcp_info (Linux before 4.1)")
    return Connection(rqueue, wqueue, inode, received, state)


# -- /proc/net/tcp -----------------------------------------------------------------------------

def _by_table(port: int, peer_port: int) -> Connection | None:
    for fields in socket_table("tcp", "tcp6"):
        try:
            local, remote = fields[1], fields[2]
            if int(local.rsplit(":", 1)[1], 16) != port or int(remote.rsplit(":", 1)[1], 16) != peer_port:
                continue
            wqueue, rqueue = (int(q, 16) for q in fields[4].split(":"))
            inode, state = int(fields[9]), int(fields[3], 16)
        except (IndexError, ValueError):
            continue
        if state in _CLOSED and inode == 0:   # as sock_diag: closed by the server
            return None
        return Connection(rqueue, wqueue, inode, None, state)
    return None


# -- our own sockets ---------------------------------------------------------------------------

def unacknowledged(sock: socket.socket) -> int:
    """Bytes we sent on `sock` that the other side's kernel has not acknowledged yet (SIOCOUTQ);
    1 if the kernel does not say."""
    try:
        return struct.unpack("i", fcntl.ioctl(sock.fileno(), termios.TIOCOUTQ, b"\0\0\0\0"))[0]
    except (OSError, ValueError):
        return 1


def bytes_received(sock: socket.socket) -> int | None:
    """Bytes our kernel has received on `sock` in all (TCP_INFO); None if it does not say."""
    try:
        info = sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 256)
        return struct.unpack_from("=Q", info, TCP_INFO_BYTES_RECEIVED)[0]
    except (OSError, struct.error):
        return None


def reset(sock: socket.socket) -> None:
    """Make the next close() of `sock` send a TCP reset (RST) instead of an orderly FIN, as a crashed
    client's does, and wake any thread blocked reading it (shutdown of the reading side sends
    nothing). The caller closes the socket. Never raises."""
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    except OSError:
        pass
    try:
        sock.shutdown(socket.SHUT_RD)
    except OSError:
        pass

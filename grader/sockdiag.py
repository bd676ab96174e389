"""One TCP connection's server end, looked up by the kernel (netlink sock_diag).

Reading /proc/net/tcp walks the kernel's whole table of connections: about 6 ms a read here however
few connections there are (more with sockets in TIME_WAIT), and the grader looks thousands of times
per class. A sock_diag request for one exact connection is a hash lookup: about 10 us.
"""
from __future__ import annotations

import socket
import struct
import threading
from typing import NamedTuple

NETLINK_SOCK_DIAG = 4
SOCK_DIAG_BY_FAMILY = 20
NLM_F_REQUEST = 1
NLMSG_ERROR = 2
NO_COOKIE = 0xFFFFFFFF
ALL_STATES = 0xFFFFFFFF
TCP_LISTEN = 10
TCP_NEW_SYN_RECV = 12              # the handshake is not through yet: no socket, no tcp_info
_CLOSED = {4, 5, 6, 7}             # FIN_WAIT1/2, TIME_WAIT, CLOSE without a socket
INET_DIAG_INFO = 2
TCP_INFO_BYTES_RECEIVED = 128   # offset of tcpi_bytes_received in struct tcp_info (Linux >= 4.1)
_V4 = socket.inet_aton("127.0.0.1") + bytes(12)
_V4_MAPPED = socket.inet_pton(socket.AF_INET6, "::ffff:127.0.0.1")
_local = threading.local()   # one netlink socket per thread: replies must match requests


class Queues(NamedTuple):
    rqueue: int     # bytes the server has not read yet
    wqueue: int     # bytes the server sent that are not acknowledged yet: still on their way
    inode: int      # the server's socket; 0 while it waits in the accept queue
    received: int | None   # bytes the server's kernel received in all (None: the handshake is not through)


def _socket() -> socket.socket | None:
    nl = getattr(_local, "sock", False)
    if nl is False:
        try:
            nl = socket.socket(socket.AF_NETLINK, socket.SOCK_DGRAM, NETLINK_SOCK_DIAG)
        except (OSError, AttributeError):
            nl = None
        _local.sock = nl
    return nl


def _received(reply: bytes) -> int | None:
    """tcpi_bytes_received from the reply's INET_DIAG_INFO attribute (struct tcp_info)."""
    at = 16 + 72
    while at + 4 <= len(reply):
        length, kind = struct.unpack_from("=HH", reply, at)
        if length < 4:
            break
        if kind == INET_DIAG_INFO and length - 4 >= TCP_INFO_BYTES_RECEIVED + 8:
            return struct.unpack_from("=Q", reply, at + 4 + TCP_INFO_BYTES_RECEIVED)[0]
        at += (length + 3) & ~3
    return None


def _lookup(nl: socket.socket, family: int, address: bytes, port: int, peer_port: int) -> Queues | None:
    sockid = struct.pack("!HH", port, peer_port) + address + address + struct.pack("=III", 0, NO_COOKIE, NO_COOKIE)
    request = struct.pack("=BBBBI", family, socket.IPPROTO_TCP, 1 << (INET_DIAG_INFO - 1), 0, ALL_STATES) + sockid
    nl.send(struct.pack("=IHHII", 16 + len(request), SOCK_DIAG_BY_FAMILY, NLM_F_REQUEST, 0, 0) + request)
    reply = nl.recv(8192)
    _, kind = struct.unpack_from("=IH", reply)
    if kind == NLMSG_ERROR or len(reply) < 16 + 72:
        return None
    state = reply[17]
    # Without an exact match the kernel answers with the listening socket of that port.
    if state == TCP_LISTEN or struct.unpack_from("!H", reply, 22)[0] != peer_port:
        return None
    rqueue, wqueue, _, inode = struct.unpack_from("=IIII", reply, 16 + 4 + 48 + 4)
    received = _received(reply)
    if received is None:
        if state in _CLOSED:   # the server has closed its socket: the kernel only keeps its address
            return None
        if state != TCP_NEW_SYN_RECV:
            raise OSError("sock_diag gave no tcp_info (Linux before 4.1)")
    return Queues(rqueue, wqueue, inode, received)


def server_queues(port: int, peer_port: int) -> Queues | None:
    """The server's end of the loopback connection port <- peer_port; None if there is none (or
    only what is left of it once the server closed it). Raises OSError where netlink sock_diag is
    not available."""
    nl = _socket()
    if nl is None:
        raise OSError("no netlink sock_diag here")
    return (_lookup(nl, socket.AF_INET, _V4, port, peer_port)
            or _lookup(nl, socket.AF_INET6, _V4_MAPPED, port, peer_port))

"""UDP facts from the kernel: what waits unread at a bound socket."""
from __future__ import annotations

from .procfs import socket_table


def unread(port: int) -> int | None:
    """What the datagrams waiting in the receive queues of the UDP sockets bound to `port` take (the
    kernel counts their buffers, not their bytes: 0 is all that can be relied on); None if no such
    socket is seen in this network namespace."""
    found = None
    for fields in socket_table("udp", "udp6"):
        try:
            if int(fields[1].rsplit(":", 1)[1], 16) == port:
                found = (found or 0) + int(fields[4].split(":")[1], 16)
        except (IndexError, ValueError):
            continue
    return found

"""The kernel's view of both ends of a relay's TCP connections (grader.relay records only bytes).

The server's ends are what the "server can do nothing more" policy (grader.quiescence) needs of a
scripted user that is a client program behind a relay: upstreams() describes each connection the
way a raw user describes itself. The client's ends hold in their receive queues what the client
program has not read yet, and their send queues what it wrote that has not reached the relay:
client_ends() finds them (a client that closes its socket with bytes unread makes its kernel reset
the connection instead of closing it).
"""
from __future__ import annotations

from dataclasses import dataclass

from .kernel import tcp
from .relay import Relay


@dataclass
class Upstream:
    """One of a relay's connections to the server, as grader.quiescence sees a scripted user: the
    relay reads all the server sends at once, and the bytes it took from the client are `sent`."""
    port: int
    local_port: int
    sent: int
    kind: str = "tcp"
    connected: bool = True
    reads: bool = True
    sent_fin: bool = False   # the client ended its side; the relay still reads the server

    def received_all(self) -> bool:
        return True


def upstreams(relay: Relay, port: int) -> list[Upstream] | None:
    """The relay's connections to the server on `port`, for the "server can do nothing more" policy:
    those still open, those still connecting (local port 0: the server has not accepted them, and
    they wait in a full backlog), and those that have ended (not connected, with the port they had,
    as a raw user that closed or reset); None while one has just opened and is not connecting yet."""
    events = relay.events()
    states = {s.conn: s for s in relay.connections()}
    found = []
    for conn in sorted({e.conn for e in events if e.kind == "open"}):
        local = relay.upstream_port(conn)
        sent = sum(len(e.data) for e in events if e.conn == conn and e.kind == "c2s")
        state = states.get(conn)
        if local is not None:
            found.append(Upstream(port, local, sent, sent_fin=state is not None and state.to_server != "open"))
            continue
        if state is not None and state.connecting and state.to_server == "open":
            found.append(Upstream(port, 0, sent))
        elif (state is not None and state.to_server != "open") or any(e.conn == conn and e.kind == "close"
                                                                      for e in events):
            found.append(Upstream(port, relay.upstream_port(conn, closed_too=True) or 0, sent, connected=False))
        else:
            return None
    return found


def client_ends(relay: Relay) -> list[tcp.Connection]:
    """The client program's end of each of `relay`'s TCP connections that still has one. Its rqueue
    is what the client has not read yet; its wqueue what it wrote that the relay has not received:
    a small write waits there (Nagle's algorithm) until the last one is acknowledged, which a server
    that answers nothing does late (a delayed ACK: 40 ms on Linux)."""
    if relay.kind != "tcp":
        return []
    ends = (tcp.connection(state.client_port, relay.address[1]) for state in relay.connections() if state.client_port)
    return [end for end in ends if end is not None]

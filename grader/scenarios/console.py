"""The other two-user chat: one client, and the person typing into the server's console.

Tried when the first broadcast did not arrive and the server reads its keyboard: a fresh server
with a console the grader types into; what it prints is what the person at it reads.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from ..observations import BroadcastObs, EchoObs, JoinObs, MultiObs, PrivateObs, segment_with
from ..reasons import Reason
from .base import DELIVERY, NOTICE, Console

if TYPE_CHECKING:
    from .main import MainScenario


def console_chat(scenario: "MainScenario") -> bool:
    """Whether Alice and the console chat; if they do, fills the main record for a chat of two."""
    h, seen = scenario.h, scenario.seen
    server = h.start_server(stdin=True)
    console = Console(server.program)
    mark = console.mark()
    alice = scenario.join("broadcast", server, "Alice")
    joined = "Alice" in console.text(mark) or console.wait_token("Alice", h.left(NOTICE / 2), mark)
    token, missed = scenario.deliver("broadcast", alice, [console], "hello")
    if missed:
        return False
    answer, mark = scenario.token(), alice.mark()
    scenario.note("broadcast", Reason.TRANSCRIPT_STDIN, text=f"hi {answer}")
    server.program.write_stdin(f"hi {answer}\n")
    arrived = alice.wait_token(answer, h.left(DELIVERY), mark)
    scenario.got("broadcast", alice, mark)
    if not arrived:
        return False
    seen.two_user = True
    seen.broadcast = BroadcastObs(True, console=True)
    seen.multi = MultiObs(console=True)
    scenario.sender_name(alice, console, segment_with(console.text(), token))
    scenario.unicode(alice, console, server)
    seen.echo = EchoObs(("Alice",) if alice.count(token) else ())
    seen.private = PrivateObs(console=True)
    seen.join = JoinObs(console_told=joined)
    scenario.leave(alice, [console], server)
    return True

"""Learn a server's protocol by experiment, for the raw sockets that stand in for its users.

Where no client shows the protocol (none, it does not compile, it cannot be driven) or what it showed
does not carry a message from one raw user to another, the plausible hypotheses are tried in turn,
each on a fresh server (a wrong one may have left the last confused), and the first under which a
message from Alice reaches Bob is kept. The first hypothesis is the one the client showed (or the
server's code suggests); the others are built from what the server's code compares received data
with or splits it on (grader.source facts): the name as the first message or no name at all, `\\n`
lines or raw chunks, a 4-byte length before each message, the handshake and message forms the code
tests for (`LOGIN `, `NICK:`, `MSG `), JSON objects with the keys the code reads.
"""
from __future__ import annotations

import dataclasses
import itertools
import re
import time
from typing import Sequence

from .dialect import Dialect, logins
from .harness import Harness, ServerDown
from .kernel import tcp
from .messages import Msg
from .source import Facts

EXPERIMENT_SHARE = 0.25   # of the grading's time left when it begins: the most the experiment may take
PROBE_WAIT = 1.0          # s for one probe to reach the other user (less once the server can do nothing more)
PROBE_QUIET = 0.1         # s of nothing more for Bob after the first probe, before the second...
PROBE_QUIET_MAX = 0.5     # ...waited at most (less once the server can do nothing more)
PROBES = ("QX7PROBEA", "QX7PROBEB")   # each hypothesis has a fresh server: the same two tokens serve all
LOGIN_SHAPES = 2          # hypotheses a password is tried with (the server's own first)
LAST_START = 0.5          # s of the experiment's time a hypothesis needs at least to be worth starting

# Forms the code tests received data for, by what they are for (the words students use).
HANDSHAKE_WORD = re.compile(r"^[/!]?(login|logon|nick|nickname|name|user|username|hello|helo|join|register|iam|"
                            r"auth|ник|имя|логин)\b", re.I)
WRAPPER_WORD = re.compile(r"^[/!]?(msg|message|say|send|text|chat|post|all|broadcast|public|сообщение)\b", re.I)
SEPARATORS = (" ", ":", "|")
# Keys of a JSON object, by what they hold; the first of each the code reads is used.
TYPE_KEYS = ("type", "cmd", "command", "action", "kind", "op", "event")
NAME_KEYS = ("name", "nick", "nickname", "username", "user", "login", "from", "sender")
TEXT_KEYS = ("text", "msg", "message", "body", "content", "data")
# How far a value of each dimension is from the first hypothesis: its own, one the code names, a generic one.
OWN, NAMED, GENERIC = 0, 1, 2


def confirmed(h: Harness, first: Dialect) -> Dialect:
    """`first` if a message from one raw user reaches another under it; else the first hypothesis of
    the server's code under which one does; else `first`."""
    return find(h, hypotheses(first, h.sub.server_facts, () if first.login else logins(h.sub)))


def find(h: Harness, candidates: list[Dialect]) -> Dialect:
    """The first of `candidates` under which a message from Alice reaches Bob, each tried on a fresh
    server, within EXPERIMENT_SHARE of the grading's time; the first candidate if none does."""
    until = time.monotonic() + EXPERIMENT_SHARE * h.left(float("inf"))
    first, tried = candidates[0], 0
    for candidate in candidates:
        if tried and until - time.monotonic() < LAST_START:
            break
        tried += 1
        works = _works(h, candidate, until)
        if works and tried == 1:
            return first
        if works:
            framed = [Msg("note.length_frames")] if candidate.framing == "length" else []
            return dataclasses.replace(candidate, notes=[*first.notes, Msg("note.experiment", tried=tried), *framed],
                                       learned_from=Msg("dialect.from_experiment", tried=tried))
        if works is None:
            break   # no protocol can help (the second user is never accepted, the server does not start)
    return first


def _works(h: Harness, d: Dialect, until: float) -> bool | None:
    """Whether, on a fresh server, Alice's two messages reach Bob each in turn, the first not taken
    for a name (it would come back with the second); None if no protocol could do it."""
    h.dialect = d
    try:
        server = h.start_server()
    except ServerDown:
        return None
    alice = bob = None
    try:
        alice, bob = h.join(server, "Alice"), h.join(server, "Bob")
        first, second = PROBES
        if not _delivered(h, alice, bob, first, until):
            end = tcp.connection(server.port, bob.local_port) if server.kind == "tcp" else None
            return None if end is not None and end.queued else False
        bob.wait_quiet(PROBE_QUIET, h.left(PROBE_QUIET_MAX))   # its copies too (a server may send it twice)
        mark = bob.mark()
        return _delivered(h, alice, bob, second, until) and first not in bob.text(mark)
    except OSError:
        return False
    finally:
        for peer in (alice, bob):
            if peer is not None:
                peer.close()
        server.program.stop()


def _delivered(h: Harness, alice, bob, token: str, until: float) -> bool:
    mark = bob.mark()
    h.say(alice, f"probe {token}")
    return bob.wait_token(token, max(0.0, min(h.left(PROBE_WAIT), until - time.monotonic())), mark)


# -- the hypotheses ----------------------------------------------------------------------------

def hypotheses(first: Dialect, server: Facts, passwords: Sequence[tuple[str, ...]] = ()) -> list[Dialect]:
    """`first`, then the dialects the server's code makes plausible, nearest to `first` first: those
    that change one thing to what the code names before those that change more or guess; last, the
    handshakes with a password (dialect.logins) on the first LOGIN_SHAPES of them (an extra line
    before the messages also passes where none is needed)."""
    framings = _ranked([(_framing(first), OWN)] + [(f, NAMED) for f in _named_framings(server)]
                       + [(("stream", "\n"), GENERIC), (("stream", ""), GENERIC)])
    names = _ranked([(_core(first.name_format), OWN)] + [(f + "{name}", NAMED) for f in _forms(server, HANDSHAKE_WORD)]
                    + [("{name}", GENERIC), (None, GENERIC)])
    texts = _ranked([(_core(first.message_format), OWN)] + [(f + "{text}", NAMED) for f in _forms(server, WRAPPER_WORD)]
                    + [("{text}", GENERIC)])
    shapes = [(framing, name, text, False, rank_f + rank_n + rank_t)
              for (framing, rank_f), (name, rank_n), (text, rank_t) in itertools.product(framings, names, texts)]
    # JSON the code parses is one change, however many parts of the bytes it moves.
    shapes += [(framing, name, text, True, rank_f + NAMED) for (framing, rank_f) in framings
               for name, text in _json_forms(server)]
    shapes.sort(key=lambda s: s[-1])
    found, seen = [first], {_wire(first)}
    for (framing, newline), name, text, json_values, _ in shapes:
        d = dataclasses.replace(first, framing=framing, json_values=json_values, notes=[],
                                name_format=None if name is None else name + newline, message_format=text + newline,
                                leave=None if first.leave is None else _core(first.leave) + newline)
        if _wire(d) not in seen:
            seen.add(_wire(d))
            found.append(d)
    return found + [dataclasses.replace(d, login=login) for login in passwords for d in found[:LOGIN_SHAPES]]


def _ranked(values: list) -> list:
    """Each value once, at its nearest rank."""
    best: dict = {}
    for value, rank in values:
        best[value] = min(rank, best.get(value, rank))
    return list(best.items())


def _framing(d: Dialect) -> tuple[str, str]:
    return d.framing, d.newline


def _named_framings(server: Facts) -> list[tuple[str, str]]:
    found = [("length", "")] if "length_prefix" in server.framing else []
    return found + ([("stream", "\n")] if server.line_framing or "lines" in server.framing else [])


def _core(fmt: str | None) -> str | None:
    return fmt[:-1] if fmt and fmt.endswith("\n") else fmt


def _forms(server: Facts, words: re.Pattern) -> list[str]:
    """The forms the code tests data for that `words` says are for this, each ending in its separator."""
    separator = next((s for s in server.split_on if s in SEPARATORS), " ")
    # A lower-case word alone is a JSON type or a command word, not a prefix; "/nick " is one.
    found = [w if w[-1] in SEPARATORS else w + separator for w in server.wire_forms
             if words.match(w.strip()) and (w.startswith(("/", "!")) or not w.strip().islower())]
    return list(dict.fromkeys(f.replace("{", "{{").replace("}", "}}") for f in found))


def _json_forms(server: Facts) -> list[tuple[str, str]]:
    """(hello, message) as JSON objects, with the keys the code reads and the type values it compares."""
    if "json" not in server.framing:
        return []
    keys = set(server.keys_read)
    type_key, name_key, text_key = (next((k for k in choices if k in keys), choices[0])
                                    for choices in (TYPE_KEYS, NAME_KEYS, TEXT_KEYS))
    values = [w for w in server.wire_forms if w.isidentifier()]
    hellos = [v for v in values if HANDSHAKE_WORD.match(v)] or [None]
    messages = [v for v in values if WRAPPER_WORD.match(v)] or [None]

    def obj(kind: str | None, key: str, hole: str) -> str:
        typed = f'"{type_key}": "{kind}", ' if kind else ""
        return "{{" + typed + f'"{key}": "{hole}"' + "}}"
    return [(obj(a, name_key, "{name}"), obj(b, text_key, "{text}")) for a in hellos for b in messages]


def _wire(d: Dialect) -> tuple:
    """What a dialect puts on the wire for a join and a message: hypotheses that agree on it are one."""
    return d.hello("Alice"), d.message("Alice", "probe"), d.greets

"""Learn how a submission's client talks to its server, so scripted users can talk the same way.

Where the submission has a client program, it is run against a fresh server through a recording
relay, and we type into it what a user would: a name, a message, the leave command found in its
code. The bytes it sends tell us the handshake, the framing, whether it adds the sender's name, and
what leaving looks like. Without a client, the server's own code gives the best guesses.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from . import sandbox, source
from .messages import Msg
from .relay import Relay
from .submission import Submission

LEARN_NAME = "Zoltan"
LEARN_TEXT = "hello QX7LEARN"


@dataclass
class Dialect:
    transport: str = "tcp"
    greets: bool = False                # the server speaks first and waits for the name
    name_format: str | None = "{name}"  # what a client sends as its name; None: no handshake at all
    message_format: str = "{text}"      # what the client sends for a typed line; may hold {name}
    leave: str | None = None            # what the client sends before closing; None: it just closes
    private_format: str = "@{to} {text}"
    private_found: bool = False         # the syntax was found in the server's code
    port: int | None = None             # the port the chat is on, as the code asks for it (several listen)
    learned_from: Msg = field(default_factory=lambda: Msg("dialect.from_code"))
    notes: list[Msg] = field(default_factory=list)

    @property
    def client_adds_name(self) -> bool:
        return "{name}" in self.message_format

    @property
    def newline(self) -> str:
        return "\n" if self.message_format.endswith("\n") else ""

    def hello(self, name: str) -> bytes | None:
        return None if self.name_format is None else self.name_format.format_map(_Fill(name=name)).encode()

    def message(self, name: str, text: str) -> bytes:
        return self.message_format.format_map(_Fill(name=name, text=text)).encode()

    def bare(self, text: str) -> bytes:
        """The text in the dialect's framing but without a name the client would add."""
        return (text + self.newline).encode()

    def goodbye(self, name: str) -> bytes | None:
        return None if self.leave is None else self.leave.format_map(_Fill(name=name)).encode()

    def private(self, name: str, to: str, text: str) -> list[bytes]:
        """Ways to send a private message, most faithful to the student's client first."""
        body = self.private_format.format(to=to, text=text)
        ways = [self.message(name, body), self.bare(body)]
        return list(dict.fromkeys(ways))


class _Fill(dict):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def _literal(pattern: str) -> str:
    """Escape braces of student text so it survives str.format."""
    return pattern.replace("{", "{{").replace("}", "}}")


# -- what the code says ---------------------------------------------------------------------

def from_source(sub: Submission) -> Dialect:
    """Best guesses from the server's code, for a submission without a usable client."""
    server = sub.server_facts
    commands = server.leave_words
    nl = "\n" if server.line_framing else ""
    return Dialect(
        transport=server.transport,
        name_format="{name}" + nl if server.mentions_names else None,
        message_format="{text}" + nl,
        leave=(_literal(commands[0]) + nl) if commands else None,
        private_format=server.private_format,
        private_found=server.private_found,
        learned_from=Msg("dialect.from_code"),
    )


# -- what the client does ---------------------------------------------------------------------

def learn(sub: Submission, port: int, kind: str, timeout: float = 6.0, guess: Dialect | None = None,
          python: str | None = None) -> Dialect:
    """Run the student's client against `server` through a recording relay and read its dialect,
    with the interpreter `python` (a path; None: the grader's own). What the client's entry says to
    type as it starts (its role, for a program that asks) is typed before anything else.

    Falls back to from_source() for whatever the client does not show (it crashes, is a GUI, ...).
    """
    guess = guess or from_source(sub)
    guess.transport = kind
    relay = Relay(("127.0.0.1", port), kind)
    args = [a.format(name=LEARN_NAME) for a in sub.client.args]
    client = sandbox.start(sub.root, sub.client.script, args, redirect=relay.address, stdin=True,
                           limits=sandbox.Limits(wall_seconds=timeout + 2), python=python)
    if sub.client.typed:
        client.write_stdin(sub.client.typed)
    try:
        return _observe(sub, guess, relay, client, timeout)
    finally:
        client.stop()
        relay.close()


def _sent(relay: Relay, after: int = 0) -> bytes:
    """Bytes the client sent on its first connection, from event number `after` on."""
    events = relay.events()
    first = next((e.conn for e in events if e.kind == "open"), None)
    return b"".join(e.data for e in events[after:] if e.kind == "c2s" and e.conn == first)


def _observe(sub: Submission, guess: Dialect, relay: Relay, client: "sandbox.Program", timeout: float) -> Dialect:
    name_b, text_b = LEARN_NAME.encode(), LEARN_TEXT.encode()
    # Either the client connects first (and maybe sends a name given on the command line), or it asks
    # for the name on the keyboard (a prompt on its output) before connecting.
    client.wait_events(lambda ev: any(e[0] == "redirect" for e in ev) or bool(client.output()), 1.5)
    relay.wait_quiet(0.25, 1.5)
    if name_b not in _sent(relay):
        client.write_stdin(LEARN_NAME + "\n")
        relay.wait_for(lambda ev: name_b in _sent(relay), 1.5)
        relay.wait_quiet(0.25, 1.5)
    events = relay.events()
    if not any(e.kind == "open" for e in events):
        guess.notes.append(Msg("note.client_silent"))
        return guess

    dialect = Dialect(transport=guess.transport, port=guess.port, private_format=guess.private_format,
                      private_found=guess.private_found, learned_from=Msg("dialect.from_client"))
    first_c2s = next((i for i, e in enumerate(events) if e.kind == "c2s"), len(events))
    dialect.greets = any(e.kind == "s2c" for e in events[:first_c2s])
    hello = _sent(relay)
    greeting = b"".join(e.data for e in events[:first_c2s] if e.kind == "s2c").decode("utf-8", "replace")
    if name_b in hello and not (sub.client_facts.mentions_names or source.NAME_WORDS.search(greeting)):
        # The client never asked for a name: what we typed went out as an ordinary message.
        dialect.name_format = None
    elif name_b in hello:
        dialect.name_format = _template(hello, {name_b: "{name}"})
    elif hello:
        dialect.name_format = guess.name_format
        dialect.notes.append(Msg("note.no_name_typed"))
    else:
        dialect.name_format = None

    mark = len(relay.events())
    client.write_stdin(LEARN_TEXT + "\n")
    relay.wait_for(lambda ev: text_b in _sent(relay, mark), 1.5)
    relay.wait_quiet(0.2, 1.5)
    said = _sent(relay, mark)
    if text_b in said:
        dialect.message_format = _template(said, {text_b: "{text}", name_b: "{name}"})
    else:
        dialect.message_format = guess.message_format
        dialect.notes.append(Msg("note.no_message"))
    if dialect.name_format is None and dialect.client_adds_name:
        dialect.notes.append(Msg("note.name_in_text"))

    for command in sub.client_facts.leave_words + sub.server_facts.leave_words:
        mark = len(relay.events())
        client.write_stdin(command + "\n")
        if relay.wait_for(lambda ev: any(e.kind == "close" for e in ev[mark:]) or not client.alive(), 1.5):
            sent = _sent(relay, mark)
            dialect.leave = _template(sent, {name_b: "{name}"}) if sent else None
            break
    return dialect


def _template(data: bytes, holes: dict[bytes, str]) -> str:
    text = _literal(data.decode("utf-8", "replace"))
    for needle, hole in holes.items():
        text = text.replace(_literal(needle.decode()), hole)
    return text

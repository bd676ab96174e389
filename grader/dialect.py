"""How a submission's client talks to its server (a Dialect), so scripted users can talk the same way.

A Dialect is learned from the student's running client (grader.learning) where there is one, and
confirmed or found by experiment (grader.experiment); this module holds what a dialect is, what the
server's own code makes plausible (from_source, the handshakes with a password: logins) and how the
client's and the server's forms of a name and a private message relate (typed_name, typed_private).
"""
from __future__ import annotations

import json
import struct
from dataclasses import dataclass, field
from typing import Sequence

from .messages import Msg
from .source import Facts
from .submission import Submission


@dataclass
class Dialect:
    transport: str = "tcp"
    greets: bool = False                # the server speaks first and waits for the name
    name_format: str | None = "{name}"  # what a client sends as its name; None: no handshake at all
    login: tuple[str, ...] = ()         # the handshake's other lines (a password), each typed after the server's
                                        # answer to the last; "{name}" among them is where the name goes (else last)
    message_format: str = "{text}"      # what the client sends for a typed line; may hold {name}
    leave: str | None = None            # what the client sends before closing; None: it just closes
    private_format: str = "@{to} {text}"
    private_found: bool = False         # the syntax was found in the server's code
    private_typed: tuple[str, ...] = ()  # the forms a user types into the client, best first (typed_private)
    typed_message: str = "{text}"       # what a user types into the client for a message ("1\n{text}": a menu)
    port: int | None = None             # the port the chat is on, as the code asks for it (several listen)
    framing: str = "stream"             # "stream": bytes as the formats say (lines end in their "\n");
                                        # "length": each one after its length, 4 bytes big-endian;
                                        # "decimal:W": after its length in digits, padded with spaces to W bytes
    json_values: bool = False           # names and texts go inside JSON strings (escaped as json.dumps does)
    learned_from: Msg = field(default_factory=lambda: Msg("dialect.from_code"))
    notes: list[Msg] = field(default_factory=list)
    client_args: tuple[str, ...] | None = None   # what the client was started with, when learned from it

    @property
    def client_adds_name(self) -> bool:
        return "{name}" in self.message_format

    @property
    def newline(self) -> str:
        return "\n" if self.message_format.endswith("\n") else ""

    def handshake(self, name_line: str = "{name}") -> list[str]:
        """The lines of the handshake in order, the name typed as `name_line`."""
        lines = self.login if "{name}" in self.login else (*self.login, "{name}")
        return [name_line if line == "{name}" else line for line in lines]

    def hello(self, name: str) -> bytes | None:
        return None if self.name_format is None else self._frame(self.name_format, name=name)

    def message(self, name: str, text: str) -> bytes:
        return self._frame(self.message_format, name=name, text=text)

    def bare(self, text: str) -> bytes:
        """The text in the dialect's framing and wrapper but without a name the client would add."""
        if self.client_adds_name:
            return self._frame(format_literal(text) + self.newline)
        return self.message("", text)

    def goodbye(self, name: str) -> bytes | None:
        return None if self.leave is None else self._frame(self.leave, name=name)

    def _frame(self, fmt: str, **values: str) -> bytes:
        if self.json_values:
            values = {k: json.dumps(v, ensure_ascii=False)[1:-1] for k, v in values.items()}
        data = fmt.format_map(_Fill(values)).encode()
        if self.framing == "length":
            return struct.pack(">I", len(data)) + data
        if self.framing.startswith("decimal:"):
            return str(len(data)).encode().ljust(int(self.framing[8:])) + data
        return data

    def private(self, name: str, to: str, text: str) -> list[bytes]:
        """Ways to send a private message, most faithful to the student's client first."""
        body = self.private_format.format(to=to, text=text)
        ways = [self.message(name, body), self.bare(body)]
        return list(dict.fromkeys(ways))


MENU_PRIVATE = {"private": "{to}\n{text}", "private_text_first": "{text}\n{to}"}


def typed_menu(facts: Facts, private: Sequence[str]) -> tuple[str, tuple[str, ...]]:
    """What a user types into a client whose console menu asks first what to do (Facts.menu): for a
    message ("1" and the text, else the text), and for a private message the menu's own forms, then
    `private` (typed_private's) as a message."""
    message = next((format_literal(o) + "\n{text}" for o, kind in facts.menu if kind == "message"), "{text}")
    own = tuple(format_literal(o) + "\n" + MENU_PRIVATE[kind] for o, kind in facts.menu if kind in MENU_PRIVATE)
    return message, own + tuple(message.replace("{text}", form) for form in private)


def typed_private(prefixes: Sequence[str], guess: str) -> tuple[str, ...]:
    """The private-message forms to type into a client, as formats of {to} and {text}: each
    private-looking prefix its code (or the server's) compares or splits input on, "/to Bob hi" and
    "PM Bob hi" but "@Bob hi", then the `guess` (Dialect.private_format)."""
    escaped = (p.strip().replace("{", "{{").replace("}", "}}") for p in prefixes)
    ways = [f"{p} {{to}} {{text}}" if p[-1].isalnum() else f"{p}{{to}} {{text}}" for p in escaped if p]
    return tuple(dict.fromkeys(ways + [guess]))


def typed_name(client: Dialect, server: Dialect) -> str | None:
    """What a user types into the client as the name so that it sends the name the way `server`
    takes it (a TA who reads "set your nickname with /nick <name>" types "/nick Alice"): the client
    puts A + line + B on the wire for the first line, so the line is the server's name form without
    A and B; None where the client cannot send it (another framing, the name on its command line)."""
    sent, wanted = client.name_format, server.name_format
    if sent is None or wanted is None or sent.count("{name}") != 1 or (client.framing, client.json_values) != (
            server.framing, server.json_values) or any("{name}" in a for a in client.client_args or ()):
        return None
    before, after = sent.split("{name}")
    if "{name}" not in wanted or not (wanted.startswith(before) and wanted.endswith(after)):
        return None
    line = wanted[len(before):len(wanted) - len(after)]
    return line if "\n" not in line and "{name}" in line else None


class _Fill(dict):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def format_literal(pattern: str) -> str:
    """Escape braces of student text so it survives str.format."""
    return pattern.replace("{", "{{").replace("}", "}}")


# -- what the code says ---------------------------------------------------------------------

def from_source(sub: Submission) -> Dialect:
    """Best guesses from the server's code (and what the client's code writes before a message), for
    a submission without a usable client."""
    server = sub.server_facts
    commands = server.leave_words
    nl = "\n" if server.line_framing else ""
    prefix = sub.client_facts.name_prefix if sub.client else None   # the client writes "Alice: " itself
    return Dialect(
        transport=server.transport,
        name_format="{name}" + nl if server.mentions_names else None,
        message_format=(prefix or "") + "{text}" + nl,
        leave=(format_literal(commands[0]) + nl) if commands else None,
        private_format=server.private_format,
        private_found=server.private_found,
        learned_from=Msg("dialect.from_code"),
    )


MAX_SECRETS = 3           # passwords from the server's code tried (before the name, then after it), at most


def logins(sub: Submission) -> list[tuple[str, ...]]:
    """The handshakes with a password to try (Dialect.login): each word the server's code compares
    a line with that may be one (not a leave word), before the name, then each after it."""
    commands = set(sub.server_facts.leave_words + sub.client_facts.leave_words)
    words = [w for w in sub.server_facts.secrets if w not in commands][:MAX_SECRETS]
    return [(w,) for w in words] + [("{name}", w) for w in words]

"""What counts as a join or leave notice: server text naming a user that is not the relayed form of a
chat message from that user.

The main scenario sees, at its broadcast step, how this server relays a chat message: the line Bob
got for Alice's "hello TOKEN" (`Alice: hello TOKEN`, `[Alice] hello TOKEN`, `{"from": "Alice",
"text": "hello TOKEN"}`). That line is a template, RelayedForm: the text before the message and the
text after it, with a hole wherever the sender's name was. A line naming Dave is then not a notice
when it is that template filled with Dave and a text Dave sent, or an empty one: `Dave: ` (a server
that relays what `recv()` returned before checking for the end), `Dave: /quit` (his leave command),
`Carol: Carol` (the name the grader typed for her, relayed as a chat message), or the same form
several times on one line (`Dave: Dave: Dave: `, a server relaying `b''` in a loop without newlines).
Every other mention of the name is a notice, also one in the shape of a chat message whose text the
user never sent (`Bob: is amongst you now`): only the server can have written it.

Runs of digits and of spaces in the template match any such run (a timestamp, an address, a port), so
`[12:04] Dave: ` is the form `[12:03] Alice: hello` takes.

Without a form (the first broadcast never arrived) the rule is the older one: every mention of the
name is a notice, except, for a leave, those inside a relayed copy of the leaver's farewell and the
name a server puts in front of that copy.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

_RUNS = re.compile(r"(\d+|\s+)")


def _pattern(literal: str) -> str:
    """A regex for `literal` in which a run of digits or of spaces stands for any such run."""
    out = []
    for part in _RUNS.split(literal):
        if not part:
            continue
        out.append(r"\d+" if part.isdigit() else r"\s*" if part.isspace() else re.escape(part))
    return "".join(out)


@dataclass(frozen=True)
class RelayedForm:
    """How the server relays a chat message: `before` + text + `after`, the sender's name cut out of
    both (a name at every place where the pieces join)."""
    before: tuple[str, ...]     # the line before the text, split where the sender's name was
    after: tuple[str, ...]      # the line after the text, likewise

    @classmethod
    def seen(cls, received: str, sender: str, text: str) -> RelayedForm | None:
        """The form of the line in `received` that carries `text` from `sender`; None if no line does."""
        at = received.find(text)
        if at < 0:
            return None
        start = received.rfind("\n", 0, at) + 1
        end = received.find("\n", at)
        line = received[start: end if end >= 0 else len(received)]
        head, tail = line[: at - start], line[at - start + len(text):]
        return cls(tuple(head.split(sender)), tuple(tail.split(sender)))

    def filled(self, name: str, text: str) -> str:
        return name.join(self.before) + text + name.join(self.after)

    def relays(self, line: str, name: str, texts: tuple[str, ...]) -> bool:
        """`line` is this form filled with `name` and one of `texts`, once or more (spaces aside)."""
        filled = sorted({self.filled(name, t).strip() for t in texts} - {""}, key=len, reverse=True)
        rest = line
        for form in filled:   # the literal forms first: a flood of megabytes costs one str.replace
            rest = rest.replace(form, " ")
        if not rest.strip():
            return bool(filled)
        # Each filled form is stripped, so no two runs of spaces meet between repeats: the match stays
        # linear in the line's length.
        alternatives = "|".join(map(_pattern, filled))
        return bool(filled) and re.fullmatch(rf"\s*(?:(?:{alternatives})\s*)+", line) is not None


@dataclass(frozen=True)
class Mentions:
    """The distinct lines of a text that name a user, in two kinds."""
    notices: tuple[str, ...]     # lines that are no relayed chat message of that user: notices
    relayed: tuple[str, ...]     # lines that are


def mentions(text: str, name: str, typed: tuple[str, ...], form: RelayedForm) -> Mentions:
    """How `text` names `name`, given what that user sent (`typed`: its name, its leave command)."""
    texts = ("", *(t for t in typed if t))
    notices, relayed = [], []
    for line in dict.fromkeys(text.split("\n")):   # a flood of one line is judged once
        if name in line:
            (relayed if form.relays(line, name, texts) else notices).append(line)
    return Mentions(tuple(notices), tuple(relayed))


def joined(text: str, name: str, hello: str, form: RelayedForm | None) -> bool:
    """A watcher who got `text` from a join on was told of `name` joining (the grader typed `hello`)."""
    if form is None:
        return name in text
    return bool(mentions(text, name, (hello,), form).notices)


def farewell_copies(text: str, name: str, goodbye: str, server_adds_name: bool) -> int:
    """Mentions of `name` that relayed copies of the leaver's farewell account for: the one inside the
    farewell and the one the server prefixes (the rule without a form)."""
    if not goodbye:
        return 0
    return text.count(goodbye) * ((name in goodbye) + server_adds_name)


def left(text: str, name: str, goodbye: str, form: RelayedForm | None, server_adds_name: bool) -> bool:
    """A watcher who got `text` from a leave on was told of `name` leaving (after sending `goodbye`)."""
    count = text.count(name)
    if count <= farewell_copies(text, name, goodbye, server_adds_name):
        return False
    return form is None or bool(mentions(text, name, (goodbye,), form).notices)

"""What counts as a join or leave notice: server text naming a user that is not the relayed form of a
chat message.

The main scenario sees, at its broadcast step, how this server relays a chat message: the line Bob
got for Alice's "hello TOKEN" (`Alice: hello TOKEN`, `[Alice] hello TOKEN`, `{"from": "Alice",
"text": "hello TOKEN"}`). That line is a template, RelayedForm: the text before the message and the
text after it, with a hole wherever the sender's name was. A line naming Dave is then not a notice
when it is that template filled with Dave and any text: an empty one (`Dave: `, the line a server
relays when it sends what `recv()` returned before checking for the end), his leave command
(`Dave: /quit`), or the name the grader typed for him (`Carol: Carol`). Only the mentions of the name
left over are notices.

"Any text" needs a template that cannot be mistaken for prose: its separator between the name and the
text holds a mark that is neither a letter, a digit nor a space (`: `, `] `, `", "text": "`). For a
form like `Alice hello` a line `Dave left the chat` is a notice, and only whole lines with an empty
text or the user's own typed text are relayed forms. Runs of digits and of spaces in the template
match any such run (a timestamp, an address, a port), so `[12:04] Dave: ` is the form `[12:03]
Alice: hello` takes.

Without a form (the first broadcast never arrived) the rule is the older one, kept for the leave:
every mention of the name is a notice except those inside a relayed copy of the leaver's farewell and
the name a server puts in front of that copy.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

_RUNS = re.compile(r"(\d+|\s+)")
_LINES = re.compile(r"\r?\n")


def _pattern(literal: str) -> str:
    """A regex for `literal` in which a run of digits or of spaces stands for any such run."""
    out = []
    for part in _RUNS.split(literal):
        if not part:
            continue
        out.append(r"\d+" if part.isdigit() else r"\s*" if part.isspace() else re.escape(part))
    return "".join(out)


def _distinctive(separator: str) -> bool:
    return any(not (c.isalnum() or c.isspace()) for c in separator)


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

    @property
    def named(self) -> bool:
        return len(self.before) > 1

    def filled(self, name: str, text: str) -> str:
        return name.join(self.before) + text + name.join(self.after)

    def is_line(self, line: str, name: str, texts: tuple[str, ...]) -> bool:
        """`line` is this form filled with `name` and one of `texts` (spaces around aside)."""
        return any(re.fullmatch(_pattern(self.filled(name, t).strip()), line.strip()) for t in texts)

    def heads(self, line: str, name: str) -> list[int]:
        """Where, in `line`, the form's text begins after `name` was put in its place (a distinctive
        form only): each is a relayed chat message of that user, whatever its text."""
        if not self.named or not _distinctive(self.before[-1]):
            return []
        head = re.compile(r"(?<!\w)" + re.escape(name).join(map(_pattern, self.before)))
        return [m.end() for m in head.finditer(line)]


@dataclass(frozen=True)
class Mentions:
    notices: int                 # mentions of the name that are not in a relayed chat message
    relayed: tuple[str, ...]     # the lines naming the user that are relayed chat messages


def mentions(text: str, name: str, typed: tuple[str, ...], form: RelayedForm) -> Mentions:
    """How `text` names `name`, given what the user typed (`typed`: its name, its leave command)."""
    notices, relayed = 0, []
    texts = ("", *(t for t in typed if t))
    for line in _LINES.split(text):
        count = line.count(name)
        if not count:
            continue
        if form.is_line(line, name, texts):
            relayed.append(line)
            continue
        explained = 0
        for at in form.heads(line, name):
            explained += len(form.before) - 1
            explained += next((t.count(name) for t in texts[1:] if line.startswith(t, at)), 0)
        if explained:
            relayed.append(line)
        notices += max(0, count - explained)
    return Mentions(notices, tuple(relayed))


def joined(text: str, name: str, hello: str, form: RelayedForm | None) -> bool:
    """A watcher who got `text` from a join on was told of `name` joining (the grader typed `hello`)."""
    if form is None:
        return name in text
    return mentions(text, name, (hello,), form).notices > 0


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
    return form is None or mentions(text, name, (goodbye, name), form).notices > 0

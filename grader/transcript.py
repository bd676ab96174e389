"""What the grader sent and what came back, per part of a scenario, for the reason of a lost point.

A scenario adds events to named parts (a part is named by the check it serves); a check's transcript is
the events of the parts it declares, times in seconds from the first of them. Events are
{"t", "user", "event": "sent" | "typed" | "got" | "printed" | "server" | "note", "text"} ("typed":
into the student's client; "sent": by a raw socket of the grader; "got": what the server sent a user;
"printed": what that user's client showed of it). It is bounded, so that a flood
costs nothing: a long text loses its middle, and so does a long list of events (a note says how many
went). A note's text is a Msg until the report renders it in its language.
"""
from __future__ import annotations

import threading
import time

from .messages import Msg, render
from .reasons import Reason

TEXT_CHARS = 300      # characters one event shows; a longer text keeps its start and its end
CHECK_CHARS = 4000    # characters of text in one check's transcript
CHECK_EVENTS = 40     # events in one check's transcript
ELLIPSIS = " … "


def shorten(text: str, limit: int = TEXT_CHARS) -> str:
    if len(text) <= limit:
        return text
    keep = (limit - len(ELLIPSIS)) // 2
    return text[:keep] + ELLIPSIS + text[-keep:]


class Transcript:
    def __init__(self):
        self._parts: dict[str, list[tuple[float, str, str, str | Msg]]] = {}
        self._lock = threading.Lock()

    def add(self, part: str, event: str, user: str, text: str | Msg) -> None:
        if isinstance(text, str):
            if not text:
                return
            text = shorten(text)
        with self._lock:
            self._parts.setdefault(part, []).append((time.monotonic(), user, event, text))

    @property
    def parts(self) -> tuple[str, ...]:
        with self._lock:
            return tuple(self._parts)

    def events(self, parts: tuple[str, ...]) -> list[dict]:
        """The bounded transcript of `parts`, in time order."""
        with self._lock:
            chosen = sorted((e for p in parts for e in self._parts.get(p, [])), key=lambda e: e[0])
        if not chosen:
            return []
        start = chosen[0][0]
        return bound([{"t": round(at - start, 3), "user": user, "event": event, "text": text}
                      for at, user, event, text in chosen])


def bound(events: list[dict]) -> list[dict]:
    """At most CHECK_EVENTS events and CHECK_CHARS characters: the first and the last, a note between."""
    def size(evs: list[dict]) -> int:
        return sum(len(str(e["text"])) for e in evs)
    if len(events) <= CHECK_EVENTS and size(events) <= CHECK_CHARS:
        return events
    head, tail = [], []
    budget = CHECK_CHARS
    for i in range(len(events)):   # take from both ends, alternately, while the budget lasts
        pick = events[i // 2] if i % 2 == 0 else events[len(events) - 1 - i // 2]
        if len(head) + len(tail) >= CHECK_EVENTS - 1 or len(str(pick["text"])) > budget:
            break
        budget -= len(str(pick["text"]))
        (head if i % 2 == 0 else tail).append(pick)
    left_out = len(events) - len(head) - len(tail)
    note = {"t": tail[-1]["t"] if tail else head[-1]["t"] if head else 0.0, "user": "", "event": "note",
            "text": Msg(Reason.TRANSCRIPT_ELIDED, count=left_out)}
    return head + [note] + tail[::-1]


def rendered(events: list[dict], lang: str) -> list[dict]:
    """The events with every text a string, in `lang`."""
    return [{**e, "text": shorten(render(e["text"], lang))} for e in events]

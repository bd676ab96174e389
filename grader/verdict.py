"""A check's verdict: its status and the one-line reason a student reads."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Verdict:
    status: str          # pass, partial, fail, skip, error
    message: str = ""


def ok(message: str = "") -> Verdict:
    return Verdict("pass", message)


def partial(message: str) -> Verdict:
    return Verdict("partial", message)


def fail(message: str) -> Verdict:
    return Verdict("fail", message)

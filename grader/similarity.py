"""Near-copies in a class: token fingerprints with winnowing, as MOSS does (Schleimer, Wilkerson and
Aiken, "Winnowing", SIGMOD 2003).

A program becomes a stream of tokens (the standard library's tokenize): comments and blank lines are
dropped, every identifier that is not a keyword becomes one token `N`, every string `S` and every
number `0`, so renamed variables and functions, new comments, other spacing and other messages change
nothing; line breaks and indents stay, as they are the shape of the code. Every K consecutive tokens
are hashed (blake2b: the same on every run, unlike hash()), and of every WINDOW consecutive hashes the
smallest is kept. Any run of K + WINDOW - 1 tokens two programs share then gives them at least one
common fingerprint, wherever it sits in each, so reordered functions keep theirs; runs shorter than K
tokens (one `conn.send(msg.encode())` line) count for nothing.

A student's code is the server and the client together. The share of two students is the Jaccard
index |A ∩ B| / |A ∪ B| of their fingerprint sets, not the share of the smaller set: the smaller set
of a short server that is mostly the socket boilerplate every student writes would be "contained" in
any long one, while a copy keeps a Jaccard index near 1 (the figures are in README.md, "Grading a
class"). Pairs at or above THRESHOLD are flagged.
"""
from __future__ import annotations

import hashlib
import io
import keyword
import tokenize
from itertools import combinations
from pathlib import Path

from .submission import SubmissionError, load

K = 12            # tokens per hashed k-gram: shorter runs are the idioms every socket chat has
WINDOW = 8        # hashes per winnowing window: a shared run of K + WINDOW - 1 = 19 tokens is always seen
THRESHOLD = 0.5   # Jaccard share from which two students' code is flagged (ours: 0.30 at most; copies: 0.67 and up)
SKIPPED = {tokenize.COMMENT, tokenize.NL, tokenize.ENCODING, tokenize.ENDMARKER, tokenize.ERRORTOKEN}


def tokens(source: str) -> list[str]:
    """The normalised token stream of `source`; code that does not tokenize to its end (a syntax
    error, a report's broken block) gives the tokens up to where it stops."""
    out: list[str] = []
    try:
        for tok in tokenize.generate_tokens(io.StringIO(source).readline):
            if tok.type in SKIPPED:
                continue
            if tok.type == tokenize.NAME:
                out.append(tok.string if keyword.iskeyword(tok.string) else "N")
            elif tok.type == tokenize.STRING or tok.type in FSTRING_TYPES:
                out.append("S")
            elif tok.type == tokenize.NUMBER:
                out.append("0")
            else:
                out.append(tok.string if tok.type == tokenize.OP else tokenize.tok_name[tok.type])
    except (tokenize.TokenError, IndentationError, SyntaxError):
        pass
    return _merge_strings(out)


# Python 3.12 splits an f-string into several tokens; all of them are one string here.
FSTRING_TYPES = {getattr(tokenize, n) for n in ("FSTRING_START", "FSTRING_MIDDLE", "FSTRING_END") if hasattr(tokenize, n)}


def _merge_strings(out: list[str]) -> list[str]:
    """Adjacent strings ("a" "b", and the pieces of an f-string) are one string."""
    merged: list[str] = []
    for t in out:
        if not (t == "S" and merged and merged[-1] == "S"):
            merged.append(t)
    return merged


def fingerprints(sources: list[str]) -> frozenset[int]:
    """The winnowed fingerprints of a student's programs (server and client)."""
    found: set[int] = set()
    for source in sources:
        stream = tokens(source)
        hashes = [int.from_bytes(hashlib.blake2b(" ".join(stream[i:i + K]).encode(), digest_size=8).digest(), "big")
                  for i in range(len(stream) - K + 1)]
        if 0 < len(hashes) <= WINDOW:
            found.add(min(hashes))
        for i in range(len(hashes) - WINDOW + 1):
            found.add(min(hashes[i:i + WINDOW]))
    return frozenset(found)


def share(a: frozenset[int], b: frozenset[int]) -> float:
    return len(a & b) / len(a | b) if a and b else 0.0


def code_of(entry: Path) -> list[str]:
    """The server's and the client's source of a class entry (a folder, a file or a report), found the
    way the grader finds them; nothing for an entry that cannot be graded."""
    try:
        with load(entry) as sub:
            scripts = dict.fromkeys(e.script for e in (sub.server, sub.client) if e)
            return [sub.sources[s] for s in scripts]
    except SubmissionError:
        return []
    except Exception:  # noqa: BLE001 - the grading of the entry reports what is wrong; a comparison
        return []      # that cannot read it must never cost the student's row or the class


def near_copies(prints: dict[str, frozenset[int]], threshold: float = THRESHOLD) -> dict[str, list[dict]]:
    """For every student, the others whose code shares at least `threshold` with theirs, most similar
    first: {"ivanov": [{"id": "petrov", "share": 0.93}], ...}; students with none are left out."""
    found: dict[str, list[dict]] = {}
    for (one, a), (other, b) in combinations(sorted(prints.items()), 2):
        s = share(a, b)
        if s >= threshold:
            found.setdefault(one, []).append({"id": other, "share": round(s, 2)})
            found.setdefault(other, []).append({"id": one, "share": round(s, 2)})
    for pairs in found.values():
        pairs.sort(key=lambda p: (-p["share"], p["id"]))
    return found

"""Lenient reading of what was on the wire: the text a chat's bytes carry, whatever the framing.

A token was delivered when it appears in the readable text of what the server sent a user. Students
frame their messages in many ways, so the reading forgives all of them at once:

- length-prefixed frames (4-byte big- or little-endian, 2-byte big-endian, or the length in decimal
  digits padded with spaces to a fixed width, as in `str(n).ljust(64)`) are cut apart when the
  whole stream parses as such frames, each frame becoming a line; otherwise control characters
  (NULs, stray length bytes, \\r) become line breaks;
- bytes that are not UTF-8 become U+FFFD;
- JSON values found in the text (objects, arrays, strings) are replaced by their string and number
  leaves joined by spaces, one JSON value per line: {"from": "Alice", "text": "hi"} reads "Alice hi";
- \\uXXXX escapes left in plain text (a client that prints json.dumps output) are decoded.

near() tells whether a name stands close to a token: on the same line (one JSON object is one line)
and within NEAR_WINDOW characters. Reading is pure and deterministic: same bytes, same text.
"""
from __future__ import annotations

import json
import re
import struct

# A name counts as the sender's when it is on the token's line and at most this many characters away.
NEAR_WINDOW = 120
# Frames longer than this are not frames: the "length" is really text.
MAX_FRAME = 1 << 24
# (struct format, prefix size, largest plausible length): the framings tried, most common first.
_FRAMINGS = ((">I", 4, MAX_FRAME), ("<I", 4, MAX_FRAME), (">H", 2, 1 << 13))
_DECIMAL_HEADER = re.compile(rb"(\d{1,8}) {2,}")   # "14" and at least two spaces: a padded header, not text
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]+")
_ESCAPES = re.compile(r"(?:\\u[0-9a-fA-F]{4})+")
_JSON_START = re.compile(r'[{\["]')
_DECODER = json.JSONDecoder()


def frames(data: bytes) -> list[bytes] | None:
    """The payloads if the whole of `data` is a run of length-prefixed frames (the last one may be
    cut short), else None. A stream of text never parses: its first bytes make too long a length."""
    for fmt, size, largest in _FRAMINGS:
        found = _parse_frames(data, fmt, size, largest)
        if found is not None:
            return found
    width = decimal_header(data)
    return None if width is None else _parse_decimal_frames(data, width)


def decimal_header(data: bytes) -> int | None:
    """The width of the decimal length header `data` starts with ("14" and spaces up to the width),
    if its length is that of the rest, or of a first frame after which another header follows."""
    match = _DECIMAL_HEADER.match(data)
    if match is None:
        return None
    width, length = match.end(), int(match[1])
    rest = data[width + length:]
    return width if len(data) >= width + length and (not rest or _DECIMAL_HEADER.match(rest)) else None


def _parse_decimal_frames(data: bytes, width: int) -> list[bytes] | None:
    found: list[bytes] = []
    offset = 0
    while offset < len(data):
        header = data[offset:offset + width]
        if len(header) < width or not _DECIMAL_HEADER.fullmatch(header):
            return None
        length = int(header)
        found.append(data[offset + width:offset + width + length])
        offset += width + length
    return found


def _parse_frames(data: bytes, fmt: str, size: int, largest: int) -> list[bytes] | None:
    found: list[bytes] = []
    offset = 0
    while offset < len(data):
        if offset + size > len(data):
            return None
        (length,) = struct.unpack_from(fmt, data, offset)
        if length > largest or length == 0:
            return None
        payload = data[offset + size:offset + size + length]
        if len(payload) < length and not found:
            return None  # one cut-short frame is no evidence of framing
        found.append(payload)
        offset += size + length
    return found or None


def texts(data: bytes) -> str:
    """The readable text of a byte stream, lines separated by \\n (see the module doc)."""
    payloads = frames(data)
    if payloads is None:
        payloads = [data]
    return "\n".join(readable(p.decode("utf-8", "replace")) for p in payloads)


def readable(text: str) -> str:
    """The readable form of already decoded text: control characters as line breaks, JSON values
    as their leaves, \\uXXXX escapes decoded."""
    text = _CONTROL.sub("\n", text.replace("\r\n", "\n"))
    return _unescape(_render_json(text))


def _render_json(text: str) -> str:
    out: list[str] = []
    pos = 0
    while True:
        match = _JSON_START.search(text, pos)
        if match is None:
            out.append(text[pos:])
            return "".join(out)
        start = match.start()
        try:
            value, end = _DECODER.raw_decode(text, start)
        except ValueError:
            out.append(text[pos:start + 1])
            pos = start + 1
            continue
        out.append(text[pos:start])
        out.append(" ".join(_leaves(value)).replace("\n", " "))
        pos = end


def _leaves(value) -> list[str]:
    if isinstance(value, str):
        return [_clean(value)]
    if isinstance(value, bool) or value is None:
        return []
    if isinstance(value, (int, float)):
        return [str(value)]
    items = value.values() if isinstance(value, dict) else value
    return [leaf for item in items for leaf in _leaves(item)]


def _unescape(text: str) -> str:
    def decode(match: re.Match) -> str:
        return _clean(json.loads('"' + match.group(0) + '"'))  # json pairs up surrogates
    return _ESCAPES.sub(decode, text)


def _clean(text: str) -> str:
    """A lone surrogate (half an escaped emoji) becomes U+FFFD, so the text can be encoded."""
    return re.sub("[\ud800-\udfff]", "\ufffd", text)


def contains(data: bytes, text: str) -> bool:
    """`text` appears in the readable text of `data` (or in its raw bytes)."""
    return text.encode("utf-8") in data or text in texts(data)


def count(data: bytes, text: str) -> int:
    """How many times `text` appears in the readable text of `data` (duplicates, echo)."""
    return texts(data).count(text)


def near(data: bytes, name: str, token: str, window: int = NEAR_WINDOW) -> bool:
    """`name` stands near an occurrence of `token` in the readable text of `data`."""
    return near_in(texts(data), name, token, window)


def near_in(text: str, name: str, token: str, window: int = NEAR_WINDOW) -> bool:
    """`name` is on the line of an occurrence of `token` in `text` and at most `window` characters
    from it (for what a client printed as well as for the wire)."""
    if not name or not token:
        return False
    for line in text.split("\n"):
        tokens = _spans(line, token)
        if not tokens:
            continue
        for ns, ne in _spans(line, name):
            for ts, te in tokens:
                overlap = ns < te and ts < ne
                if not overlap and max(ns, ts) - min(ne, te) <= window:
                    return True
    return False


def _spans(line: str, needle: str) -> list[tuple[int, int]]:
    spans = []
    start = line.find(needle)
    while start >= 0:
        spans.append((start, start + len(needle)))
        start = line.find(needle, start + 1)
    return spans

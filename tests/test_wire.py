"""grader.wire: the readable text of chat bytes, table-driven."""
import json
import struct

import pytest

from grader import wire


def be4(*payloads):
    return b"".join(struct.pack(">I", len(p)) + p for p in payloads)


def le4(*payloads):
    return b"".join(struct.pack("<I", len(p)) + p for p in payloads)


def be2(*payloads):
    return b"".join(struct.pack(">H", len(p)) + p for p in payloads)


def jline(**fields):
    return (json.dumps(fields) + "\n").encode()


HI = "Привет, мир! 👋"

# (what was on the wire, a text that must be in its reading)
CONTAINED = [
    ("plain line", b"Alice: hello\n", "Alice: hello"),
    ("utf-8", f"Alice: {HI}\n".encode(), HI),
    ("crlf", b"Alice: hi\r\nBob: yo\r\n", "Bob: yo"),
    ("nul terminated", b"Alice: hi\x00Bob: yo\x00", "Bob: yo"),
    ("4-byte big-endian frames", be4(b"[Alice] hi", f"[Bob] {HI}".encode()), f"[Bob] {HI}"),
    ("4-byte little-endian frames", le4(b"Alice: hi", b"Bob: yo"), "Bob: yo"),
    ("2-byte frames", be2(b"Alice: hi", b"Bob: yo"), "Bob: yo"),
    ("frame cut short at the end", be4(b"Alice: hi") + struct.pack(">I", 40) + b"Bob: y", "Bob: y"),
    ("a frame whose length byte is a letter", be4(b"x" * 60 + b" token"), "x" * 60 + " token"),
    ("json line, ascii escapes", jline(type="msg", **{"from": "Alice"}, text=HI), f"Alice {HI}"),
    ("json with a nested object", jline(type="msg", user={"name": "Alice"}, text="hi"), "msg Alice hi"),
    ("json in frames", be4(json.dumps({"text": HI}).encode()), HI),
    ("two json objects on one line", b'{"text": "one"}{"text": "two"}', "one"),
    ("json string", json.dumps("Alice: " + HI).encode() + b"\n", "Alice: " + HI),
    ("raw \\u escapes", b"Alice: \\u041f\\u0440\\u0438\\u0432\\u0435\\u0442", "Alice: Привет"),
    ("surrogate pair escape", b"wave \\ud83d\\udc4b", "wave 👋"),
    ("invalid utf-8", b"caf\xe9 ok", "caf\ufffd ok"),
    ("token across two sends", b"Alice: hel" + b"lo\n", "hello"),
]


@pytest.mark.parametrize("data,text", [c[1:] for c in CONTAINED], ids=[c[0] for c in CONTAINED])
def test_contains(data, text):
    assert wire.contains(data, text)


NOT_CONTAINED = [
    ("another word", b"Alice: hello\n", "goodbye"),
    ("escaped, not the text", b"\\u0041lice", "\\u0041"),
    ("json keys are not text", jline(secret="x"), "secret"),
    ("a length prefix is not a letter", be4(b"hi"), "\x02hi"),
]


@pytest.mark.parametrize("data,text", [c[1:] for c in NOT_CONTAINED], ids=[c[0] for c in NOT_CONTAINED])
def test_not_in_the_reading(data, text):
    assert text not in wire.texts(data)


def test_contains_also_looks_at_the_raw_bytes():
    assert wire.contains(jline(secret="x"), "secret")
    assert not wire.contains(b"Alice: hello\n", "goodbye")


FRAMES = [
    ("big-endian", be4(b"a", b"bc"), [b"a", b"bc"]),
    ("little-endian", le4(b"a", b"bc"), [b"a", b"bc"]),
    ("two-byte", be2(b"a", b"bc"), [b"a", b"bc"]),
    ("cut short", be4(b"a") + struct.pack(">I", 5) + b"bc", [b"a", b"bc"]),
    ("text", b"hello world\n", None),
    ("json line", jline(text="hi"), None),
    ("only a cut-short frame", struct.pack(">I", 9) + b"abc", None),
    ("a zero length", struct.pack(">I", 0) + b"abc", None),
    ("empty", b"", None),
    ("decimal, padded to 64", b"1".ljust(64) + b"a" + b"2".ljust(64) + b"bc", [b"a", b"bc"]),
    ("decimal, padded to 8", b"3".ljust(8) + b"abc", [b"abc"]),
    ("text that starts with a number", b"12  apples and more text", None),
    ("a decimal header cut short", b"9".ljust(64) + b"abc", None),
]


@pytest.mark.parametrize("data,expected", [c[1:] for c in FRAMES], ids=[c[0] for c in FRAMES])
def test_frames(data, expected):
    assert wire.frames(data) == expected


def test_frames_become_lines():
    assert wire.texts(be4(b"one", b"two")) == "one\ntwo"
    assert wire.texts(b"one\x00\x00two\r\n\r\nthree") == "one\ntwo\nthree"


def test_reading_is_deterministic_and_total():
    junk = bytes(range(256)) * 3 + b'{"a": [1, {"b": "\\ud83d"}]}' + b'"unterminated \\u12'
    text = wire.texts(junk)
    assert text == wire.texts(junk)
    text.encode("utf-8")  # no lone surrogates left


NEAR = [
    ("name before the token", b"Alice: hello T1\n", "Alice", "T1", True),
    ("name in brackets", b"[Alice] hello T1\n", "Alice", "T1", True),
    ("name after the token", b"T1 (from Alice)\n", "Alice", "T1", True),
    ("json object", jline(type="msg", **{"from": "Alice"}, text="hello T1"), "Alice", "T1", True),
    ("json object with the name last", jline(text="hello T1", sender="Alice"), "Alice", "T1", True),
    ("length-prefixed", be4(b"[Alice] hi T1", b"[Bob] yo"), "Alice", "T1", True),
    ("name on another line", b"* Alice joined\nhello T1\n", "Alice", "T1", False),
    ("name in another frame", be4(b"Alice joined", b"hello T1"), "Alice", "T1", False),
    ("name in another json object", jline(user="Alice") + jline(text="T1"), "Alice", "T1", False),
    ("name too far away", b"Alice" + b" " * 200 + b"T1", "Alice", "T1", False),
    ("another name", b"Bob: hello T1\n", "Alice", "T1", False),
    ("the name inside the token", b"hello xAlicex\n", "Alice", "xAlicex", False),
    ("no token", b"Alice: hello\n", "Alice", "T1", False),
]


@pytest.mark.parametrize("data,name,token,expected", [c[1:] for c in NEAR], ids=[c[0] for c in NEAR])
def test_near(data, name, token, expected):
    assert wire.near(data, name, token) is expected


def test_near_window():
    data = b"Alice" + b"." * 30 + b"T1"
    assert wire.near(data, "Alice", "T1", window=30)
    assert not wire.near(data, "Alice", "T1", window=29)


def test_count_reads_duplicates_through_framing():
    assert wire.count(be4(b"Alice: T1", b"Alice: T1"), "T1") == 2
    assert wire.count(jline(text="T1") + jline(text="T2"), "T1") == 1

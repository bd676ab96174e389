"""grader.experiment: the hypotheses a server's code makes plausible (plain functions over snippets),
and the experiment that keeps the first under which a message from one raw user reaches another
(real servers on loopback, port 0)."""
import textwrap

import pytest

from grader import quiescence, source
from grader.dialect import Dialect
from grader.experiment import LOGIN_SHAPES, find, hypotheses
from grader.harness import Harness
from grader.submission import load

LINES = dict(name_format="{name}\n", message_format="{text}\n")

# (what, the server's code, the first hypothesis, the wire of the right one: hello, message, at most its place)
ROWS = [
    ("LOGIN and MSG forms on lines", """
        line = f.readline()
        if line.startswith("LOGIN "):
            nick = line[6:]
        elif line.startswith("MSG "):
            relay(line[4:])
        """, LINES, (b"LOGIN Alice\n", b"MSG hi\n"), 4),
    ("NICK compared as bytes, split on a colon, raw chunks", """
        data = conn.recv(1024)
        word, _, rest = data.partition(b":")
        if word == b"NICK":
            pass
        """, dict(name_format="{name}", message_format="{text}"), (b"NICK:Alice", b"hi"), 2),
    ("a /nick command", """
        if text.startswith("/nick "):
            rename(text[6:])
        """, dict(name_format=None, message_format="{text}"), (b"/nick Alice", b"hi"), 2),
    ("length frames read with struct", """
        import struct
        (size,) = struct.unpack(">I", conn.recv(4))
        """, dict(name_format="{name}", message_format="{text}"),
        (b"\x00\x00\x00\x05Alice", b"\x00\x00\x00\x02hi"), 2),
    ("JSON objects with the keys the code reads", """
        import json
        for line in conn.makefile():
            m = json.loads(line)
            if m["type"] == "join":
                users[m["nick"]] = conn
            elif m["type"] == "chat":
                relay(m["body"])
        """, LINES, (b'{"type": "join", "nick": "Alice"}\n', b'{"type": "chat", "body": "hi"}\n'), 2),
    ("the name as the first message, no word for it", """
        who = conn.recv(1024)
        """, dict(name_format=None, message_format="{text}"), (b"Alice", b"hi"), 2),
    ("no name at all, though the guess sent one", """
        data = conn.recv(1024)
        """, dict(name_format="{name}", message_format="{text}"), (None, b"hi"), 2),
]


def wire(d: Dialect) -> tuple:
    return d.hello("Alice"), d.message("Alice", "hi")


@pytest.mark.parametrize("code, first, right, within", [r[1:] for r in ROWS], ids=[r[0] for r in ROWS])
def test_the_right_hypothesis_is_among_the_first(code, first, right, within):
    found = hypotheses(Dialect(**first), source.facts(textwrap.dedent(code)))
    wires = [wire(d) for d in found]
    assert right in wires[:within], wires


def test_the_first_hypothesis_stays_first_and_none_repeats():
    first = Dialect(name_format="NICK:{name}\n", message_format="{text}\n")
    found = hypotheses(first, source.facts('if line.startswith("LOGIN "):\n    pass\n'))
    assert found[0] is first
    assert len({wire(d) for d in found}) == len(found)


def test_the_handshakes_with_a_password_come_last_and_only_on_the_likeliest_shapes():
    first = Dialect(name_format="{name}\n", message_format="{text}\n")
    logins = [("qwerty",), ("{name}", "qwerty")]
    plain = hypotheses(first, source.facts(""))
    found = hypotheses(first, source.facts(""), logins)
    assert found[:len(plain)] == plain and all(not d.login for d in plain)
    tail = found[len(plain):]
    assert [(d.login, wire(d)) for d in tail] == [(login, wire(d)) for login in logins for d in plain[:LOGIN_SHAPES]]
    assert tail[0].handshake("Alice") == ["qwerty", "Alice"] and tail[-1].handshake("Alice") == ["Alice", "qwerty"]


def test_a_decimal_framing_puts_the_length_padded_to_its_width_before_every_message():
    d = Dialect(name_format="{name}", message_format="{text}", framing="decimal:64", login=("s3cret",))
    assert d.message("Alice", "hi Привет") == b"15".ljust(64) + "hi Привет".encode()   # bytes, not characters
    assert [d.hello(line.replace("{name}", "Alice")) for line in d.handshake()] == [b"6".ljust(64) + b"s3cret",
                                                                                   b"5".ljust(64) + b"Alice"]


def test_a_json_hypothesis_escapes_what_it_fills_in():
    code = 'import json\nm = json.loads(line)\nif m["type"] == "msg":\n    say(m["text"])\n'
    d = next(d for d in hypotheses(Dialect(), source.facts(code)) if d.json_values)
    assert d.message("Alice", 'a "quote" and Привет') == '{"type": "msg", "text": "a \\"quote\\" and Привет"}'.encode()


# -- the experiment against real servers --------------------------------------------------------

SERVE = """
import socket, threading
clients = {{}}
lock = threading.Lock()

def tell(text, but=None):
    with lock:
        others = [c for c in clients if c is not but]
    for c in others:
        c.sendall(text.encode())

def serve(conn):
{handler}

srv = socket.socket()
srv.bind(("127.0.0.1", 0))
srv.listen()
while True:
    conn, _ = srv.accept()
    threading.Thread(target=serve, args=(conn,), daemon=True).start()
"""

LOGIN = """
    f = conn.makefile("r")
    first = f.readline()
    if not first.startswith("LOGIN "):
        conn.sendall(b"ERR\\n")
        conn.close()
        return
    who = first[6:].strip()
    with lock:
        clients[conn] = who
    conn.sendall(b"OK\\n")
    for line in f:
        if line.startswith("MSG "):
            tell(who + ": " + line[4:], but=conn)
"""

# Registered as soon as accepted, the first message is the name, every join announced: under the
# no-name hypothesis the first probe comes back to Bob as a name.
NAME_FIRST = """
    with lock:
        clients[conn] = "?"
    who = conn.recv(1024).decode().strip()
    tell(who + " joined\\n", but=conn)
    while True:
        data = conn.recv(1024)
        if not data:
            break
        tell(who + ": " + data.decode(), but=conn)
"""

ONE_AT_A_TIME = SERVE.replace("threading.Thread(target=serve, args=(conn,), daemon=True).start()", "serve(conn)")


def experiment(tmp_path, server: str, first: Dialect) -> tuple[Dialect, int]:
    """What find() keeps for `server`, and how many servers it started."""
    (tmp_path / "server.py").write_text(server)
    with load(str(tmp_path)) as sub:
        h = Harness(sub, 20.0, stuck=quiescence.stuck)
        started = []
        start = h.start_server
        h.start_server = lambda **kw: started.append(1) or start(**kw)
        try:
            return find(h, hypotheses(first, sub.server_facts)), len(started)
        finally:
            h.close()


@pytest.mark.timeout(60)
def test_a_login_server_is_spoken_to_as_its_code_says(tmp_path):
    first = Dialect(**LINES)
    found, _ = experiment(tmp_path, SERVE.format(handler=LOGIN), first)
    assert wire(found) == (b"LOGIN Alice\n", b"MSG hi\n")
    assert found.learned_from.key == "dialect.from_experiment"


@pytest.mark.timeout(60)
def test_the_first_probe_taken_for_a_name_refutes_a_hypothesis(tmp_path):
    found, _ = experiment(tmp_path, SERVE.format(handler=NAME_FIRST), Dialect(name_format=None))
    assert found.hello("Alice") == b"Alice"


@pytest.mark.timeout(60)
def test_a_first_hypothesis_that_works_costs_one_server(tmp_path):
    first = Dialect()
    found, started = experiment(tmp_path, SERVE.format(handler=NAME_FIRST), first)
    assert found is first and started == 1


@pytest.mark.timeout(60)
def test_a_second_user_never_accepted_ends_the_experiment(tmp_path):
    first = Dialect(name_format=None)
    found, started = experiment(tmp_path, ONE_AT_A_TIME.format(handler=NAME_FIRST), first)
    assert found is first and started == 1

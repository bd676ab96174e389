"""grader.users: the two ways scripted users are driven, from hand-built parts (milliseconds).
Driving real clients against real servers is covered by the example corpus and test_client_user."""
import json
import struct
from types import SimpleNamespace

import pytest

from grader.client_user import Mark
from grader.dialect import Dialect, typed_private
from grader.relay import Event
from grader.users import ClientPeer, ClientUsers, RawUsers

pytestmark = pytest.mark.timeout(10)


class Recording:
    """A relay's recording, grown by hand."""

    def __init__(self):
        self.recorded = []

    def add(self, conn, kind, data=b""):
        self.recorded.append(Event(0.0, conn, kind, data))

    def events_since(self, index):
        return self.recorded[index:]


class FakeUser:
    name = "Bob"

    def __init__(self):
        self.relay = Recording()
        self.output = ""

    def mark(self):
        return Mark(len(self.relay.recorded), len(self.output))

    def seen(self, since=None):
        return self.output[since.output if since else 0:]


def peer():
    user = FakeUser()
    return user, ClientPeer(user, 1, lambda: False)


def test_a_mark_counts_the_bytes_the_server_sent_on_every_connection_in_arrival_order():
    user, bob = peer()
    user.relay.add(0, "open")
    user.relay.add(1, "open")
    user.relay.add(0, "c2s", b"Bob\n")          # what the client sent is not what Bob got
    user.relay.add(1, "s2c", b"welcome\n")
    first = bob.mark()
    user.relay.add(0, "s2c", b"Alice: hi\n")
    user.relay.add(1, "s2c", b"Carol: yo\n")
    assert first == len(b"welcome\n")
    assert bob.raw(first) == b"Alice: hi\nCarol: yo\n"
    assert bob.count("hi", first) == 1 and bob.count("welcome", first) == 0


def test_what_a_client_user_got_is_read_leniently():
    user, bob = peer()
    mark = bob.mark()
    line = json.dumps({"type": "msg", "from": "Alice", "text": "Привет T1"}) + "\n"   # \\u escapes
    user.relay.add(0, "s2c", line.encode())
    framed = "Carol: T2".encode()
    user.relay.add(0, "s2c", struct.pack(">I", len(framed)) + framed)
    assert "Alice Привет T1" in bob.text(mark)
    assert bob.count("T1", mark) == 1


def test_what_the_client_printed_is_read_from_the_output_mark_taken_with_the_wire_mark():
    user, bob = peer()
    user.output = "old line\n"
    mark = bob.mark()
    user.output += "Alice: T3\n"
    assert bob.seen(mark) == "Alice: T3\n"


def users_for(client_prefixes=(), server_prefixes=(), private_format="@{to} {text}"):
    """Client users as learn_dialect leaves them: the private forms to type set from the code's prefixes."""
    typed = typed_private(tuple(client_prefixes) + tuple(server_prefixes), private_format)
    return ClientUsers(SimpleNamespace(dialect=Dialect(private_format=private_format, private_typed=typed)))


@pytest.mark.parametrize("client, server, ways", [
    (("/to",), (), ["/to Bob hi", "@Bob hi"]),
    (("PM ",), ("PM",), ["PM Bob hi", "@Bob hi"]),
    (("@",), ("/w ",), ["@Bob hi", "/w Bob hi"]),
    ((), (), ["@Bob hi"]),
    (("/msg",), (), ["/msg Bob hi", "/pm Bob hi"]),
    (("{x}",), (), ["{x}Bob hi", "@Bob hi"]),   # a brace in the code's prefix is typed as it is
])
def test_private_ways_are_what_the_clients_code_compares_with_then_the_servers(client, server, ways):
    fmt = "/pm {to} {text}" if client == ("/msg",) else "@{to} {text}"
    assert users_for(client, server, fmt).private("Bob", "hi") == ways


def test_raw_users_speak_the_dialect_and_client_users_type_plain_text():
    dialect = Dialect(name_format="NICK {name}\n", message_format="MSG {text}\n")
    h = SimpleNamespace(dialect=dialect, sub=SimpleNamespace(client=SimpleNamespace(args=("{name}",))))
    someone = SimpleNamespace(name="Alice")
    assert RawUsers(h).words(someone, "hi") == "MSG hi\n" and RawUsers(h).hello("Alice") == "NICK Alice\n"
    assert ClientUsers(h).words(someone, "hi") == "hi"
    assert ClientUsers(h).hello("Alice") is None   # the name went on the command line

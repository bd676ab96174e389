"""chat.py's protocol, seen by raw-socket clients: joining, messages, commands, names."""

import socket
import threading

import pytest

from chat_helpers import Peer, room

pytestmark = pytest.mark.timeout(20)


def test_welcome_lists_who_is_online_and_the_others_get_a_join_notice(peers):
    alice = peers("Alice")
    assert alice.welcome == "* welcome, Alice! online: Alice"
    bob = peers("Bob")
    assert bob.welcome == "* welcome, Bob! online: Alice, Bob"
    assert alice.line() == "* Bob joined the chat"
    carol = peers("Carol")
    assert carol.welcome == "* welcome, Carol! online: Alice, Bob, Carol"
    assert alice.line() == "* Carol joined the chat"
    assert bob.line() == "* Carol joined the chat"
    assert carol.barrier() == []  # no notice about herself


def test_a_line_reaches_every_other_user_with_the_name_and_is_not_echoed(peers):
    alice, bob, carol = room(peers, "Alice", "Bob", "Carol")
    alice.send("hello everyone\n")
    assert bob.line() == "Alice: hello everyone"
    assert carol.line() == "Alice: hello everyone"
    assert alice.barrier() == []  # an echo would have arrived before the /users answer


def test_the_name_and_the_first_messages_may_come_in_one_packet(peers):
    (alice,) = room(peers, "Alice")
    dave = peers()
    dave.send("Dave\nhello from nc\n")
    assert dave.line() == "* welcome, Dave! online: Alice, Dave"
    assert alice.line() == "* Dave joined the chat"
    assert alice.line() == "Dave: hello from nc"


def test_private_message_reaches_only_the_named_user(peers):
    alice, bob, carol = room(peers, "Alice", "Bob", "Carol")
    alice.send("@bob psst, only you\n")  # names ignore case
    assert bob.line() == "Alice (private): psst, only you"
    alice.send("public again\n")
    # Alice's lines reach Carol in order: the private one would have come first.
    assert carol.line() == "Alice: public again"
    assert bob.line() == "Alice: public again"
    assert alice.barrier() == []


def test_private_message_errors_go_to_the_sender_only(peers):
    alice, bob = room(peers, "Alice", "Bob")
    alice.send("@Nobody are you there?\n")
    assert alice.line() == "* error: no user named Nobody"
    alice.send("@Bob\n")
    assert alice.line() == "* error: a private message is @NAME text"
    alice.send("marker\n")
    assert bob.line() == "Alice: marker"  # Bob got nothing from the failed attempts


def test_messages_and_commands_in_one_packet_keep_their_order(peers):
    alice, bob, carol = room(peers, "Alice", "Bob", "Carol")
    alice.send("one\n@Bob two\nthree\n/users\nfour\n")
    assert [bob.line() for _ in range(4)] == [
        "Alice: one", "Alice (private): two", "Alice: three", "Alice: four"]
    assert [carol.line() for _ in range(3)] == ["Alice: one", "Alice: three", "Alice: four"]
    assert alice.line() == "* online: Alice, Bob, Carol"
    assert alice.barrier() == []


def test_users_lists_who_is_online(peers):
    alice, bob, carol = room(peers, "Alice", "Bob", "Carol")
    alice.send("/users\n")
    assert alice.line() == "* online: Alice, Bob, Carol"
    bob.close()
    assert alice.line() == "* Bob left the chat"
    alice.send("/USERS\n")
    assert alice.line() == "* online: Alice, Carol"


def test_quit_says_bye_closes_and_the_others_get_a_leave_notice(peers):
    alice, bob, carol = room(peers, "Alice", "Bob", "Carol")
    bob.send("/quit\nnot sent: after quit\n")
    assert bob.line() == "* bye"
    assert bob.eof()
    assert alice.line() == "* Bob left the chat"
    assert carol.line() == "* Bob left the chat"
    assert alice.barrier() == []  # exactly one leave notice, and nothing after /quit


def test_closing_the_connection_leaves_and_frees_the_name(peers):
    alice, bob = room(peers, "Alice", "Bob")
    bob.close()
    assert alice.line() == "* Bob left the chat"
    bob_again = peers("BOB")
    assert bob_again.welcome == "* welcome, BOB! online: Alice, BOB"
    assert alice.line() == "* BOB joined the chat"


def test_empty_lines_are_ignored(peers):
    alice, bob = room(peers, "Alice", "Bob")
    alice.send("\n   \n\r\n\t\n\x1b\x07\nhi\n")
    assert bob.line() == "Alice: hi"
    assert alice.barrier() == []


def test_unknown_command_gets_an_error_and_is_not_relayed(peers):
    alice, bob = room(peers, "Alice", "Bob")
    alice.send("/dance now\n")
    assert alice.line() == "* error: unknown command /dance; commands: @NAME text, /users, /quit"
    alice.send("ok\n")
    assert bob.line() == "Alice: ok"


@pytest.mark.parametrize("bad, reason", [
    ("x" * 33, "a name has 1 to 32 characters"),
    ("@Bob", "a name cannot start with @ or /"),
    ("/quit", "a name cannot start with @ or /"),
    ("Bob Smith", "a name cannot contain spaces, control or invisible characters"),
    ("Bob:\tsmith", "a name cannot contain spaces, control or invisible characters"),
    ("Bo\u200bb", "a name cannot contain spaces, control or invisible characters"),
    ("Bob\u00a0Smith", "a name cannot contain spaces, control or invisible characters"),
    ("B\x1b[31mob", "a name cannot contain spaces, control or invisible characters"),
    ("Bob\x07", "a name cannot contain spaces, control or invisible characters"),
    (b"Bob\xff", "a name cannot contain spaces, control or invisible characters"),
])
def test_a_bad_name_gets_an_error_and_the_client_may_try_again(peers, bad, reason):
    newcomer = peers()
    newcomer.send(bad + (b"\n" if isinstance(bad, bytes) else "\n"))
    assert newcomer.line() == f"* error: {reason}; send another name"
    # The welcome proves the bad name was not registered.
    assert newcomer.join("Good") == "* welcome, Good! online: Good"


@pytest.mark.parametrize("name", ["B", "x" * 32, "Сергей", "Zoë_1.0", "🙂"])
def test_good_names_are_accepted(peers, name):
    assert peers(name).welcome == f"* welcome, {name}! online: {name}"


def test_a_taken_name_is_refused_ignoring_case_and_width(peers):
    alice = peers("Alice")
    newcomer = peers()
    for attempt in ["Alice", "alice", "ALICE", "Ａｌｉｃｅ"]:
        newcomer.send(attempt + "\n")
        assert newcomer.line() == f"* error: the name {attempt} is taken; send another name"
    assert newcomer.join("Alicia") == "* welcome, Alicia! online: Alice, Alicia"
    assert alice.line() == "* Alicia joined the chat"


def test_twenty_clients_racing_for_one_name_get_it_once(server):
    racers = [Peer(server.port) for _ in range(20)]
    try:
        for racer in racers:
            racer.send("Same\n")
        replies = [racer.line() for racer in racers]
        welcomed = [reply for reply in replies if reply.startswith("* welcome, Same!")]
        assert len(welcomed) == 1, replies
        assert replies.count("* error: the name Same is taken; send another name") == 19
    finally:
        for racer in racers:
            racer.close()


def test_the_welcome_is_a_new_users_first_line_even_while_others_chat(server, peers):
    """Messages relayed while someone joins must not overtake their welcome."""
    chatters = room(peers, "Ann", "Ben", "Cid")
    stop = threading.Event()

    def chat_away(chatter):
        n = 0
        while not stop.is_set():
            chatter.send(f"line {n}\n")
            n += 1

    def drain(chatter):  # read what the others say, so that nobody is dropped as a non-reader
        try:
            while chatter.sock.recv(65536):
                pass
        except OSError:
            pass

    talkers = [threading.Thread(target=chat_away, args=(c,), daemon=True) for c in chatters]
    drainers = [threading.Thread(target=drain, args=(c,), daemon=True) for c in chatters]
    for thread in talkers + drainers:
        thread.start()
    try:
        for i in range(40):
            newcomer = Peer(server.port)
            try:
                newcomer.send(f"new{i}\n")
                first = newcomer.line()
                assert first.startswith(f"* welcome, new{i}! online: Ann, Ben, Cid, "), first
            finally:
                newcomer.close()
    finally:
        stop.set()
        for thread in talkers:
            thread.join(5)
        for chatter in chatters:
            chatter.sock.shutdown(socket.SHUT_RDWR)
        for thread in drainers:
            thread.join(5)

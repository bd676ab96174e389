"""Every check judged from hand-built observations, each of its outcomes; and the runner's rules.

No sockets, no processes: a check is a function over grader.observations records, so these run in
milliseconds. The reason is asserted as a code (grader.reasons) and, where the wording matters, as
the English sentence a student reads.
"""
import dataclasses

import pytest

from grader import notices, runner
from grader.checks import BY_ID, CHECKS
from grader.messages import Msg, render
from grader.notices import RelayedForm
from grader.observations import (AfterLeave, BroadcastObs, BusyObs, CompileError, Crash, DisconnectObs, EchoObs, JoinObs,
                                 LeaveObs, MainObs, MultiObs, Observations, PrivateObs, RegistersObs, SenderObs,
                                 SilentObs, SlowObs, SourceFacts, Start, StartObs, ThreadsObs, UnicodeObs,
                                 two_user_pattern)
from grader.reasons import Reason as R
from grader.registry import Registry
from grader.transcript import Transcript
from grader.verdict import fail

pytestmark = pytest.mark.timeout(10)
DEAD = Crash(alive=False, why=Msg("down.exited", code=1))
USERS = ("Alice", "Bob", "Carol", "Dave")


def judge(check_id, *parts):
    return BY_ID[check_id].judge(*parts)


def text(verdict):
    return render(verdict.message, "en")


def test_the_checks_keep_their_ids_order_and_dependencies():
    assert [(c.id, c.depends) for c in CHECKS] == [
        ("uses_socket", ()), ("uses_threading", ()), ("transport", ()), ("server_starts", ()),
        ("registers_name", ("server_starts",)), ("broadcast", ("registers_name",)), ("multi_user", ("broadcast",)),
        ("sender_name", ("broadcast",)), ("no_echo", ("broadcast",)), ("join_notice", ("registers_name",)),
        ("leave_notice", ("registers_name",)), ("survives_disconnect", ("broadcast",)),
        ("private_message", ("broadcast",)), ("no_busy_loop", ("registers_name",)), ("silent_client", ("broadcast",)),
        ("unicode", ("broadcast",)), ("slow_reader", ("broadcast",))]
    assert all(c.title_key == f"title.{c.id}" for c in CHECKS)


# -- what the code says -------------------------------------------------------------------------

def test_uses_socket():
    assert judge("uses_socket", SourceFacts(imports_socket=True)).status == "pass"
    v = judge("uses_socket", SourceFacts(imports_socket=False))
    assert (v.status, v.reason) == ("fail", R.SOCKET_MISSING)


UNSEEN = ThreadsObs()   # the server did not run as far as four users: the code decides


@pytest.mark.parametrize("facts, transport, seen, status, reason", [
    # the server ran: more threads with four users than with nobody is threads, whatever the code looks like
    (SourceFacts(server_threads=False), "tcp", ThreadsObs(1, 5), "pass", None),
    (SourceFacts(server_threads=True), "tcp", ThreadsObs(2, 6), "pass", None),
    (SourceFacts(server_threads=False), "udp", ThreadsObs(2, 2), "pass", None),   # UDP: a thread of its own
    (SourceFacts(server_threads=False, client_threads=True), "udp", ThreadsObs(1, 1), "pass", R.THREADS_UDP_CLIENT),
    (SourceFacts(server_threads=True, server_select=True), "tcp", ThreadsObs(2, 2), "fail", R.THREADS_NOT_PER_CLIENT),
    # a pool started before anyone came: as many threads with users as without, each user with a worker
    (SourceFacts(server_threads=True), "tcp", ThreadsObs(7, 7, served_apart=4), "pass", None),
    (SourceFacts(server_threads=True), "tcp", ThreadsObs(3, 3, served_apart=2), "fail", R.THREADS_NOT_PER_CLIENT),
    (SourceFacts(server_threads=True, server_select=True), "tcp", ThreadsObs(2, 2, served_apart=0), "fail",
     R.THREADS_NOT_PER_CLIENT),   # select, and a console thread
    (SourceFacts(server_threads=True), "tcp", ThreadsObs(2, 2, served_apart=1, users=1), "fail",
     R.THREADS_NOT_PER_CLIENT),   # one user in, one thread for them, proves nothing
    (SourceFacts(server_threads=False, client_threads=True), "tcp", ThreadsObs(1, 1), "fail", R.THREADS_CLIENT_ONLY),
    (SourceFacts(server_threads=False, server_select=True), "tcp", ThreadsObs(1, 1), "fail", R.THREADS_SELECT),
    (SourceFacts(server_threads=False), "tcp", ThreadsObs(1, 1), "fail", R.THREADS_NONE),   # a forked server
    (SourceFacts(server_threads=False), "udp", ThreadsObs(1, 1), "fail", R.THREADS_NONE),
    # it did not: the code's facts
    (SourceFacts(server_threads=True), "tcp", UNSEEN, "pass", None),
    (SourceFacts(server_threads=True), "tcp", ThreadsObs(1, None), "pass", None),
    (SourceFacts(server_threads=False, client_threads=True), "udp", UNSEEN, "pass", R.THREADS_UDP_CLIENT),
    (SourceFacts(server_threads=False, client_threads=True), "tcp", UNSEEN, "fail", R.THREADS_CLIENT_ONLY),
    (SourceFacts(server_threads=False, server_select=True), "tcp", ThreadsObs(None, 5), "fail", R.THREADS_SELECT),
    (SourceFacts(server_threads=False), "udp", UNSEEN, "fail", R.THREADS_NONE),
])
def test_uses_threading(facts, transport, seen, status, reason):
    v = judge("uses_threading", facts, transport, seen)
    assert (v.status, v.reason) == (status, reason)


def test_uses_threading_names_the_counts_when_code_threads_serve_no_client():
    v = judge("uses_threading", SourceFacts(server_threads=True), "tcp", ThreadsObs(3, 3))
    assert text(v) == ("the server's code starts threads, but they do not serve each client in a thread of its "
                       "own: the server ran 3 thread(s) with nobody connected and still 3 with four users")
    v = judge("uses_threading", SourceFacts(server_threads=True), "tcp", ThreadsObs(3, 3, served_apart=2))
    assert text(v).endswith("still 3 with four users, and 2 of the 4 users had a thread of it waiting for what "
                            "they send")


def test_the_thread_counts_come_from_the_busy_and_main_scenarios():
    assert Observations().threads == UNSEEN and not UNSEEN.counted
    obs = Observations(main=MainObs(multi=MultiObs(USERS, threads=5)), busy=BusyObs(0.0, 0.0, threads_before=1))
    assert obs.threads == ThreadsObs(1, 5, users=len(USERS)) and obs.threads.counted
    assert runner.judge(obs)["uses_threading"].status == "pass"
    pool = Observations(main=MainObs(multi=MultiObs(USERS, threads=7, served_apart=len(USERS))),
                        busy=BusyObs(0.0, 0.0, threads_before=7))
    assert pool.threads == ThreadsObs(7, 7, len(USERS), len(USERS))
    assert runner.judge(pool)["uses_threading"].status == "pass"


def test_transport():
    assert (judge("transport", "tcp", 0.8).status, text(judge("transport", "tcp", 0.8))) == ("pass", "TCP")
    v = judge("transport", "udp", 0.75)
    assert (v.status, text(v)) == ("partial", "UDP: the score is multiplied by 0.75")


# -- start and name -----------------------------------------------------------------------------

def test_server_starts_when_it_does_not_compile():
    plain = StartObs(Start.NO_COMPILE, compile=CompileError("SyntaxError: bad"))
    assert text(judge("server_starts", plain)) == "the server does not compile: SyntaxError: bad"
    origin = Msg("report.origin.server", name="r.md", where=Msg("report.where.line", number=3))
    at_line = StartObs(Start.NO_COMPILE, compile=CompileError("SyntaxError: bad", origin, 7))
    assert "the error is on line 7 of the report" in text(judge("server_starts", at_line))
    no_line = StartObs(Start.NO_COMPILE, compile=CompileError("bad", origin))
    assert text(judge("server_starts", no_line)) == \
        "the server does not compile (r.md, the server's code block at line 3): bad"
    newer = StartObs(Start.NO_COMPILE, compile=CompileError("SyntaxError: x", newer=Msg("syntax.match"), python="3.9",
                                                            needed="3.10"))
    v = judge("server_starts", newer)
    assert v.status == "fail" and v.reason is R.NO_COMPILE
    assert text(v).endswith("(a `match` statement needs Python 3.10 or newer; the grader ran 3.9: "
                            "give one with --python PATH)")


def test_server_starts_other_outcomes():
    down = judge("server_starts", StartObs(Start.DOWN, down=Msg("down.stuck")))
    assert (down.status, down.reason) == ("fail", "down.stuck")
    clean = Crash(alive=False, why=Msg("down.exited0"), clean_exit=True)
    assert judge("server_starts", StartObs(Start.ENDED, crash=clean)).reason == "down.exited0"
    stopped = judge("server_starts", StartObs(Start.ENDED, crash=DEAD))
    assert stopped.reason is R.STARTS_STOPPED
    assert text(stopped) == "the server stopped right after starting: the server exited with status 1"
    refused = judge("server_starts", StartObs(Start.REFUSED, error="Connection refused"))
    assert text(refused) == "could not connect to the server: Connection refused"
    started = judge("server_starts", StartObs(Start.STARTED, transport="udp"))
    assert (started.status, text(started)) == ("pass", "listening (UDP)")


def test_registers_name():
    assert judge("registers_name", RegistersObs(False)).status == "pass"
    v = judge("registers_name", RegistersObs(True))
    assert (v.status, text(v)) == ("fail", "the server closed Alice's connection after she sent her name")
    assert text(judge("registers_name", RegistersObs(True, DEAD))).endswith("her name; the server exited with status 1")


# -- the main conversation ----------------------------------------------------------------------

def test_broadcast():
    assert judge("broadcast", BroadcastObs(True)).status == "pass"
    assert judge("broadcast", BroadcastObs(False, console=True)).reason is R.CONSOLE_OK
    v = judge("broadcast", BroadcastObs(False, DEAD, 3.0))
    assert v.status == "fail"
    assert text(v) == "Alice's message did not reach Bob within 3 s; the server exited with status 1"


def test_multi_user():
    assert judge("multi_user", MultiObs(USERS)).status == "pass"
    assert judge("multi_user", MultiObs(console=True)).reason is R.CONSOLE_TWO_USER
    dupes = judge("multi_user", MultiObs(USERS, dupes=(("Alice", "Bob"),)))
    assert dupes.status == "partial"
    assert text(dupes) == "every message reached all others, but Bob got Alice's message twice"
    later = (("Alice", "Carol"), ("Alice", "Dave"), ("Bob", "Carol"), ("Bob", "Dave"), ("Carol", "Alice"),
             ("Carol", "Bob"), ("Carol", "Dave"), ("Dave", "Alice"), ("Dave", "Bob"), ("Dave", "Carol"))
    assert judge("multi_user", MultiObs(USERS, later)).reason is R.MULTI_TWO_USER
    lost = tuple((s, r) for s in USERS for r in USERS if s != r)
    v = judge("multi_user", MultiObs(USERS, lost))
    assert v.status == "fail" and v.reasons == [R.MULTI_MISSED] * 4
    crashed = judge("multi_user", MultiObs(USERS, (("Alice", "Bob"),), crash=DEAD))
    assert text(crashed) == "Alice's message did not reach Bob; the server exited with status 1"


def test_two_user_pattern_needs_every_later_user_to_lose_something():
    assert two_user_pattern(USERS, (("Alice", "Carol"), ("Dave", "Bob")))
    assert not two_user_pattern(USERS, (("Alice", "Carol"),))           # Dave lost nothing
    assert not two_user_pattern(USERS, (("Alice", "Bob"), ("Carol", "Dave")))  # the first two lost too
    assert not two_user_pattern(USERS, ())


def test_sender_name():
    named = SenderObs("Bob", True, "Alice: who T1", "Alice: hi T0", False)
    assert (judge("sender_name", named).status, judge("sender_name", named).reason) == ("pass", R.SENDER_OK)
    by_client = SenderObs("Bob", True, "who T1", "Alice: hi T0", True)
    v = judge("sender_name", by_client)
    assert (v.status, v.reason, v.values["reader"]) == ("partial", R.SENDER_CLIENT, "Bob")
    assert judge("sender_name", SenderObs("Bob", True, "who T1", "hi T0", True)).reason is R.SENDER_NONE
    missed = judge("sender_name", SenderObs(Msg("console"), False, "", "Alice: hi T0", False))
    assert text(missed) == ("the server's console got Alice's message without her name: receivers cannot tell "
                            "who wrote it")


def test_no_echo():
    assert judge("no_echo", EchoObs()).status == "pass"
    one = judge("no_echo", EchoObs(("Alice",), ("Alice",)))
    assert (one.status, text(one)) == ("fail", "Alice got their own message back")
    many = judge("no_echo", EchoObs(("Alice",), ("Bob", "Alice"), (("Carol", "Dave"),)))
    assert many.reasons == [R.ECHO_MANY, R.MULTI_DUPE]
    assert text(many) == "Alice and Bob got their own message back; Dave got Carol's message twice"


TOLD = (("Bob", "Alice", "* Bob joined"), ("Carol", "Alice", "* Carol joined"), ("Carol", "Bob", "* Carol joined"))
COLON = RelayedForm.seen("Alice: hello T1\n", "Alice", "hello T1")


def test_join_notice():
    assert judge("join_notice", JoinObs(TOLD)).status == "pass"
    nobody = judge("join_notice", JoinObs(tuple((n, w, "") for n, w, _ in TOLD)))
    assert text(nobody) == "when Bob and Carol joined, nobody already in the chat got a notice naming them"
    some = judge("join_notice", JoinObs((TOLD[0], ("Carol", "Alice", ""), ("Carol", "Bob", ""))))
    assert (some.status, text(some)) == ("partial", "when Carol joined, Alice and Bob were not told")
    one = judge("join_notice", JoinObs((("Bob", "Alice", ""), *TOLD[1:])))
    assert one.reasons == [R.JOIN_MISSED_ONE]
    two = JoinObs((TOLD[0], ("Carol", "Alice", ""), ("Carol", "Bob", "")), two_user=True)
    assert judge("join_notice", two).status == "pass"   # in a chat for two only Bob's arrival counts
    assert judge("join_notice", JoinObs(console_told=True)).status == "pass"
    assert judge("join_notice", JoinObs(console_told=False)).reason is R.CONSOLE_NO_JOIN


def test_a_typed_name_relayed_as_a_chat_line_is_no_join_notice():
    typed = (("Bob", "Bob"), ("Carol", "Carol"))
    relayed = (("Bob", "Alice", "Bob: Bob\n"), ("Carol", "Alice", "Carol: Carol\n"), ("Carol", "Bob", "Carol: Carol\n"))
    nobody = judge("join_notice", JoinObs(relayed, typed, COLON))
    assert (nobody.status, text(nobody)) == ("fail", "when Bob and Carol joined, nobody already in the chat got a "
                                             "notice naming them (the only line naming Bob was 'Bob: Bob': a chat "
                                             "message relayed under that name, which is not a notice)")
    # without the form (the first broadcast failed) any mention is a notice, as before
    assert judge("join_notice", JoinObs(relayed, typed)).status == "pass"
    # a notice after the relayed name counts; so does one in the chat-message shape of another sender
    after = (("Bob", "Alice", "Bob: Bob\n* Bob joined\n"), ("Carol", "Alice", "Server: Carol joined"),
             ("Carol", "Bob", "[Carol joined]"))
    assert judge("join_notice", JoinObs(after, typed, COLON)).status == "pass"
    # the server's own line in the shape of a chat message (its words typed by nobody) is a notice
    shaped = (("Bob", "Alice", "Bob: is amongst you now"), ("Carol", "Alice", "Carol: is amongst you now"),
              ("Carol", "Bob", "Carol: is amongst you now"))
    assert judge("join_notice", JoinObs(shaped, typed, COLON)).status == "pass"
    part = judge("join_notice", JoinObs((*after[:2], relayed[2]), typed, COLON))
    assert (part.status, text(part)) == ("partial", "when Carol joined, Bob was not told")


def test_leave_notice():
    def leave(*seen, goodbye="", adds=False, windows=False):
        return judge("leave_notice", LeaveObs("Dave", goodbye, seen, adds, windows))
    assert leave(("Alice", "* Dave left"), ("Bob", "Dave left")).status == "pass"
    some = leave(("Alice", "* Dave left"), ("Bob", ""), ("Carol", ""))
    assert some.status == "partial"
    assert text(some) == "when Dave left (closed the connection), Bob and Carol were not told"
    assert leave(("Alice", "* Dave left"), ("Bob", "")).reason is R.LEAVE_SOME_ONE
    farewell = leave(("Alice", "Dave: *Dave left*"), goodbye="*Dave left*", adds=True)
    assert (farewell.status, farewell.reason) == ("partial", R.LEAVE_FAREWELL)
    # the relayed goodbye explains both names; a third one is a notice
    assert leave(("Alice", "Dave: *Dave left*\n* Dave left"), goodbye="*Dave left*", adds=True).status == "pass"
    none = leave(("Alice", ""), goodbye="/quit")
    assert none.status == "fail"
    assert text(none) == "when Dave left (sent '/quit' and closed the connection), Alice was not told"
    windows = leave(("Alice", ""), ("Bob", ""), windows=True)
    assert windows.reason is R.LEAVE_NONE_MANY and "ConnectionResetError" in text(windows)


def _left(*seen, goodbye="", form=COLON):
    return judge("leave_notice", LeaveObs("Dave", goodbye, seen, server_adds_name=True, form=form))


def test_an_empty_chat_line_relayed_after_a_close_is_no_leave_notice():
    empty = _left(("Alice", "Dave: "), ("Bob", "Dave: "))
    assert (empty.status, empty.reason) == ("fail", R.LEAVE_NONE_MANY)
    assert text(empty) == ("when Dave left (closed the connection), Alice and Bob were not told (the only line "
                           "naming Dave was 'Dave: ': a chat message relayed under that name, which is not a notice)")
    assert _left(("Alice", "Dave: "), form=None).status == "pass"   # without the form: the rule of before
    # a notice glued to the relayed empty line (raw recv() framing, no newlines) is still a notice
    assert _left(("Alice", "Dave: *** Dave left ***")).status == "pass"
    assert _left(("Alice", "Dave: \n* Dave left"), ("Bob", "Dave: ")).reason is R.LEAVE_SOME_ONE
    # the relayed leave command is no notice either, with or without the form
    assert _left(("Alice", "Dave: /quit\n"), goodbye="/quit").reason is R.LEAVE_NONE_ONE
    assert _left(("Alice", "Dave: /quit\n"), goodbye="/quit", form=None).reason is R.LEAVE_NONE_ONE
    assert _left(("Alice", "Dave: /quitDave has left"), goodbye="/quit").status == "pass"
    # a flood of empty lines, one line or many, is none either
    assert _left(("Alice", "Dave: " * 5000), ("Bob", "Dave: \n" * 5000)).reason is R.LEAVE_NONE_MANY
    # a line in the shape of a chat message with words Dave never sent can only be the server's: a notice
    assert _left(("Alice", "Dave: has left the chat\n")).status == "pass"
    # the farewell rule stays: a relayed farewell naming him is "partial", also inside the form
    farewell = _left(("Alice", "Dave: *Dave left*"), goodbye="*Dave left*")
    assert (farewell.status, farewell.reason) == ("partial", R.LEAVE_FAREWELL)


def test_the_relayed_form_of_a_chat_message():
    def relayed(line, sent="hello T1"):
        return RelayedForm.seen(f"{line}\n", "Alice", sent)
    cases = [  # (the line Bob got for Alice's message, a relayed empty line of Dave, a notice naming Dave)
        ("Alice: hello T1", "Dave:", "Dave left"),
        ("[Alice]: hello T1", "[Dave]: ", "[Server]: Dave left"),
        ("[12:03:04] <Alice> hello T1", "[12:04:59] <Dave> ", "[12:04:59] <Dave> left the chat"),
        ('{"from": "Alice", "text": "hello T1"}', '{"from": "Dave", "text": ""}', '{"type": "left", "user": "Dave"}'),
        ("MSG Alice: hello T1 (from Alice)", "MSG Dave:  (from Dave)", "LEFT Dave"),
    ]
    for line, chat, notice in cases:
        form = relayed(line)
        assert notices.mentions(chat, "Dave", (), form).notices == (), (line, chat)
        assert notices.mentions(notice, "Dave", (), form).notices == (notice,), (line, notice)
        assert notices.mentions(f"{chat}\n{notice}\n", "Dave", (), form) == notices.Mentions((notice,), (chat,))
    # a form that reads as prose (name, space, text) is judged the same way
    prose = relayed("Alice hello T1")
    assert notices.mentions("Dave left the chat", "Dave", (), prose).notices
    assert notices.mentions("Dave \nDave /quit", "Dave", ("/quit",), prose).notices == ()
    # a server that names nobody: the typed name relayed as it is
    bare = relayed("hello T1")
    assert notices.mentions("Carol\n", "Carol", ("Carol",), bare).notices == ()
    assert notices.mentions("Carol joined\n", "Carol", ("Carol",), bare).notices
    # an address as the sender: its digits are any digits
    address = relayed("('127.0.0.1', 40512): Carol", sent="Carol")
    assert notices.joined("('127.0.0.1', 40999): Carol", "Carol", "Carol", address) is False
    assert relayed("Bob got nothing", sent="hello T9") is None


def test_private_message():
    def private(**kw):
        return judge("private_message", PrivateObs("@Bob text", **kw))
    assert private(console=True).reason is R.CONSOLE_NO_PRIVATE
    assert private(untestable=True).reason is R.PRIVATE_UNTESTABLE
    assert text(private(found=False)) == ("a private message '@Bob text' did not reach Bob (the server's code has no "
                                         "private-message syntax)")
    assert text(private(found=True, crash=DEAD)) == ("a private message '@Bob text' did not reach Bob; the server "
                                                    "exited with status 1")
    assert private(reached=True, carol_saw=True).reason is R.PRIVATE_NONE
    assert private(reached=True, carol_saw=True, found=True).reason is R.PRIVATE_LEAK
    assert private(reached=True, carol_saw_after=True).reason is R.PRIVATE_LEAK
    v = private(reached=True, found=True)
    assert (v.status, text(v)) == ("pass", "'@Bob text'")


def test_unicode():
    sent = "Привет, мир! 👋 T1"
    assert judge("unicode", UnicodeObs("Bob", sent, "T1", True, "Alice: " + sent + "\n")).status == "pass"
    missed = judge("unicode", UnicodeObs("Bob", sent, "T1", False, "", DEAD))
    assert missed.reason is R.UNICODE_MISSED
    assert text(missed).endswith("did not reach Bob; the server exited with status 1")
    # the typed line never left the student's client (its sending thread died on .encode("ascii"))
    unsent = judge("unicode", UnicodeObs("Bob", sent, "T1", False, "", not_sent="UnicodeEncodeError: 'ascii' codec"))
    assert unsent.reason is R.UNICODE_NOT_SENT
    assert text(unsent).endswith("typed into it (UnicodeEncodeError: 'ascii' codec)")
    assert text(judge("unicode", UnicodeObs("Bob", sent, "T1", False, "", not_sent=""))).endswith("typed into it")
    broken = judge("unicode", UnicodeObs("Bob", sent, "T1", True, "x" * 100 + "??????, ???! ? T1\nmore"))
    assert broken.reason is R.UNICODE_BROKEN
    assert broken.values["got"] == repr(("x" * 100 + "??????, ???! ? T1")[-60:])


# -- checks with a server of their own ----------------------------------------------------------

def test_survives_disconnect_passes_when_everyone_who_stayed_still_chats():
    assert judge("survives_disconnect", DisconnectObs()).status == "pass"


def test_survives_disconnect_fails_when_a_plain_close_cuts_off_the_users_after_the_leaver():
    close = AfterLeave("Bob", lost=(("Alice", ("Carol", "Dave")), ("Carol", ("Dave",))))
    v = judge("survives_disconnect", DisconnectObs(close=close, reset=None))
    assert (v.status, v.reasons) == ("fail", [R.SURVIVE_AFTER_CLOSE])
    assert text(v) == ("after Bob closed the connection (no leave command): Alice's message did not reach Carol and "
                       "Dave; Carol's message did not reach Dave")
    assert render(v.message, "ru") == ("после закрытия соединения Bob (без команды выхода): сообщение Alice не дошло "
                                       "до Carol и Dave; сообщение Carol не дошло до Dave")


def test_survives_disconnect_fails_when_the_server_dies_after_a_plain_close():
    died = judge("survives_disconnect", DisconnectObs(DEAD, close=AfterLeave("Bob", crash=DEAD), reset=None))
    assert (died.status, text(died)) == ("fail", "the server exited with status 1")
    both = AfterLeave("Bob", lost=(("Dave", ("Carol",)),), crash=DEAD)
    v = judge("survives_disconnect", DisconnectObs(DEAD, close=both, reset=None))
    assert (v.status, v.reasons) == ("fail", [R.SURVIVE_AFTER_CLOSE, "down.exited"])
    # the newcomer's message killed it: still a fail, after the close
    killed = AfterLeave("Bob", newcomer="Erin", joined=True, newcomer_lost=(("Erin", ("Alice", "Dave")),), crash=DEAD)
    v = judge("survives_disconnect", DisconnectObs(DEAD, close=killed, reset=None))
    assert (v.status, text(v)) == ("fail", "after Bob closed the connection (no leave command): the newcomer Erin "
                                           "joined, but Erin's message did not reach Alice and Dave; the server "
                                           "exited with status 1")


def test_survives_disconnect_is_partial_when_only_a_newcomer_fails_after_the_close():
    refused = judge("survives_disconnect", DisconnectObs(close=AfterLeave("Bob", newcomer="Erin", joined=False)))
    assert (refused.status, text(refused)) == (
        "partial", "after Bob closed the connection (no leave command): the newcomer Erin could not join")
    deaf = AfterLeave("Bob", newcomer="Erin", joined=True,
                      newcomer_lost=(("Erin", ("Dave",)), ("Alice", ("Erin", "Dave"))))
    v = judge("survives_disconnect", DisconnectObs(close=deaf))
    assert (v.status, text(v)) == ("partial", "after Bob closed the connection (no leave command): the newcomer "
                                              "Erin joined, but Erin's message did not reach Dave; Alice's message "
                                              "did not reach Erin and Dave")


def test_survives_disconnect_is_partial_when_the_chat_breaks_only_after_the_reset():
    reset = AfterLeave("Carol", lost=(("Alice", ("Dave",)), ("Dave", ("Alice",))), newcomer="Frank", joined=False)
    v = judge("survives_disconnect", DisconnectObs(reset=reset))
    assert (v.status, v.reasons) == ("partial", [R.SURVIVE_AFTER_RESET])
    assert text(v) == ("after Carol's connection was reset: Alice's message did not reach Dave; Dave's message did "
                       "not reach Alice; the newcomer Frank could not join")
    assert render(v.message, "ru") == ("после сброса соединения Carol: сообщение Alice не дошло до Dave; сообщение "
                                       "Dave не дошло до Alice; новому пользователю Frank не удалось войти")
    deaf = AfterLeave("Carol", newcomer="Frank", joined=True, newcomer_lost=(("Frank", ("Dave",)),))
    assert text(judge("survives_disconnect", DisconnectObs(reset=deaf))) == (
        "after Carol's connection was reset: the newcomer Frank joined, but Frank's message did not reach Dave")


def test_survives_disconnect_is_partial_when_the_server_dies_after_the_reset():
    crashed = judge("survives_disconnect", DisconnectObs(DEAD, reset=AfterLeave("Carol", crash=DEAD)))
    assert (crashed.status, crashed.reasons) == ("partial", ["down.exited"])
    several = judge("survives_disconnect", DisconnectObs(
        DEAD, close=AfterLeave("Bob", newcomer="Erin", joined=False),
        reset=AfterLeave("Carol", lost=(("Alice", ("Dave",)),), crash=DEAD)))
    assert several.reasons == [R.SURVIVE_AFTER_CLOSE, R.SURVIVE_AFTER_RESET, "down.exited"]
    assert text(several).endswith("the newcomer Erin could not join; after Carol's connection was reset: Alice's "
                                  "message did not reach Dave; the server exited with status 1")


def test_survives_disconnect_in_a_chat_for_two():
    two = dict(two_user=True)
    assert judge("survives_disconnect", DisconnectObs(**two, after_close=False)).reason is R.SURVIVE_TWO_CLOSE
    assert judge("survives_disconnect", DisconnectObs(**two, after_reset=False)).reason is R.SURVIVE_TWO_RESET
    dead = judge("survives_disconnect", DisconnectObs(DEAD, **two))
    assert (dead.status, dead.reason) == ("partial", R.SURVIVE_TWO_RESET)
    v = judge("survives_disconnect", DisconnectObs(**two))
    assert (v.status, v.reason) == ("pass", R.SURVIVE_TWO_OK)


def test_no_busy_loop():
    assert text(judge("no_busy_loop", BusyObs(0.02, 0.1, before=0.04))) == \
        "busy 4% of the time before anyone joined, 2% while idle, 10% after disconnects"
    before = judge("no_busy_loop", BusyObs(0.0, 0.0, before=1.0))
    assert (before.status, before.reason, before.values["share"]) == ("fail", R.BUSY_BEFORE, "100%")
    assert text(before).startswith("busy 100% of the time before anyone joined: ")
    assert judge("no_busy_loop", BusyObs(0.9, 0.9, before=0.6)).reason is R.BUSY_BEFORE   # the first window named
    idle = judge("no_busy_loop", BusyObs(0.5, 0.9))
    assert (idle.status, idle.reason, idle.values["share"]) == ("fail", R.BUSY_IDLE, "50%")
    after = judge("no_busy_loop", BusyObs(0.1, 0.97, 0.8))
    assert (after.reason, after.values) == (R.BUSY_AFTER, {"share": "97%", "seconds": "0.8"})


def test_silent_client():
    assert judge("silent_client", SilentObs(udp=True)).reason is R.SILENT_UDP
    assert judge("silent_client", SilentObs()).status == "pass"
    v = judge("silent_client", SilentObs(reached=False, crash=DEAD))
    assert v.reason is R.SILENT_BLOCKED and text(v).endswith("; the server exited with status 1")


def test_slow_reader():
    assert (judge("slow_reader", SlowObs(udp=True)).status, judge("slow_reader", SlowObs(udp=True)).reason) == \
        ("skip", R.SLOW_UDP)
    assert judge("slow_reader", SlowObs(sender_stalled=True)).reason is R.SLOW_SENDER
    assert judge("slow_reader", SlowObs(reached=False)).reason is R.SLOW_RECEIVER
    assert judge("slow_reader", SlowObs()).status == "pass"


# -- the runner ---------------------------------------------------------------------------------

def everything_seen(**main) -> Observations:
    """A grading in which every scenario saw a working chat."""
    told = TOLD
    seen = dict(start=StartObs(Start.STARTED), registers=RegistersObs(False), broadcast=BroadcastObs(True),
                sender=SenderObs("Bob", True, "Alice: x T1", "Alice: x T0", False),
                unicode=UnicodeObs("Bob", "ü T2", "T2", True, "ü T2"), join=JoinObs(told),
                private=PrivateObs("@Bob text", True, reached=True), multi=MultiObs(USERS), echo=EchoObs(),
                leave=LeaveObs("Dave", "", (("Alice", "* Dave left"),)))
    seen.update(main)
    return Observations(main=MainObs(**seen), disconnect=DisconnectObs(), busy=BusyObs(0.0, 0.0),
                        silent=SilentObs(), slow=SlowObs())


def test_a_working_chat_passes_every_check():
    assert {cid: v.status for cid, v in runner.judge(everything_seen()).items()} == {c.id: "pass" for c in CHECKS}


def test_a_dependent_check_is_skipped_naming_the_failed_one():
    verdicts = runner.judge(everything_seen(broadcast=BroadcastObs(False)))
    assert verdicts["broadcast"].status == "fail"
    for cid in ("multi_user", "sender_name", "no_echo", "private_message", "unicode", "survives_disconnect",
                "silent_client", "slow_reader"):
        assert verdicts[cid].status == "skip"
        assert render(verdicts[cid].message) == "skipped: a message reaches another user failed"
    assert verdicts["join_notice"].status == verdicts["leave_notice"].status == "pass"
    cascade = runner.judge(everything_seen(start=StartObs(Start.DOWN, down=Msg("down.stuck"))))
    assert render(cascade["registers_name"].message) == "skipped: the server starts and accepts a client failed"
    assert render(cascade["broadcast"].message) == "skipped: a user can join with a name failed"


def test_code_that_does_not_compile_skips_the_static_checks():
    obs = Observations(main=MainObs(start=StartObs(Start.NO_COMPILE, compile=CompileError("SyntaxError: x"))))
    verdicts = runner.judge(obs)
    for cid in ("uses_socket", "uses_threading"):
        assert (verdicts[cid].status, verdicts[cid].reason) == ("skip", R.SKIPPED_NO_COMPILE)
    assert verdicts["transport"].status == "pass" and verdicts["server_starts"].reason is R.NO_COMPILE
    assert all(verdicts[c.id].status == "skip" for c in CHECKS[4:])


def test_an_unseen_part_gets_the_scenario_end_or_no_verdict():
    obs = everything_seen(leave=None, unicode=None)
    obs.fallback["main"] = fail(R.OUT_OF_TIME)
    obs.busy = None
    verdicts = runner.judge(obs)
    assert (verdicts["leave_notice"].status, verdicts["unicode"].reason) == ("fail", R.OUT_OF_TIME)
    assert verdicts["leave_notice"] is not verdicts["unicode"]
    assert (verdicts["no_busy_loop"].status, verdicts["no_busy_loop"].reason) == ("error", R.NO_VERDICT)


def test_a_check_that_raises_is_an_error_of_that_check_only():
    checks = Registry()

    @checks.check("first", reads=("transport",))
    def first(transport):
        raise KeyError("oops")

    @checks.check("second", after=("first",), reads=("transport",))
    def second(transport):
        return fail(R.SOCKET_MISSING)

    @checks.check("third", reads=("transport",))
    def third(transport):
        return fail(R.SOCKET_MISSING)

    verdicts = runner.judge(Observations(), checks)
    assert (verdicts["first"].status, render(verdicts["first"].message)) == ("error", "grader error: KeyError: 'oops'")
    assert verdicts["second"].status == "skip" and verdicts["third"].status == "fail"


def test_declaring_a_check_twice_or_before_its_dependency_is_refused():
    checks = Registry()
    checks.check("a")(lambda: None)
    with pytest.raises(ValueError):
        checks.check("a")(lambda: None)
    with pytest.raises(ValueError):
        checks.check("b", after=("c",))(lambda: None)


def test_a_lost_point_carries_the_transcript_of_its_parts():
    obs = everything_seen(multi=MultiObs(USERS, (("Alice", "Bob"),)), echo=EchoObs(("Alice",)))
    log = Transcript()
    log.add("broadcast", "sent", "Alice", "hello T0")
    log.add("multi_user", "sent", "Alice", "multi T1")
    log.add("multi_user", "note", "", Msg(R.TRANSCRIPT_CLOSED, user="Dave"))
    log.add("sender_name", "got", "Bob", "Alice: who T2")
    obs.transcripts["main"] = log
    verdicts = runner.judge(obs)
    assert [e["text"] for e in verdicts["multi_user"].transcript][:1] == ["multi T1"]
    assert [e["event"] for e in verdicts["no_echo"].transcript] == ["sent", "sent", "note"]  # broadcast + multi_user
    assert verdicts["no_echo"].transcript[0]["t"] == 0.0
    assert verdicts["sender_name"].transcript == []   # passed: no transcript


def test_a_transcript_is_bounded_keeping_its_start_and_its_end():
    from grader.transcript import CHECK_CHARS, CHECK_EVENTS, TEXT_CHARS, bound, rendered, shorten
    long = "A" * 1000 + "Z" * 1000
    assert len(shorten(long)) <= TEXT_CHARS and shorten(long).startswith("A") and shorten(long).endswith("Z")
    events = [{"t": i / 10, "user": "Bob", "event": "got", "text": f"{i:03} " + "x" * 200} for i in range(200)]
    kept = bound(events)
    notes = [e for e in kept if e["event"] == "note"]
    assert len(kept) <= CHECK_EVENTS and len(notes) == 1
    assert kept[0] is events[0] and kept[-1] is events[-1]
    assert sum(len(e["text"]) for e in kept if e["event"] != "note") <= CHECK_CHARS
    assert rendered(notes, "en")[0]["text"] == f"… {200 - len(kept) + 1} events left out …"
    assert [e["t"] for e in kept] == sorted(e["t"] for e in kept)
    assert bound(events[:3]) == events[:3]


def test_the_json_of_a_check_shows_a_transcript_unless_it_passed():
    from grader.grade import CheckResult
    event = {"t": 0.0, "user": "Alice", "event": "sent", "text": "hi"}
    passed = CheckResult("broadcast", "t", "pass", 10, 10, "", [event]).as_json()
    failed = CheckResult("broadcast", "t", "fail", 0, 10, "why", [event]).as_json()
    assert set(passed) == {"id", "title", "status", "points", "max_points", "message"}
    assert failed["transcript"] == [event] and set(failed) - set(passed) == {"transcript"}


def test_every_lost_point_has_evidence_even_without_a_transcript_of_its_own():
    obs = everything_seen(multi=MultiObs(USERS, (("Alice", "Bob"),)), echo=EchoObs(("Alice",)))
    log = Transcript()
    log.add("broadcast", "sent", "Alice", "hello T0")
    obs.transcripts["main"] = log
    obs.source = dataclasses.replace(obs.source, server_threads=False, client_threads=False, server_select=False)
    verdicts = runner.judge(obs)
    # multi_user's own part was not recorded: what the scenario saw is shown instead.
    assert [e["text"] for e in verdicts["multi_user"].transcript] == ["hello T0"]
    # Read from the code: the reason is the evidence.
    assert [(e["event"], e["text"]) for e in verdicts["uses_threading"].transcript] == [
        ("note", verdicts["uses_threading"].message)]
    assert all(verdicts[c.id].transcript for c in CHECKS if verdicts[c.id].status in ("fail", "partial"))

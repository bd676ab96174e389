"""The reasons a verdict can give, as codes: each member's value is its key in grader/messages.py.

A check returns a Reason plus the values its sentence needs; the report renders it in the language
asked for. tests/test_grader_messages.py holds every member to both catalogs. Reason is a str enum,
so a member is a catalog key as it is: a Msg built from a member renders like one built from its value.
"""
from __future__ import annotations

from enum import Enum


class Reason(str, Enum):
    EMPTY = "empty"
    CRASH = "crash"
    # the grading as a whole
    SKIPPED = "skipped"
    SKIPPED_NO_COMPILE = "skipped.no_compile"
    NO_COMPILE = "no_compile"
    NO_COMPILE_WHERE = "no_compile.where"
    NO_COMPILE_WHERE_LINE = "no_compile.where_line"
    NO_COMPILE_NEWER = "no_compile.newer"
    OUT_OF_TIME = "out_of_time"
    NO_VERDICT = "no_verdict"
    GRADER_ERROR = "grader_error"
    CONNECTION_FAILED = "connection_failed"
    # uses_socket, uses_threading, transport
    SOCKET_MISSING = "socket.missing"
    THREADS_UDP_CLIENT = "threads.udp_client"
    THREADS_CLIENT_ONLY = "threads.client_only"
    THREADS_SELECT = "threads.select"
    THREADS_NONE = "threads.none"
    THREADS_NOT_PER_CLIENT = "threads.not_per_client"
    THREADS_SERVED = "threads.served"
    TRANSPORT_TCP = "transport.tcp"
    TRANSPORT_UDP = "transport.udp"
    # server_starts, registers_name
    STARTS_OK = "starts.ok"
    STARTS_CONNECT = "starts.connect"
    STARTS_STOPPED = "starts.stopped"
    REGISTERS_CLOSED = "registers.closed"
    # broadcast and the console chat
    BROADCAST_MISSED = "broadcast.missed"
    CONSOLE_OK = "console.ok"
    CONSOLE_TWO_USER = "console.two_user"
    CONSOLE_NO_PRIVATE = "console.no_private"
    CONSOLE_NO_JOIN = "console.no_join"
    # sender_name, unicode
    SENDER_OK = "sender.ok"
    SENDER_CLIENT = "sender.client"
    SENDER_NONE = "sender.none"
    UNICODE_MISSED = "unicode.missed"
    UNICODE_BROKEN = "unicode.broken"
    UNICODE_NOT_SENT = "unicode.not_sent"
    # join_notice, leave_notice
    JOIN_NOBODY = "join.nobody"
    JOIN_MISSED_ONE = "join.missed.one"
    JOIN_MISSED_MANY = "join.missed.many"
    LEAVE_HOW_GOODBYE = "leave.how.goodbye"
    LEAVE_HOW_CLOSE = "leave.how.close"
    LEAVE_SOME_ONE = "leave.some.one"
    LEAVE_SOME_MANY = "leave.some.many"
    LEAVE_FAREWELL = "leave.farewell"
    LEAVE_NONE_ONE = "leave.none.one"
    LEAVE_NONE_MANY = "leave.none.many"
    LEAVE_WINDOWS = "leave.windows"
    NOTICE_RELAYED = "notice.relayed"
    # private_message
    PRIVATE_UNTESTABLE = "private.untestable"
    PRIVATE_NONE = "private.none"
    PRIVATE_LEAK = "private.leak"
    PRIVATE_OK = "private.ok"
    PRIVATE_MISSED = "private.missed"
    PRIVATE_NO_SYNTAX = "private.no_syntax"
    # multi_user, no_echo
    MULTI_DUPES = "multi.dupes"
    MULTI_DUPE = "multi.dupe"
    MULTI_TWO_USER = "multi.two_user"
    MULTI_MISSED = "multi.missed"
    ECHO_ONE = "echo.one"
    ECHO_MANY = "echo.many"
    # survives_disconnect
    SURVIVE_AFTER_CLOSE = "survive.after.close"
    SURVIVE_AFTER_RESET = "survive.after.reset"
    SURVIVE_MISSED = "survive.missed"
    SURVIVE_NEWCOMER_REFUSED = "survive.newcomer.refused"
    SURVIVE_NEWCOMER_MISSED = "survive.newcomer.missed"
    SURVIVE_TWO_CLOSE = "survive.two.close"
    SURVIVE_TWO_RESET = "survive.two.reset"
    SURVIVE_TWO_OK = "survive.two.ok"
    # no_busy_loop, silent_client, slow_reader
    BUSY_BEFORE = "busy.before"
    BUSY_IDLE = "busy.idle"
    BUSY_AFTER = "busy.after"
    BUSY_OK = "busy.ok"
    SILENT_UDP = "silent.udp"
    SILENT_BLOCKED = "silent.blocked"
    SLOW_UDP = "slow.udp"
    SLOW_SENDER = "slow.sender"
    SLOW_RECEIVER = "slow.receiver"
    # what a transcript says besides the bytes
    TRANSCRIPT_CONNECTED = "transcript.connected"
    TRANSCRIPT_CLOSED = "transcript.closed"
    TRANSCRIPT_RESET = "transcript.reset"
    TRANSCRIPT_STDIN = "transcript.stdin"
    TRANSCRIPT_BURST = "transcript.burst"
    TRANSCRIPT_ELIDED = "transcript.elided"
    TRANSCRIPT_LEAVE_COMMAND = "transcript.leave.command"
    TRANSCRIPT_LEAVE_INTERRUPT = "transcript.leave.interrupt"
    TRANSCRIPT_LEAVE_END_OF_INPUT = "transcript.leave.end_of_input"
    TRANSCRIPT_LEAVE_KILL = "transcript.leave.kill"
    # how the scripted users were driven
    DRIVEN_CLIENT = "driven.client"
    DRIVEN_RAW = "driven.raw"
    CLIENT_NO_CONNECT = "driven.client_no_connect"

    def __str__(self) -> str:
        return self.value


def plural(one: Reason, many: Reason, people: list) -> Reason:
    """The sentence for one person or for several."""
    return one if len(people) == 1 else many

"""The checks: each judges what a scenario observed (grader.observations) and words a lost point.

One declaration per check (grader.registry: id, dependencies, the parts it reads); the order here is
the report's. A check does nothing to the server: grader.scenarios did that and wrote down what
happened. A check returns a Verdict whose reason is a grader.reasons code with its values.
assignments/checks.md is the contract for every verdict written here.
"""
from __future__ import annotations

from . import notices
from .messages import Msg, Names, Parts
from .observations import (AfterLeave, BroadcastObs, BusyObs, Crash, DisconnectObs, EchoObs, JoinObs, LeaveObs,
                           MultiObs, PrivateObs, RegistersObs, SenderObs, SilentObs, SlowObs, SourceFacts,
                           Start, StartObs, ThreadsObs, UnicodeObs, segment_with)
from .reasons import Reason as R, plural
from .registry import Registry, Requirement
from .verdict import Verdict, fail, ok, partial, skip

BUSY_SHARE = 0.5    # share of the time a server may spend running while nothing happens
UNICODE_SHOWN = 60  # characters of a broken Unicode line the reason quotes

CHECKS = Registry()
check = CHECKS.check
COMPILES = Requirement("compiles", lambda o: o.compiles, R.SKIPPED_NO_COMPILE)


def crash_note(crash: Crash) -> Msg:
    """Why the server is gone, to add to a lost point's reason; nothing while it runs."""
    return Msg(R.EMPTY) if crash.alive else Msg(R.CRASH, why=crash.why)


def percent(share: float) -> str:
    return f"{share:.0%}"


def seconds(value: float) -> str:
    return f"{value:g}"


# -- what the code says -------------------------------------------------------------------------

@check("uses_socket", reads=("source",), needs=(COMPILES,))
def uses_socket(code: SourceFacts) -> Verdict:
    return ok() if code.imports_socket else fail(R.SOCKET_MISSING)


@check("uses_threading", reads=("source", "transport", "threads"), needs=(COMPILES,))
def uses_threading(code: SourceFacts, transport: str, seen: ThreadsObs) -> Verdict:
    """Judged by what the server did where it ran (more threads with four users connected than with
    nobody, or each of the four users with a thread of the server waiting for their input alone: a
    pool started before anyone came; for UDP, where a server has no connections, any thread besides
    the main one), by its code only where it did not run that far. The client's threads always come
    from its code."""
    if seen.counted:
        every_user_apart = seen.served_apart == seen.users and seen.users > 1
        server = (seen.with_users > seen.before or every_user_apart
                  or transport == "udp" and max(seen.before, seen.with_users) > 1)
    else:
        server = code.server_threads
    if server:
        return ok()
    if transport == "udp" and code.client_threads:
        return ok(R.THREADS_UDP_CLIENT)
    if seen.counted and code.server_threads:
        served = (Msg(R.THREADS_SERVED, served=seen.served_apart, users=seen.users)
                  if seen.served_apart is not None else Msg(R.EMPTY))
        return fail(R.THREADS_NOT_PER_CLIENT, before=seen.before, with_users=seen.with_users, served=served)
    if code.client_threads:
        return fail(R.THREADS_CLIENT_ONLY)
    return fail(R.THREADS_SELECT) if code.server_select else fail(R.THREADS_NONE)


@check("transport", reads=("transport", "udp_factor"))
def transport(kind: str, udp_factor: float) -> Verdict:
    return ok(R.TRANSPORT_TCP) if kind == "tcp" else partial(R.TRANSPORT_UDP, factor=f"{udp_factor:g}")


# -- the main conversation ----------------------------------------------------------------------

@check("server_starts", reads=("main.start",))
def server_starts(start: StartObs) -> Verdict:
    if start.kind is Start.NO_COMPILE:
        e = start.compile
        where = Msg(R.EMPTY)
        if e.origin is not None:
            where = (Msg(R.NO_COMPILE_WHERE_LINE, origin=e.origin, line=e.line) if e.line is not None
                     else Msg(R.NO_COMPILE_WHERE, origin=e.origin))
        hint = (Msg(R.NO_COMPILE_NEWER, feature=e.newer, version=e.python, needed=e.needed) if e.newer
                else Msg(R.EMPTY))
        return fail(R.NO_COMPILE, where=where, problem=e.problem, hint=hint)
    if start.kind is Start.DOWN:
        return fail(start.down)
    if start.kind is Start.ENDED:
        return fail(start.crash.why) if start.crash.clean_exit else fail(R.STARTS_STOPPED, why=start.crash.why)
    if start.kind is Start.REFUSED:
        return fail(R.STARTS_CONNECT, error=start.error, crash=Msg(R.EMPTY))
    return ok(R.STARTS_OK, transport=start.transport.upper())


@check("registers_name", after=("server_starts",), reads=("main.registers",))
def registers_name(seen: RegistersObs) -> Verdict:
    return fail(R.REGISTERS_CLOSED, crash=crash_note(seen.crash)) if seen.closed else ok()


@check("broadcast", after=("registers_name",), reads=("main.broadcast",))
def broadcast(seen: BroadcastObs) -> Verdict:
    if seen.console:
        return ok(R.CONSOLE_OK)
    if not seen.arrived:
        return fail(R.BROADCAST_MISSED, seconds=seconds(seen.seconds), crash=crash_note(seen.crash))
    return ok()


def dupe_parts(dupes) -> Parts:
    return Parts(Msg(R.MULTI_DUPE, sender=s, receiver=r) for s, r in dupes)


@check("multi_user", after=("broadcast",), reads=("main.multi",))
def multi_user(seen: MultiObs) -> Verdict:
    if seen.console:
        return fail(R.CONSOLE_TWO_USER)
    if not seen.missing:
        return ok() if not seen.dupes else partial(R.MULTI_DUPES, dupes=dupe_parts(seen.dupes))
    if seen.two_user:
        return fail(R.MULTI_TWO_USER)
    shown = Parts(Msg(R.MULTI_MISSED, sender=s, receiver=r) for s, r in seen.missing[:4])
    return fail(Parts([*shown, seen.crash.why]) if not seen.crash.alive else shown)


@check("sender_name", after=("broadcast",), reads=("main.sender",))
def sender_name(seen: SenderObs) -> Verdict:
    if seen.server_named:
        return ok(R.SENDER_OK)
    if seen.client_adds_name and seen.sender in seen.first_around:
        return partial(R.SENDER_CLIENT, reader=seen.reader)
    return fail(R.SENDER_NONE, reader=seen.reader)


@check("no_echo", after=("broadcast",), reads=("main.echo",), evidence=("broadcast", "multi_user"))
def no_echo(seen: EchoObs) -> Verdict:
    problems = Parts()
    echo = list(dict.fromkeys(seen.first + seen.multi))
    if echo:
        problems.append(Msg(plural(R.ECHO_ONE, R.ECHO_MANY, echo), who=Names(echo)))
    if seen.dupes:
        problems.append(dupe_parts(seen.dupes))
    return fail(problems) if problems else ok()


def relayed_hint(name: str, relayed: list[str]) -> Msg:
    """Why mentions of `name` were not counted: the line a server relayed as a chat message under it."""
    return Msg(R.NOTICE_RELAYED, name=name, line=relayed[0]) if relayed else Msg(R.EMPTY)


def _relayed_lines(text: str, name: str, typed: str, form) -> list[str]:
    return list(notices.mentions(text, name, (typed,), form).relayed) if form is not None else []


@check("join_notice", after=("registers_name",), reads=("main.join",))
def join_notice(seen: JoinObs) -> Verdict:
    if seen.console_told is not None:
        return ok() if seen.console_told else fail(R.CONSOLE_NO_JOIN)
    typed = dict(seen.typed)
    watched = [t for t in seen.seen if t[0] == "Bob"] if seen.two_user else list(seen.seen)
    missed: dict[str, list[str]] = {}
    relayed: dict[str, list[str]] = {}
    for newcomer, watcher, got in watched:
        if not notices.joined(got, newcomer, typed.get(newcomer, ""), seen.form):
            missed.setdefault(newcomer, []).append(watcher)
            relayed.setdefault(newcomer, []).extend(_relayed_lines(got, newcomer, typed.get(newcomer, ""), seen.form))
    if not missed:
        return ok()
    if sum(map(len, missed.values())) == len(watched):
        first = next(((n, lines) for n, lines in relayed.items() if lines), ("", []))
        return fail(R.JOIN_NOBODY, newcomers=Names(dict.fromkeys(t[0] for t in watched)), hint=relayed_hint(*first))
    return partial(Parts(Msg(plural(R.JOIN_MISSED_ONE, R.JOIN_MISSED_MANY, w), newcomer=n, watchers=Names(w))
                         for n, w in missed.items()))


def _leave_counts(seen: LeaveObs) -> tuple[list, list, list, list]:
    """Who was told of the leave, who saw only the leaver's relayed farewell, who saw nothing, and the
    lines the silent ones got that were chat messages relayed under the leaver's name."""
    name, goodbye = seen.leaver, seen.goodbye
    told, farewell_only, silent, relayed = [], [], [], []
    for observer, text in seen.seen:
        if notices.left(text, name, goodbye, seen.form, seen.server_adds_name):
            told.append(observer)
        elif goodbye and goodbye in text and name in goodbye:
            farewell_only.append(observer)
        else:
            silent.append(observer)
            relayed += _relayed_lines(text, name, goodbye, seen.form)
    return told, farewell_only, silent, relayed


@check("leave_notice", after=("registers_name",), reads=("main.leave",))
def leave_notice(seen: LeaveObs) -> Verdict:
    name, goodbye = seen.leaver, seen.goodbye
    how = Msg(R.LEAVE_HOW_GOODBYE, goodbye=goodbye) if goodbye else Msg(R.LEAVE_HOW_CLOSE)
    told, farewell_only, silent, relayed = _leave_counts(seen)
    if told and not silent and not farewell_only:
        return ok()
    if told:
        untold = silent + farewell_only
        return partial(plural(R.LEAVE_SOME_ONE, R.LEAVE_SOME_MANY, untold), name=name, how=how, who=Names(untold))
    if farewell_only:
        return partial(R.LEAVE_FAREWELL, name=name, goodbye=goodbye)
    hint = Msg(R.LEAVE_WINDOWS) if seen.announces_only_on_reset else relayed_hint(name, relayed)
    return fail(plural(R.LEAVE_NONE_ONE, R.LEAVE_NONE_MANY, silent), name=name, how=how, who=Names(silent), hint=hint)


# -- checks with a server of their own ----------------------------------------------------------

def _after(after: AfterLeave, reset: bool) -> Parts:
    """What went wrong after one disconnect, said once after what: who missed whose message among the
    users who stayed, then what the newcomer could not do."""
    what = Parts(Msg(R.SURVIVE_MISSED, sender=s, who=Names(who)) for s, who in after.lost)
    if after.joined is False:
        what.append(Msg(R.SURVIVE_NEWCOMER_REFUSED, newcomer=after.newcomer))
    for i, (s, who) in enumerate(after.newcomer_lost):
        what.append(Msg(R.SURVIVE_MISSED if i else R.SURVIVE_NEWCOMER_MISSED, newcomer=after.newcomer, sender=s,
                        who=Names(who)))
    if not what:
        return Parts()
    return Parts([Msg(R.SURVIVE_AFTER_RESET if reset else R.SURVIVE_AFTER_CLOSE, gone=after.gone, what=what)])


@check("survives_disconnect", after=("broadcast",), reads=("disconnect",))
def survives_disconnect(seen: DisconnectObs) -> Verdict:
    if seen.two_user:   # a chat for two: a newcomer must be able to take the place of one who left
        if not seen.after_close:
            return fail(R.SURVIVE_TWO_CLOSE, crash=crash_note(seen.crash))
        if not seen.after_reset or not seen.crash.alive:
            return partial(R.SURVIVE_TWO_RESET, crash=crash_note(seen.crash))
        return ok(R.SURVIVE_TWO_OK)
    close, reset = seen.close, seen.reset
    if close.lost or not close.crash.alive:   # a plain close broke the chat for those who stayed
        broken = _after(close, reset=False)
        return fail(Parts([*broken, close.crash.why]) if not close.crash.alive else broken)
    problems = _after(close, reset=False)
    if reset is not None:
        problems += _after(reset, reset=True)
    if not seen.crash.alive:
        problems.append(seen.crash.why)
    return partial(problems) if problems else ok()


@check("private_message", after=("broadcast",), reads=("main.private",))
def private_message(seen: PrivateObs) -> Verdict:
    if seen.console:
        return fail(R.CONSOLE_NO_PRIVATE)
    if seen.untestable:
        return fail(R.PRIVATE_UNTESTABLE)
    if not seen.reached:
        hint = Msg(R.EMPTY) if seen.found else Msg(R.PRIVATE_NO_SYNTAX)
        return fail(R.PRIVATE_MISSED, syntax=seen.syntax, hint=hint, crash=crash_note(seen.crash))
    if seen.carol_saw and not seen.found:
        return fail(R.PRIVATE_NONE, syntax=seen.syntax)
    if seen.carol_saw or seen.carol_saw_after:
        return fail(R.PRIVATE_LEAK, syntax=seen.syntax)
    return ok(R.PRIVATE_OK, syntax=seen.syntax)


@check("no_busy_loop", after=("registers_name",), reads=("busy",))
def no_busy_loop(seen: BusyObs) -> Verdict:
    if seen.before >= BUSY_SHARE:
        return fail(R.BUSY_BEFORE, share=percent(seen.before))
    if seen.idle >= BUSY_SHARE:
        return fail(R.BUSY_IDLE, share=percent(seen.idle))
    if seen.after >= BUSY_SHARE:
        return fail(R.BUSY_AFTER, share=percent(seen.after), seconds=seconds(seen.after_seconds))
    return ok(R.BUSY_OK, before=percent(seen.before), idle=percent(seen.idle), after=percent(seen.after))


@check("silent_client", after=("broadcast",), reads=("silent",))
def silent_client(seen: SilentObs) -> Verdict:
    if seen.udp:
        return ok(R.SILENT_UDP)
    return ok() if seen.reached else fail(R.SILENT_BLOCKED, crash=crash_note(seen.crash))


@check("unicode", after=("broadcast",), reads=("main.unicode",))
def unicode(seen: UnicodeObs) -> Verdict:
    if not seen.arrived and seen.not_sent is not None:
        return fail(R.UNICODE_NOT_SENT, error=f" ({seen.not_sent})" if seen.not_sent else "")
    if not seen.arrived:
        return fail(R.UNICODE_MISSED, reader=seen.reader, crash=crash_note(seen.crash))
    if seen.sent not in seen.received:
        got = segment_with(seen.received, seen.token)[-UNICODE_SHOWN:]
        return fail(R.UNICODE_BROKEN, sent=repr(seen.sent), reader=seen.reader, got=repr(got))
    return ok()


@check("slow_reader", after=("broadcast",), reads=("slow",))
def slow_reader(seen: SlowObs) -> Verdict:
    if seen.udp:
        return skip(R.SLOW_UDP)
    if seen.sender_stalled:
        return fail(R.SLOW_SENDER)
    return fail(R.SLOW_RECEIVER) if not seen.reached else ok()


BY_ID = CHECKS.by_id

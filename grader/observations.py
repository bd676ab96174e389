"""What the grader saw, as data: the record a scenario fills in and the checks judge.

A scenario (grader.scenarios) drives a server and writes what happened into these dataclasses: who
got which token, what text came around it, who was told of a join, how busy the CPU was, how the
server ended. No verdict is written here. A field left None means that part never ran (an earlier
step failed, the time ran out, the scenario raised): the runner then gives the check the scenario's
fallback verdict. Every check can therefore be tested from a hand-built record (tests/test_checks.py).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

from .messages import Msg
from .notices import RelayedForm
from .transcript import Transcript
from .verdict import Verdict


@dataclass(frozen=True)
class Crash:
    """The server's state when a step ended: running, or gone and why (server.why_down())."""
    alive: bool = True
    why: Msg | None = None
    clean_exit: bool = False   # it ended by itself with status 0: no traceback, no limit hit


def segment_with(text: str, token: str) -> str:
    """What a receiver got up to the end of the line that holds the token."""
    at = text.find(token)
    if at < 0:
        return ""
    end = text.find("\n", at)
    return text[: end if end >= 0 else len(text)]


@dataclass(frozen=True)
class SourceFacts:
    """What the submission's code says (read once, by grader.facts)."""
    imports_socket: bool = True
    server_threads: bool = True      # the server's code starts a thread (a call, a subclass, a pool...)
    client_threads: bool = False     # ... the client's code does
    server_select: bool = False      # select, selectors or asyncio in the server's code
    reads_keyboard: bool = False     # the server calls input(): maybe a chat with its console
    announces_only_on_reset: bool = False


@dataclass(frozen=True)
class CompileError:
    problem: str                 # the compiler's one line
    origin: Msg | None = None    # the report's code block it came from, for a report
    line: int | None = None      # the line in the report (origin's first line + the error's line)
    newer: Msg | None = None     # a newer-Python construct that probably explains it
    python: str = ""             # the version of the Python that compiled it ("3.11"), for that hint...
    needed: str = ""             # ...and of the one the construct needs ("3.12")


class Start(Enum):
    NO_COMPILE = "no_compile"
    DOWN = "down"            # it never opened its socket (grader.harness.ServerDown)
    ENDED = "ended"          # it opened it and ended right after
    REFUSED = "refused"      # it runs, but the first connection failed
    STARTED = "started"


@dataclass(frozen=True)
class StartObs:
    kind: Start
    transport: str = "tcp"
    crash: Crash | None = None           # ENDED
    down: Msg | None = None              # DOWN: why
    error: str = ""                      # REFUSED: the connection's error
    compile: CompileError | None = None  # NO_COMPILE


@dataclass(frozen=True)
class RegistersObs:
    closed: bool        # the server closed Alice's connection (or ended) after her name
    crash: Crash = Crash()


@dataclass(frozen=True)
class BroadcastObs:
    arrived: bool                # Alice's first message reached Bob
    crash: Crash = Crash()
    seconds: float = 3.0         # how long it was waited for
    console: bool = False        # it was a chat between Alice and the server's console


@dataclass(frozen=True)
class SenderObs:
    reader: str | Msg            # who was watched (a name, or the console)
    arrived: bool                # a message sent without the client's name framing arrived
    around: str                  # what the reader got up to the end of that token's line
    first_around: str            # the same for the first (client-framed) message
    client_adds_name: bool       # the student's client writes its user's name into the text
    sender: str = "Alice"

    @property
    def server_named(self) -> bool:
        """The sender's name reached the reader with a message that did not carry it."""
        return self.arrived and self.sender in self.around


@dataclass(frozen=True)
class UnicodeObs:
    reader: str | Msg
    sent: str
    token: str
    arrived: bool
    received: str                # everything the reader got from the send on
    crash: Crash = Crash()
    not_sent: str | None = None  # the sender's client never sent it: its last error line ("" if none); None: it did


@dataclass(frozen=True)
class JoinObs:
    seen: tuple[tuple[str, str, str], ...] = ()     # (newcomer, watcher, what the watcher got from the join on)
    typed: tuple[tuple[str, str], ...] = ()         # (newcomer, what the grader sent as its name)
    form: RelayedForm | None = None                 # how the server relays a chat message (None: not seen)
    two_user: bool = False                          # only the first two users could chat
    console_told: bool | None = None                # a console chat: whether the console saw Alice's name


@dataclass(frozen=True)
class PrivateObs:
    syntax: str = ""                  # the private syntax tried, as a user would type it
    found: bool = False               # the server's code has that syntax
    untestable: bool = False          # Carol did not even get an ordinary message
    reached: bool = False             # some attempt reached Bob
    carol_saw: bool = False           # ... and Carol got it too, within the settle time
    carol_saw_after: bool = False     # ... or by the look after it
    crash: Crash = Crash()
    console: bool = False


@dataclass(frozen=True)
class MultiObs:
    users: tuple[str, ...] = ()
    missing: tuple[tuple[str, str], ...] = ()   # (sender, receiver) pairs not delivered
    dupes: tuple[tuple[str, str], ...] = ()     # (sender, receiver) pairs delivered more than once
    echo: tuple[str, ...] = ()                  # users who got their own message back
    crash: Crash = Crash()
    console: bool = False
    threads: int | None = None                  # the server's threads with the four users connected
    served_apart: int | None = None             # users then with a server thread waiting on them alone

    @property
    def two_user(self) -> bool:
        return two_user_pattern(self.users, self.missing)


def two_user_pattern(users: tuple[str, ...] | list[str], missing) -> bool:
    """Only the first two users chat: every lost message is from or to a later one, each later one lost
    something, and the first two heard each other. The scenario goes on as in a chat for two then."""
    if not missing:
        return False
    first, later = set(users[:2]), set(users[2:])
    pair_ok = not any({s, r} <= first for s, r in missing)
    return (pair_ok and all(any(n in (s, r) for s, r in missing) for n in later)
            and all(s in later or r in later for s, r in missing))


@dataclass(frozen=True)
class EchoObs:
    first: tuple[str, ...] = ()                # who got the first message back
    multi: tuple[str, ...] = ()                # who got their own message back when all four spoke
    dupes: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class LeaveObs:
    leaver: str
    goodbye: str                                # what the leaver sent before closing ("" for nothing)
    seen: tuple[tuple[str | Msg, str], ...]     # (observer, what it got from the leave on)
    server_adds_name: bool = False              # the server puts the sender's name on a relayed line
    announces_only_on_reset: bool = False
    form: RelayedForm | None = None             # how the server relays a chat message (None: not seen)


@dataclass
class MainObs:
    start: StartObs | None = None
    registers: RegistersObs | None = None
    broadcast: BroadcastObs | None = None
    sender: SenderObs | None = None
    unicode: UnicodeObs | None = None
    join: JoinObs | None = None
    private: PrivateObs | None = None
    multi: MultiObs | None = None
    echo: EchoObs | None = None
    leave: LeaveObs | None = None
    two_user: bool = False                      # the chat holds two users only: the score is capped


Lost = tuple[tuple[str, tuple[str, ...]], ...]   # (sender, the receivers its message did not reach)


@dataclass(frozen=True)
class AfterLeave:
    """What one disconnect left behind: the users who stayed, each speaking once to the others, then a
    newcomer speaking to the first and the last of them and hearing the first."""
    gone: str                          # who closed (FIN) or was reset (RST)
    lost: Lost = ()                    # messages among the users who stayed that did not arrive
    newcomer: str = ""
    joined: bool | None = None         # the newcomer got in (None: not tried: the chat or the server was broken)
    newcomer_lost: Lost = ()           # messages from and to the newcomer that did not arrive
    crash: Crash = Crash()             # the server when these steps ended


@dataclass(frozen=True)
class DisconnectObs:
    crash: Crash = Crash()             # the server at the end
    two_user: bool = False             # Carol and Dave got nothing: the chat-for-two steps ran
    after_close: bool = True           # for two: a newcomer chatted with Alice after Bob closed
    after_reset: bool = True           # for two: a second newcomer did after the first was reset
    # Bob (2nd of 4) closed: what Alice, Carol, Dave and a newcomer did; then Carol was reset: what Alice,
    # Dave and a newcomer did (None: not tried, the close had broken the chat)
    close: AfterLeave = AfterLeave("Bob", newcomer="Erin", joined=True)
    reset: AfterLeave | None = AfterLeave("Carol", newcomer="Frank", joined=True)


@dataclass(frozen=True)
class BusyObs:
    idle: float              # busy share of the idle window (three users connected): scenarios.apart.busy_share()
    after: float             # the same after two clients went away
    after_seconds: float = 0.8
    before: float = 0.0      # the same before anyone joined
    threads_before: int | None = None   # the server's threads then (None: it was gone)


@dataclass(frozen=True)
class ThreadsObs:
    """The server's thread count with nobody connected and with the four users of the main
    conversation; None where it was not counted (the server did not run that far). Then too, how
    many of those `users` had a thread of the server blocked receiving from their connection (None
    for UDP and off x86-64)."""
    before: int | None = None
    with_users: int | None = None
    served_apart: int | None = None
    users: int = 4

    @property
    def counted(self) -> bool:
        return self.before is not None and self.with_users is not None


@dataclass(frozen=True)
class SilentObs:
    udp: bool = False
    reached: bool = True     # Alice reached Bob while a silent client was connected
    crash: Crash = Crash()


@dataclass(frozen=True)
class SlowObs:
    udp: bool = False
    sender_stalled: bool = False    # the server stopped reading Alice's burst
    reached: bool = True            # Alice still reached Bob after it


@dataclass
class Observations:
    """Everything one grading saw; a check reads the parts it declares (grader.registry)."""
    source: SourceFacts = field(default_factory=SourceFacts)
    transport: str = "tcp"          # what the server bound, or the code's guess
    driven: str = ""                # "client": users typed into the student's client; "raw": sockets; "": neither ran
    udp_factor: float = 0.8         # what the rubric multiplies a UDP score by, for the reason text
    main: MainObs = field(default_factory=MainObs)
    disconnect: DisconnectObs | None = None
    busy: BusyObs | None = None
    silent: SilentObs | None = None
    slow: SlowObs | None = None
    fallback: dict[str, Verdict] = field(default_factory=dict)        # scenario -> the verdict of unseen parts
    transcripts: dict[str, Transcript] = field(default_factory=dict)  # scenario -> its transcript
    # What the shim of each program run said it could apply: ("landlock", abi) or ("none", why).
    isolation: list[tuple[str, str]] = field(default_factory=list)

    @property
    def threads(self) -> ThreadsObs:
        """The two thread counts, from the scenarios that took them (never None: uses_threading
        falls back to the code's facts where they are missing)."""
        multi = self.main.multi
        return ThreadsObs(self.busy.threads_before if self.busy else None, multi.threads if multi else None,
                          multi.served_apart if multi else None, len(multi.users) if multi else 4)

    @property
    def compiles(self) -> bool:
        return self.main.start is None or self.main.start.kind is not Start.NO_COMPILE

"""Run one untrusted student program: a temporary copy, resource limits, a socket shim, a watchdog.

Linux only: processes are found and measured through /proc, and limits use setrlimit.

What a Program gets:
- a fresh temporary copy of the submission as working directory (and TMPDIR and HOME), removed by
  stop(); the watchdog kills the program once the copy holds more than `disk_files` entries or
  `disk_bytes` (looked at every 0.25 s), and traceback() then says why;
- the grader's own Python with the standard library only (started with -S: packages installed on
  the machine are not importable, as they would not be on a student's fresh install), started
  through grader/shim/boot.py, which patches the socket module
  (every bind lands on loopback with an OS-chosen port and is reported; outbound connections other
  than to loopback are refused; in client mode every connect/sendto goes to one redirect address);
- a new session and process group; stop() and the wall-clock watchdog SIGKILL the group and every
  process of the session found in /proc;
- an environment of its own: PATH, the locale, TERM and TZ of the grader's, GRADER_* variables, and
  what the sandbox sets; nothing else of the teacher's (tokens, passwords);
- limits set by the boot before the student's code runs: RLIMIT_CPU, RLIMIT_AS, RLIMIT_NOFILE,
  RLIMIT_FSIZE, RLIMIT_NPROC, no core files; threads get 1 MiB stacks and glibc at most two malloc
  arenas so that RLIMIT_AS measures what the program uses rather than what it reserves; an uncaught
  error caused by a limit (MemoryError, "File too large", "Too many open files", EOFError on the
  empty stdin) gets the limit added to its message;
- stdin from /dev/null (or a pipe), stdout and stderr merged into one bounded capture (head + tail);
  a program printing gigabytes costs its own CPU and little of the grader's (past the capture's size
  the output is read in chunks of up to 256 KiB).

The limits are set in the child by the boot rather than by a preexec_fn: preexec_fn is documented as
unsafe when the parent has threads (the grader runs reader threads and relays), and without it
subprocess can use vfork.

Known holes (this is not a container; run the grader in one, or as a throwaway user in a VM, for
code you have reason to distrust beyond honest mistakes):
- RLIMIT_NPROC is not enforced for root. The shim refuses os.fork/forkpty/system/posix_spawn and
  subprocess/multiprocessing starts once the session holds `processes` processes (counting and
  forking under a lock the whole session shares, so processes forking at once cannot overshoot),
  but code that starts processes otherwise (ctypes, a C extension) is bounded only by the wall
  watchdog.
- Limits are per process: RLIMIT_AS bounds each of a forked program's processes, not their sum, and
  a grading runs up to five servers at once.
- Files written outside the working copy (absolute paths, "..") are neither limited in number nor
  removed; RLIMIT_FSIZE still bounds each one.
- A process that calls setsid() leaves the session and the process group; it is still found, and
  killed, through the mark in its environment, unless it also replaced its environment (exec with
  a new one). A grandchild that only changed its process group is found through its session id.
- Code that uses _socket directly, ctypes or a C extension bypasses the socket shim; so does a
  Python grandchild started with exec (subprocess) rather than fork, since it runs without the boot.
- The events pipe is writable by the student's code, which could fake bindings (only to its own
  disadvantage: the grader would then talk to a wrong port on loopback).
- The student's code can read and write anything the grader's user can (files, other loopback ports).
"""
from __future__ import annotations

import atexit
import errno
import fcntl
import json
import os
import re
import select
import shutil
import signal
import stat
import struct
import subprocess
import sys
import tempfile
import termios
import threading
import time
import warnings
import weakref
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable, Sequence

from . import quiescence

BOOT = Path(__file__).resolve().parent / "shim" / "boot.py"
# Set to the working copy's path in every program's environment, which its processes inherit.
SANDBOX_MARK = "GRADER_SANDBOX"

_CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
_ENV_KEPT = {"PATH", "LANG", "LANGUAGE", "TERM", "TZ"}
_READ_CHUNK = 1 << 16
_MAX_EVENTS = 10_000
_MAX_EVENT_LINE = 1 << 16
_KILL_PATIENCE = 3.0
# How often the watchdog looks at the working copy's size: a program writing as fast as it can
# overshoots the disk limit by what it writes in this time.
_DISK_POLL = 0.25
# A working copy unchanged for this long has stopped growing (wait_disk_settled).
_DISK_SETTLE = 1.0
# Once more output has come than the capture keeps, the pipe is enlarged and the reader pauses this
# long between reads, so that a program printing without pause hands its output over in large
# chunks rather than a line at a time (a read and a wake-up of the grader per line). The program
# would block only beyond _FLOOD_PIPE bytes per pause (128 MB/s), more than Python prints: its CPU
# use, which no_busy_loop judges, stays what it would be at a terminal.
_FLOOD_PAUSE = 0.002
_FLOOD_PIPE = 256 << 10
_STDIN_PATIENCE = 2.0
# After the main process exits, how long we still wait for output and events in flight: a forked
# child may hold the pipes open for longer, or for ever.
_DRAIN_GRACE = 0.2
_TRACEBACK_FRAMES = 3
_HEADER = "Traceback (most recent call last):"
# The boot dumps the stacks of all threads on SIGRTMIN + this.
_STACKS_SIGNAL = 3
_STACKS_PATIENCE = 0.5


@dataclass(frozen=True)
class Limits:
    wall_seconds: float = 30.0        # watchdog: the whole process group is SIGKILLed after this
    cpu_seconds: int = 20             # RLIMIT_CPU (SIGXCPU at the limit, SIGKILL a second later)
    # RLIMIT_AS, per process. 200 threads take 330 MiB; a grading runs up to five servers at once,
    # so a class graded with -j N may hold 5 * N times this much.
    memory_bytes: int = 512 << 20
    open_files: int = 512             # RLIMIT_NOFILE
    file_size: int = 16 << 20         # RLIMIT_FSIZE
    processes: int = 64               # processes of the session (shim) and RLIMIT_NPROC (not for root)
    output_bytes: int = 256 << 10     # captured output kept (head + tail); the rest is counted only
    disk_bytes: int = 64 << 20        # the working copy may grow by this much...
    disk_files: int = 2000            # ...and hold this many entries, or the program is killed


@dataclass(frozen=True)
class Binding:
    kind: str            # "tcp" (reported when listen() is called) or "udp" (a SOCK_DGRAM socket is bound)
    port: int            # the real port on 127.0.0.1
    requested: tuple     # the (host, port) the student code asked for, e.g. ("0.0.0.0", 5555)


# ---------------------------------------------------------------------------------------------
# /proc

def _proc_stats():
    """(pid, state, session, cpu ticks incl. reaped children) of every process, read from /proc."""
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", "rb") as f:
                data = f.read()
        except OSError:
            continue
        # The command name is in parentheses and may itself contain spaces and parentheses.
        fields = data[data.rfind(b")") + 2:].split()
        try:
            yield (int(name), fields[0].decode(), int(fields[3]),
                   int(fields[11]) + int(fields[12]) + int(fields[13]) + int(fields[14]))
        except (IndexError, ValueError):
            continue


def session_processes(sid: int) -> list[int]:
    """Pids of the live (not zombie) processes of session `sid`."""
    return [pid for pid, state, session, _ in _proc_stats()
            if session == sid and state not in ("Z", "X") and pid != os.getpid()]


def marked_processes(mark: str) -> list[int]:
    """Pids of the live processes whose environment holds SANDBOX_MARK=mark: every process a program
    started, even one that left the session with setsid(), unless it replaced its environment."""
    needle = f"{SANDBOX_MARK}={mark}".encode()
    found = []
    for pid, state, _, _ in _proc_stats():
        if state in ("Z", "X") or pid == os.getpid():
            continue
        try:
            with open(f"/proc/{pid}/environ", "rb") as f:
                if needle in f.read().split(b"\0"):
                    found.append(pid)
        except OSError:
            continue
    return found


# ---------------------------------------------------------------------------------------------
# before running anything

def compile_error(source_dir: Path, script: str) -> str | None:
    """Byte-compile `script` (relative to source_dir) without running it. Returns a one-line
    "server.py line 3: SyntaxError: invalid syntax", or None if it compiles.

    Only the file itself is checked; an error in a module it imports shows up as a traceback when
    the program runs."""
    try:
        source = (Path(source_dir) / script).read_bytes()
    except OSError as exc:
        return f"{script}: cannot read the file ({exc.strerror or exc})"
    try:
        with warnings.catch_warnings():
            # SyntaxWarnings of student code ("is" with a literal...) are not the grader's to print.
            warnings.simplefilter("ignore")
            compile(source, script, "exec", dont_inherit=True)
    except SyntaxError as exc:
        where = f" line {exc.lineno}" if exc.lineno else ""
        return f"{script}{where}: {type(exc).__name__}: {exc.msg}"
    except (ValueError, RecursionError, MemoryError, OverflowError) as exc:
        # ValueError: NUL bytes in the source; the others: pathological nesting or constants.
        return f"{script}: {type(exc).__name__}: {exc}"
    return None


# ---------------------------------------------------------------------------------------------
# output

class _Capture:
    """Keeps the first and the last half of `limit` bytes and counts what falls in between."""

    def __init__(self, limit: int):
        self._head_max = limit // 2
        self._tail_max = limit - self._head_max
        self.head = bytearray()
        self.tail = bytearray()
        self.total = 0

    def add(self, data: bytes) -> None:
        self.total += len(data)
        room = self._head_max - len(self.head)
        if room > 0:
            self.head += data[:room]
            data = data[room:]
        if data:
            self.tail += data[-self._tail_max:] if self._tail_max else b""
            excess = len(self.tail) - self._tail_max
            if excess > 0:
                del self.tail[:excess]

    def text(self) -> str:
        omitted = self.total - len(self.head) - len(self.tail)
        head = self.head.decode("utf-8", "replace")
        tail = self.tail.decode("utf-8", "replace")
        if omitted:
            return f"{head}\n[... {omitted} bytes omitted ...]\n{tail}"
        return head + tail


def shorten_traceback(output: str, workdir: str | Path | None = None) -> str | None:
    """The last Python traceback in `output`, shortened for a student: frames of the boot shim,
    runpy and the threading machinery dropped, the last few frames and the error line kept, and the
    sandbox directory removed from file names. None if there is no traceback."""
    start = output.rfind(_HEADER)
    if start < 0:
        return None
    before = output[:start].rstrip("\n").rsplit("\n", 1)[-1]
    lines = output[start:].splitlines()
    frames: list[list[str]] = []
    i = 1
    while i < len(lines) and lines[i].startswith("  "):
        if lines[i].startswith('  File "'):
            frames.append([lines[i]])
        elif frames:
            frames[-1].append(lines[i])  # source line, carets, "[Previous line repeated ...]"
        i += 1
    error = lines[i] if i < len(lines) else ""

    def boring(frame):
        match = re.match(r'  File "([^"]*)"', frame[0])
        name = match.group(1) if match else ""
        return (name in (str(BOOT), "<frozen runpy>") or name.endswith(("/runpy.py", "/threading.py"))
                or name.startswith("<frozen importlib"))

    kept = [f for f in frames if not boring(f)][-_TRACEBACK_FRAMES:]
    result = [before] if before.startswith("Exception in thread") else []
    result += [_HEADER] + [line for frame in kept for line in frame] + [error]
    text = "\n".join(result)
    if workdir is not None:
        for prefix in {str(workdir), os.path.realpath(workdir)}:
            text = text.replace(f'"{prefix}/', '"').replace(f"'{prefix}/", "'")
    return text


# ---------------------------------------------------------------------------------------------
# the program

_live_programs: "weakref.WeakSet[Program]" = weakref.WeakSet()


class Program:
    """A running student program; see start(). Every public method is safe to call from any thread.

    Beyond the agreed interface: `workdir` (the temporary copy, its working directory), `timed_out`
    (the wall watchdog killed it), wait_output() and wait_events(). `stuck`, if whoever talks to the
    program sets it, tells when it can do nothing more without new input: wait_exit() and
    wait_output() end early then (grader.quiescence)."""

    def __init__(self, workdir: Path, script: str, args: Sequence[str], redirect, stdin: bool,
                 limits: Limits):
        self.workdir = workdir
        self.limits = limits
        self.bindings: list[Binding] = []
        self.timed_out = False
        self.stuck: Callable[[], bool] | None = None
        self._pump_tid = 0
        self._events: list[tuple[str, ...]] = []
        self._capture = _Capture(limits.output_bytes)
        self._cond = threading.Condition()
        self._exited = threading.Event()
        self._exit_time: float | None = None
        self._events_eof = False
        self._output_eof = False
        self._returncode: int | None = None
        self._reaped_ticks = 0.0
        self._stop_lock = threading.Lock()
        self._stopped = False
        self._stopping = threading.Event()
        # Why the grader killed the program, if a limit did: ("disk_files", 2000) or ("disk_bytes",
        # bytes), and the same in an English sentence (traceback() returns it).
        self.limit_hit: tuple[str, int] | None = None
        self.kill_reason: str | None = None
        self._disk_seen: tuple[int, int] | None = None   # (entries, bytes) at the last look...
        self._disk_changed = time.monotonic()              # ...and when a look last saw them change
        self._stdin_lock = threading.Lock()

        config = {"limits": asdict(limits), "redirect": list(redirect) if redirect else None, "stdin": stdin,
                  "stacks_signal": _STACKS_SIGNAL}
        events_r, events_w = os.pipe()
        config["events_fd"] = events_w
        self._stacks_r, stacks_w = os.pipe()
        os.set_blocking(self._stacks_r, False)
        config["stacks_fd"] = stacks_w
        self._stacks_lock = threading.Lock()
        # Only what a program needs from a terminal: the teacher's environment may hold tokens and
        # passwords. GRADER_* variables pass, so that a test can mark what a grading starts.
        env = {k: v for k, v in os.environ.items()
               if k in _ENV_KEPT or k.startswith(("LC_", "GRADER_"))}
        env.update(
            PYTHONUNBUFFERED="1", PYTHONIOENCODING="utf-8", PYTHONDONTWRITEBYTECODE="1",
            # Same set iteration order on every run, so grading twice gives the same verdicts.
            PYTHONHASHSEED="0",
            # glibc gives each thread its own 64 MiB malloc arena of address space; with RLIMIT_AS
            # at 1 GiB a server with a few dozen threads would die of reservations, not of use.
            MALLOC_ARENA_MAX="2",
            TMPDIR=str(workdir),
            # "~/chat_log.txt" and Path.home() land in the copy too, and are removed with it.
            HOME=str(workdir),
            **{SANDBOX_MARK: str(workdir)},
            GRADER_SHIM=json.dumps(config),
        )
        try:
            self._popen = subprocess.Popen(
                # -S: the standard library only, whatever is installed next to the grader (no
                # site-packages, no .pth hooks, no sitecustomize); the boot restores exit() & co.
                [sys.executable, "-S", str(BOOT), script, *args], cwd=workdir, env=env,
                stdin=subprocess.PIPE if stdin else subprocess.DEVNULL,
                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, bufsize=0,
                pass_fds=(events_w, stacks_w), start_new_session=True)
        except BaseException:
            for fd in (events_r, events_w, self._stacks_r, stacks_w):
                os.close(fd)
            raise
        os.close(events_w)  # only the child holds the write end, so its exit gives us EOF
        os.close(stacks_w)
        self.pid = self._popen.pid
        self._has_stdin = stdin
        self._stdin_fd = self._popen.stdin.fileno() if stdin else None
        if self._stdin_fd is not None:
            os.set_blocking(self._stdin_fd, False)
        self._started = time.monotonic()
        self._threads = [
            threading.Thread(target=self._pump_output, name=f"sandbox-{self.pid}-output", daemon=True),
            threading.Thread(target=self._pump_events, args=(events_r,), name=f"sandbox-{self.pid}-events",
                             daemon=True),
            threading.Thread(target=self._wait, name=f"sandbox-{self.pid}-wait", daemon=True),
            threading.Thread(target=self._watchdog, name=f"sandbox-{self.pid}-watchdog", daemon=True),
        ]
        for thread in self._threads:
            thread.start()
        _live_programs.add(self)

    def __repr__(self) -> str:
        state = "running" if self.alive() else f"exited {self.returncode}"
        return f"<Program pid={self.pid} {state} bindings={self.bindings}>"

    # -- threads ----------------------------------------------------------------------------

    def _pump_output(self) -> None:
        self._pump_tid = threading.get_native_id()
        stream = self._popen.stdout
        chunk = _READ_CHUNK
        while True:
            try:
                data = stream.read(chunk)
            except OSError:
                data = b""
            with self._cond:
                if not data:
                    self._output_eof = True
                    self._cond.notify_all()
                    return
                self._capture.add(data)
                self._cond.notify_all()
                flooding = self._capture.total > self.limits.output_bytes
            if flooding:
                if chunk < _FLOOD_PIPE:
                    chunk = _FLOOD_PIPE
                    try:
                        fcntl.fcntl(stream.fileno(), fcntl.F_SETPIPE_SZ, _FLOOD_PIPE)
                    except OSError:
                        pass  # over the user's pipe allowance: smaller chunks, the program may block
                self._stopping.wait(_FLOOD_PAUSE)

    def _pump_events(self, fd: int) -> None:
        pending = b""
        try:
            while True:
                try:
                    data = os.read(fd, _READ_CHUNK)
                except OSError:
                    data = b""
                if not data:
                    break
                pending += data
                *lines, pending = pending.split(b"\n")
                if len(pending) > _MAX_EVENT_LINE:
                    pending = b""
                for line in lines:
                    self._add_event(line)
        finally:
            os.close(fd)
            with self._cond:
                self._events_eof = True
                self._cond.notify_all()

    def _add_event(self, line: bytes) -> None:
        try:
            fields = json.loads(line)
        except ValueError:
            return
        if not isinstance(fields, list) or not fields or not all(isinstance(f, str) for f in fields):
            return
        event = tuple(fields)
        binding = None
        if event[0] in ("listen", "bind") and len(event) == 5:
            try:
                binding = Binding(event[1], int(event[2]), (event[3], int(event[4])))
            except ValueError:
                binding = None
        with self._cond:
            if len(self._events) < _MAX_EVENTS:
                self._events.append(event)
            # listen() called twice on one socket is still one binding.
            if binding is not None and binding not in self.bindings:
                self.bindings.append(binding)
            self._cond.notify_all()

    def _wait(self) -> None:
        # Wait without reaping first, so that cpu_seconds() never sees the main process neither in
        # /proc nor in the reaped total.
        try:
            os.waitid(os.P_PID, self.pid, os.WEXITED | os.WNOWAIT)
        except ChildProcessError:
            pass
        except OSError:
            pass
        with self._cond:
            try:
                _, status, usage = os.wait4(self.pid, 0)
                self._returncode = os.waitstatus_to_exitcode(status)
                self._reaped_ticks = (usage.ru_utime + usage.ru_stime) * _CLOCK_TICKS
            except ChildProcessError:
                self._returncode = self._popen.returncode if self._popen.returncode is not None else -1
            # Popen must not try to reap the pid again (it could belong to someone else by then).
            self._popen.returncode = self._returncode
            self._exit_time = time.monotonic()
            self._exited.set()
            self._cond.notify_all()

    def _watchdog(self) -> None:
        deadline = self._started + self.limits.wall_seconds
        while not self._exited.wait(max(0.0, min(_DISK_POLL, deadline - time.monotonic()))):
            if time.monotonic() >= deadline:
                self.timed_out = True
                self._kill_all()
                return
            if self.check_disk():
                return

    def check_disk(self) -> bool:
        """Kill the program if its folder is over a disk limit (the watchdog calls this every
        _DISK_POLL s, wait_disk_settled at once and whenever the folder should have settled), and
        note when the folder last changed. True if it was over."""
        usage = _disk_usage(self.workdir, self.limits)
        if usage != self._disk_seen:
            self._disk_seen, self._disk_changed = usage, time.monotonic()
        excess = _disk_excess(usage, self.limits)
        if excess and self.limit_hit is None:
            self.limit_hit = (excess, getattr(self.limits, excess))
            self.kill_reason = "the grader stopped the program: " + (
                f"it created more than {self.limits.disk_files} files in its folder" if excess == "disk_files" else
                f"it wrote more than {self.limits.disk_bytes >> 20} MiB of files into its folder")
            self._kill_all()
        return bool(excess)

    def wait_disk_settled(self, timeout: float) -> bool:
        """Let a program that is still filling its folder run on until it is over a disk limit, or its
        folder has not changed for _DISK_SETTLE s, or it has exited, or `timeout` has passed. True if
        it was stopped for a disk limit (by this look or the watchdog's). How far a program got in a
        given time depends on how busy the machine is; where its writing ends does not."""
        deadline = time.monotonic() + timeout
        while not self.check_disk():
            now = time.monotonic()
            wake = min(self._disk_changed + _DISK_SETTLE, deadline)
            if now >= wake or self._exited.wait(wake - now):
                break
        return self.limit_hit is not None

    # -- state --------------------------------------------------------------------------------

    def alive(self) -> bool:
        return not self._exited.is_set()

    @property
    def returncode(self) -> int | None:
        """The exit status like Popen.returncode (-9: SIGKILL, e.g. by the watchdog or stop()), or
        None while the main process runs."""
        return self._returncode

    def _wait_until(self, done: Callable[[], bool], timeout: float) -> bool:
        """Wait (holding self._cond) until done() or the program has exited and its output and
        events have been read to the end; returns done()."""
        deadline = time.monotonic() + timeout
        while True:
            if done():
                return True
            now = time.monotonic()
            wake = deadline
            if self._exited.is_set():
                drained = self._output_eof and self._events_eof
                if drained or now >= self._exit_time + _DRAIN_GRACE:
                    return done()
                wake = min(wake, self._exit_time + _DRAIN_GRACE)
            if now >= deadline:
                return done()
            self._cond.wait(wake - now)

    def _wait_stuck(self, done: Callable[[], bool], timeout: float) -> bool:
        """_wait_until, ending early once the program is stuck and all its output is captured."""
        def wait_for(seconds: float) -> bool:
            with self._cond:
                return self._wait_until(done, seconds)
        stuck = self.stuck and (lambda: self.stuck() and self._output_read())
        return quiescence.wait(wait_for, lambda ok: ok or self._exited.is_set(), timeout, stuck)

    def _output_read(self) -> bool:
        """All the program has written is in the capture: our reader is blocked reading the empty pipe."""
        try:
            fd = self._popen.stdout.fileno()
        except ValueError:   # closed: the program has been stopped
            return True
        return quiescence.thread_wait(os.getpid(), str(self._pump_tid)) == ("fd", fd)

    def wait_exit(self, timeout: float) -> int | None:
        """The return code once the main process has exited (None on timeout). Its output, events
        and bindings are complete by then, unless a child it left behind still holds the pipes."""
        self._wait_stuck(lambda: False, timeout)
        return self._returncode

    def wait_bound(self, timeout: float) -> Binding | None:
        """The first TCP listen or UDP bind; None on timeout or once the program has exited without
        one (returns early then)."""
        with self._cond:
            self._wait_until(lambda: bool(self.bindings), timeout)
            return self.bindings[0] if self.bindings else None

    def wait_events(self, predicate: Callable[[list[tuple[str, ...]]], bool], timeout: float) -> bool:
        """Wait until predicate(events()) is true, re-checked at every event; False on timeout or once
        the program has exited without it."""
        with self._cond:
            return self._wait_until(lambda: predicate(list(self._events)), timeout)

    def wait_output(self, text: str, timeout: float) -> bool:
        """True once `text` appears in the captured output (head or tail); False on timeout or once
        the program has exited without printing it."""
        return self._wait_stuck(lambda: text in self._capture.text(), timeout)

    def events(self) -> list[tuple[str, ...]]:
        """Raw shim events in order, e.g. ("listen", "tcp", "43121", "0.0.0.0", "5555"),
        ("blocked", "connect", "8.8.8.8", "53"), ("redirect", "connect", "localhost", "5555"),
        ("refused", "fork", "64"), ("start", "<pid>")."""
        with self._cond:
            return list(self._events)

    def cpu_seconds(self) -> float:
        """User + system CPU so far of the processes of the program's session, including what the
        processes they have already reaped used, and the main process's total once it has exited."""
        with self._cond:
            ticks = self._reaped_ticks
            ticks += sum(t for _, _, session, t in _proc_stats() if session == self.pid)
        return ticks / _CLOCK_TICKS

    def output(self) -> str:
        with self._cond:
            return self._capture.text()

    def where(self) -> str | None:
        """Where the main thread of the running program is now, as 'server.py line 9: while not
        ready:' (the innermost frame of the student's own files, with its source line); None if the
        program has exited or does not answer within half a second. For a program that never binds:
        it shows the loop, the input() or the wait it is stuck in."""
        with self._stacks_lock:
            if not self.alive():
                return None
            _drain(self._stacks_r)
            try:
                os.kill(self.pid, signal.SIGRTMIN + _STACKS_SIGNAL)
            except OSError:
                return None
            dump = b""
            deadline = time.monotonic() + _STACKS_PATIENCE
            while True:
                # The dump is written at once by the signal handler; a short silence ends it.
                wait = deadline - time.monotonic() if not dump else 0.05
                if wait <= 0 or not select.select([self._stacks_r], [], [], wait)[0]:
                    break
                chunk = _drain(self._stacks_r)
                if not chunk:
                    break
                dump += chunk
        return _main_thread_place(dump.decode("utf-8", "replace"), self.workdir)

    def traceback(self) -> str | None:
        """The program's last traceback, shortened; or why the grader killed it (a limit)."""
        if self.kill_reason:
            return self.kill_reason
        shown = shorten_traceback(self.output(), self.workdir)
        if shown is None and self._returncode == -signal.SIGXCPU:
            shown = f"the program used {self.limits.cpu_seconds} s of CPU time, the grader's limit, and was killed"
        return shown

    # -- stdin ----------------------------------------------------------------------------------

    def write_stdin(self, text: str) -> None:
        """Write to the program's stdin (start(..., stdin=True)). A broken pipe is ignored; a program
        that does not read gets what fits in the pipe within a couple of seconds, the rest is
        dropped rather than blocking the grader."""
        if not self._has_stdin:
            raise ValueError("the program was started without stdin=True")
        data = memoryview(text.encode("utf-8"))
        deadline = time.monotonic() + _STDIN_PATIENCE
        with self._stdin_lock:
            while data and self._stdin_fd is not None:
                try:
                    written = os.write(self._stdin_fd, data)
                    data = data[written:]
                except BlockingIOError:
                    remaining = deadline - time.monotonic()
                    if remaining <= 0:
                        return
                    select.select([], [self._stdin_fd], [], remaining)
                except OSError:  # EPIPE: the program has gone or closed its stdin
                    return

    def stdin_pending(self) -> int:
        """Bytes written to the program's stdin that it has not read yet."""
        with self._stdin_lock:
            if self._stdin_fd is None:
                return 0
            try:
                return struct.unpack("i", fcntl.ioctl(self._stdin_fd, termios.FIONREAD, b"\0\0\0\0"))[0]
            except (OSError, ValueError):
                return 1

    def close_stdin(self) -> None:
        with self._stdin_lock:
            if self._stdin_fd is not None:
                try:
                    self._popen.stdin.close()
                except OSError:
                    pass
                self._stdin_fd = None

    # -- ending ---------------------------------------------------------------------------------

    def _kill_all(self) -> None:
        """SIGKILL the process group, every live process of the session and every process that
        carries the program's mark (one that left the session), until none is left."""
        deadline = time.monotonic() + _KILL_PATIENCE
        first = True
        while True:
            session = session_processes(self.pid)
            members = sorted(set(session) | set(marked_processes(str(self.workdir))))
            # While the leader is unreaped, or any process of its session lives, the number cannot
            # have been reused, so signalling the group is safe.
            if first and not self._exited.is_set() or session:
                try:
                    os.killpg(self.pid, signal.SIGKILL)
                except OSError:
                    pass
            first = False
            for pid in members:
                try:
                    os.kill(pid, signal.SIGKILL)
                except OSError:
                    pass
            if not members or time.monotonic() > deadline:
                return
            # Killed processes take a moment to turn into zombies; a forking one may have made more.
            time.sleep(0.005)

    def stop(self) -> None:
        """Kill everything, reap, join the reader threads, remove the temporary copy. Idempotent,
        never raises."""
        with self._stop_lock:
            if self._stopped:
                return
            self._stopped = True
        self._stopping.set()
        try:
            self._kill_all()
            self._exited.wait(_KILL_PATIENCE)
            self.close_stdin()
            for thread in self._threads:
                # A reader stays blocked only if a process that escaped (setsid() and a new
                # environment) holds the pipe; it is a daemon thread and is left behind.
                thread.join(1.0)
        except Exception:
            pass
        _remove_tree(self.workdir)
        with self._stacks_lock:
            if self._stacks_r is not None:
                os.close(self._stacks_r)
                self._stacks_r = None
        _live_programs.discard(self)

    def __enter__(self) -> "Program":
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop()


def _drain(fd: int | None) -> bytes:
    data = b""
    while fd is not None and len(data) < _MAX_EVENT_LINE:
        try:
            chunk = os.read(fd, _READ_CHUNK)
        except (BlockingIOError, OSError):
            break
        if not chunk:
            break
        data += chunk
    return data


def _main_thread_place(dump: str, workdir: Path) -> str | None:
    """From faulthandler's dump of all threads, the innermost frame of the main thread (the one that
    runs the boot) that lies in the student's files."""
    prefixes = tuple({str(workdir) + "/", os.path.realpath(workdir) + "/"})
    for block in re.split(r"\n(?=(?:Current thread|Thread) 0x)", dump):
        frames = re.findall(r'File "([^"]*)", line (\d+) in', block)
        if not any(name == str(BOOT) for name, _ in frames):
            continue
        for name, line in frames:  # most recent call first
            if name.startswith(prefixes):
                rel = name[len(next(p for p in prefixes if name.startswith(p))):]
                try:
                    with open(name, encoding="utf-8", errors="replace") as f:
                        source = next((text for i, text in enumerate(f, 1) if i == int(line)), "").strip()
                except OSError:
                    source = ""
                return f"{rel} line {line}" + (f": {source}" if source else "")
        return None
    return None


def _disk_usage(workdir: Path, limits: Limits) -> tuple[int, int]:
    """(entries, bytes) of the working copy. Symbolic links are not followed, and the walk stops as
    soon as a limit is passed, so a folder of a million files costs no more than the limit."""
    count = size = 0
    todo = [str(workdir)]
    while todo:
        try:
            with os.scandir(todo.pop()) as entries:
                for entry in entries:
                    count += 1
                    if count > limits.disk_files:
                        return count, size
                    if entry.is_dir(follow_symlinks=False):
                        todo.append(entry.path)
                    elif entry.is_file(follow_symlinks=False):
                        # Blocks really used: a sparse file costs nothing.
                        size += entry.stat(follow_symlinks=False).st_blocks * 512
                        if size > limits.disk_bytes:
                            return count, size
        except OSError:
            continue  # removed while we looked: what is gone takes no room
    return count, size


def _disk_excess(usage: tuple[int, int], limits: Limits) -> str | None:
    """The limit a usage of _disk_usage is over ("disk_files" or "disk_bytes"), or None."""
    count, size = usage
    return "disk_files" if count > limits.disk_files else "disk_bytes" if size > limits.disk_bytes else None


def _remove_tree(path: Path) -> None:
    def make_writable_and_retry(function, name, _exc_info):
        # Student code may have made files or directories read-only (root ignores that anyway).
        try:
            os.chmod(os.path.dirname(name), stat.S_IRWXU)
            if not os.path.islink(name):
                os.chmod(name, stat.S_IRWXU)
            function(name)
        except OSError:
            pass
    try:
        shutil.rmtree(path, onerror=make_writable_and_retry)
    except Exception:
        pass


def start(source_dir: Path, script: str, args: Sequence[str] = (), *,
          redirect: tuple[str, int] | None = None, stdin: bool = False,
          limits: Limits = Limits()) -> Program:
    """Copy source_dir into a fresh temp dir, run `python <script> <args>` there (script is relative
    to source_dir) under the shim. redirect=None: server mode. redirect=(host, port): client mode:
    every TCP connect() and every UDP sendto()/connect() of the program goes to that address instead
    of the hard-coded one.

    The whole of source_dir is copied (minus __pycache__ and .git): pass the submission's own folder,
    not a folder of many submissions. Raises FileNotFoundError if the script is not there."""
    source_dir = Path(source_dir)
    if not (source_dir / script).is_file():
        raise FileNotFoundError(errno.ENOENT, "no such script", str(source_dir / script))
    workdir = Path(tempfile.mkdtemp(prefix="chatgrader-"))
    try:
        shutil.copytree(source_dir, workdir, symlinks=True, dirs_exist_ok=True,
                        ignore=shutil.ignore_patterns("__pycache__", ".git"))
        return Program(workdir, script, args, redirect, stdin, limits)
    except BaseException:
        _remove_tree(workdir)
        raise


@atexit.register
def _stop_all() -> None:
    # A grader interrupted half-way must not leave student servers behind.
    for program in list(_live_programs):
        program.stop()

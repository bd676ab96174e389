"""A sandboxed program's life: spawned under the boot shim, watched, measured, and killed with
everything it started. See grader.sandbox for what a program gets and the known holes."""
from __future__ import annotations

import atexit
import errno
import fcntl
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import weakref
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable, Sequence

from .. import waiting
from ..kernel import procfs, syscalls
from ..messages import Msg
from .cleanup import KILL_PATIENCE, kill_all, remove_tree
from .limits import DISK_POLL, DISK_SETTLE, Limits, cpu_message, disk_excess, disk_message, disk_usage, environment
from .output import BOOT, READ_CHUNK, Capture, drain, main_thread_place, read_dump, shorten_traceback
from .stdin import Stdin

_MAX_EVENTS = 10_000
_MAX_EVENT_LINE = 1 << 16
# Once more output has come than the capture keeps, the pipe is enlarged and the reader pauses this
# long between reads, so that a program printing without pause hands its output over in large
# chunks rather than a line at a time (a read and a wake-up of the grader per line). The program
# would block only beyond _FLOOD_PIPE bytes per pause (128 MB/s), more than Python prints: its CPU
# use, which no_busy_loop judges, stays what it would be at a terminal.
_FLOOD_PAUSE = 0.002
_FLOOD_PIPE = 256 << 10
# After the main process exits, how long we still wait for output and events in flight: a forked
# child may hold the pipes open for longer, or for ever.
_DRAIN_GRACE = 0.2
# The boot dumps the stacks of all threads on SIGRTMIN + this.
_STACKS_SIGNAL = 3
_STACKS_PATIENCE = 0.5
# How often wait_bound(within=...) looks at how long the program has waited for a core.
STARVED_LOOK = 0.25


@dataclass(frozen=True)
class Binding:
    kind: str            # "tcp" (reported when listen() is called) or "udp" (a SOCK_DGRAM socket is bound)
    port: int            # the real port on 127.0.0.1
    requested: tuple     # the (host, port) the student code asked for, e.g. ("0.0.0.0", 5555)


_live_programs: "weakref.WeakSet[Program]" = weakref.WeakSet()


class Program:
    """A running student program; see start(). Every public method is safe to call from any thread.

    Beyond the agreed interface: `workdir` (the temporary copy, its working directory), `timed_out`
    (the wall watchdog killed it), wait_output() and wait_events(). `stop_early`, if given, tells
    when the program can do nothing more without new input: wait_exit() and wait_output() end early
    then (the harness hands in grader.quiescence.stuck bound to the server)."""

    def __init__(self, workdir: Path, script: str, args: Sequence[str], redirect, stdin: bool,
                 limits: Limits, stop_early: Callable[[], bool] | None = None, python: str | None = None):
        self.workdir = workdir
        self.python = python or sys.executable
        self.limits = limits
        self.bindings: list[Binding] = []
        self.timed_out = False
        self._stop_early = stop_early
        self._pump_tid = 0
        self._events: list[tuple[str, ...]] = []
        self._capture = Capture(limits.output_bytes)
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
        # bytes), and the same as a sentence for the student (traceback() returns it).
        self.limit_hit: tuple[str, int] | None = None
        self.kill_reason: Msg | None = None
        self._disk_seen: tuple[int, int] | None = None   # (entries, bytes) at the last look...
        self._disk_changed = time.monotonic()              # ...and when a look last saw them change
        self._stacks_lock = threading.Lock()
        events_r = self._spawn(script, args, redirect, stdin)
        self.pid = self._popen.pid
        self._has_stdin = stdin
        self._stdin = Stdin(self._popen.stdin if stdin else None)
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

    def _spawn(self, script: str, args: Sequence[str], redirect, stdin: bool) -> int:
        """Start the boot with the student's script; returns the read end of the events pipe."""
        config = {"limits": asdict(self.limits), "redirect": list(redirect) if redirect else None, "stdin": stdin,
                  "stacks_signal": _STACKS_SIGNAL}
        events_r, events_w = os.pipe()
        config["events_fd"] = events_w
        self._stacks_r, stacks_w = os.pipe()
        os.set_blocking(self._stacks_r, False)
        config["stacks_fd"] = stacks_w
        try:
            self._popen = subprocess.Popen(
                # -S: the standard library only, whatever is installed next to the grader (no
                # site-packages, no .pth hooks, no sitecustomize); the boot restores exit() & co.
                [self.python, "-S", str(BOOT), script, *args], cwd=self.workdir,
                env=environment(self.workdir, config),
                stdin=subprocess.PIPE if stdin else subprocess.DEVNULL,
                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, bufsize=0,
                pass_fds=(events_w, stacks_w), start_new_session=True)
        except BaseException:
            for fd in (events_r, events_w, self._stacks_r, stacks_w):
                os.close(fd)
            raise
        os.close(events_w)  # only the child holds the write end, so its exit gives us EOF
        os.close(stacks_w)
        return events_r

    def __repr__(self) -> str:
        state = "running" if self.alive() else f"exited {self.returncode}"
        return f"<Program pid={self.pid} {state} bindings={self.bindings}>"

    # -- threads ----------------------------------------------------------------------------

    def _pump_output(self) -> None:
        self._pump_tid = threading.get_native_id()
        stream = self._popen.stdout
        chunk = READ_CHUNK
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
                    data = os.read(fd, READ_CHUNK)
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
        except OSError:   # ChildProcessError included
            pass
        with self._cond:
            try:
                _, status, usage = os.wait4(self.pid, 0)
                self._returncode = os.waitstatus_to_exitcode(status)
                self._reaped_ticks = (usage.ru_utime + usage.ru_stime) * procfs.CLOCK_TICKS
            except ChildProcessError:
                self._returncode = self._popen.returncode if self._popen.returncode is not None else -1
            # Popen must not try to reap the pid again (it could belong to someone else by then).
            self._popen.returncode = self._returncode
            self._exit_time = time.monotonic()
            self._exited.set()
            self._cond.notify_all()

    def _watchdog(self) -> None:
        deadline = self._started + self.limits.wall_seconds
        while not self._exited.wait(max(0.0, min(DISK_POLL, deadline - time.monotonic()))):
            if time.monotonic() >= deadline:
                self.timed_out = True
                self._kill_all()
                return
            if self.check_disk():
                return

    def check_disk(self) -> bool:
        """Kill the program if its folder is over a disk limit (the watchdog calls this every
        DISK_POLL s; a caller about to judge the program can call it now, or wait_disk_settled()).
        True if it was over."""
        usage = disk_usage(self.workdir, self.limits)
        if usage != self._disk_seen:
            self._disk_seen, self._disk_changed = usage, time.monotonic()
        excess = disk_excess(usage, self.limits)
        if excess and self.limit_hit is None:
            self.limit_hit = (excess, getattr(self.limits, excess))
            self.kill_reason = disk_message(excess, self.limits)
            self._kill_all()
        return bool(excess)

    def wait_disk_settled(self, timeout: float) -> bool:
        """Until the working copy is over a disk limit, has not changed for DISK_SETTLE s, or the
        program has exited (at most `timeout`): how far a program that fills its folder gets in a
        fixed time depends on how busy the machine is. True if it was stopped for a disk limit."""
        deadline = time.monotonic() + timeout
        while not self.check_disk():
            now = time.monotonic()
            wake = min(self._disk_changed + DISK_SETTLE, deadline)
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

    def _wait_or_stop_early(self, done: Callable[[], bool], timeout: float) -> bool:
        """_wait_until, ending early once stop_early() holds and all the output is captured."""
        def wait_for(seconds: float) -> bool:
            with self._cond:
                return self._wait_until(done, seconds)
        stop = self._stop_early and (lambda: self._stop_early() and self._output_read())
        return waiting.wait(wait_for, lambda ok: ok or self._exited.is_set(), timeout, stop)

    def _output_read(self) -> bool:
        """All the program has written is in the capture: our reader is blocked reading the empty pipe."""
        try:
            fd = self._popen.stdout.fileno()
        except ValueError:   # closed: the program has been stopped
            return True
        return syscalls.thread_wait(os.getpid(), self._pump_tid) == ("fd", fd)

    def wait_exit(self, timeout: float) -> int | None:
        """The return code once the main process has exited (None on timeout). Its output, events
        and bindings are complete by then, unless a child it left behind still holds the pipes."""
        self._wait_or_stop_early(lambda: False, timeout)
        return self._returncode

    def wait_bound(self, timeout: float, within: float | None = None) -> Binding | None:
        """The first TCP listen or UDP bind; None on timeout or once the program has exited without
        one (returns early then). With `within`, `timeout` counts only the time the program could
        run: what its threads spent waiting for a core on a busy machine is added on, up to `within`
        seconds in all, so a slow start is judged alike however loaded the machine is."""
        started, delayed = time.monotonic(), procfs.run_delay_ns(self.pid)
        limit, starved = timeout, 0.0
        while True:
            left = max(0.0, started + limit - time.monotonic())
            with self._cond:
                if self._wait_until(lambda: bool(self.bindings), min(left, STARVED_LOOK) if within else left):
                    return self.bindings[0]
            if within is None or self._exited.is_set() or self.waits_for_typing():
                return None
            # A thread that ends takes its delay with it: the most seen so far counts.
            starved = max(starved, (procfs.run_delay_ns(self.pid) - delayed) / 1e9)
            limit = min(timeout + starved, within)
            if time.monotonic() - started >= limit:
                return None

    def waits_for_typing(self) -> bool:
        """Every thread is blocked, one of them reading the console, and nothing typed is unread: the
        program does nothing more until someone types (False where threads cannot be seen)."""
        if not self.alive() or self.stdin_pending():
            return False
        first = syscalls.blocked(self.pid)
        # (a line typed while the threads were looked at would be pending now)
        return (first is not None and ("fd", 0) in first[1] and syscalls.still_blocked(self.pid, first)
                and not self.stdin_pending())

    def wait_events(self, predicate: Callable[[list[tuple[str, ...]]], bool], timeout: float) -> bool:
        """Wait until predicate(events()) is true, re-checked at every event; False on timeout or once
        the program has exited without it."""
        with self._cond:
            return self._wait_until(lambda: predicate(list(self._events)), timeout)

    def wait_output(self, text: str, timeout: float) -> bool:
        """True once `text` appears in the captured output (head or tail); False on timeout or once
        the program has exited without printing it."""
        return self._wait_or_stop_early(lambda: text in self._capture.text(), timeout)

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
            ticks += procfs.session_ticks(self.pid)
        return ticks / procfs.CLOCK_TICKS

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
            drain(self._stacks_r)
            try:
                os.kill(self.pid, signal.SIGRTMIN + _STACKS_SIGNAL)
            except OSError:
                return None
            dump = read_dump(self._stacks_r, _STACKS_PATIENCE)
        return main_thread_place(dump.decode("utf-8", "replace"), self.workdir)

    def traceback(self) -> str | Msg | None:
        """The program's last traceback, shortened (its own text, a str); or why the grader killed
        it, a Msg for the student (a limit)."""
        if self.kill_reason:
            return self.kill_reason
        shown = shorten_traceback(self.output(), self.workdir)
        if shown is None and self._returncode == -signal.SIGXCPU:
            return cpu_message(self.limits)
        return shown

    # -- stdin ----------------------------------------------------------------------------------

    def write_stdin(self, text: str) -> None:
        """Write to the program's stdin (start(..., stdin=True)); see Stdin.write."""
        if not self._has_stdin:
            raise ValueError("the program was started without stdin=True")
        self._stdin.write(text)

    def stdin_pending(self) -> int:
        """Bytes written to the program's stdin that it has not read yet."""
        return self._stdin.pending()

    def close_stdin(self) -> None:
        self._stdin.close()

    # -- ending ---------------------------------------------------------------------------------

    def _kill_all(self) -> None:
        kill_all(self.pid, str(self.workdir), leader_reaped=self._exited.is_set())

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
            self._exited.wait(KILL_PATIENCE)
            self.close_stdin()
            for thread in self._threads:
                # A reader stays blocked only if a process that escaped (setsid() and a new
                # environment) holds the pipe; it is a daemon thread and is left behind.
                thread.join(1.0)
        except Exception:
            pass
        remove_tree(self.workdir)
        with self._stacks_lock:
            if self._stacks_r is not None:
                os.close(self._stacks_r)
                self._stacks_r = None
        _live_programs.discard(self)

    def __enter__(self) -> "Program":
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop()


def start(source_dir: Path, script: str, args: Sequence[str] = (), *,
          redirect: tuple[str, int] | None = None, stdin: bool = False,
          limits: Limits = Limits(), stop_early: Callable[[], bool] | None = None,
          python: str | None = None) -> Program:
    """Copy source_dir into a fresh temp dir, run `python <script> <args>` there (script is relative
    to source_dir) under the shim. redirect=None: server mode. redirect=(host, port): client mode:
    every TCP connect() and every UDP sendto()/connect() of the program goes to that address instead
    of the hard-coded one. stop_early: see Program. python: the interpreter (a path; default the
    grader's own, sys.executable), 3.10 or newer: the boot is standard library only.

    The whole of source_dir is copied (minus __pycache__ and .git): pass the submission's own folder,
    not a folder of many submissions. Raises FileNotFoundError if the script is not there."""
    source_dir = Path(source_dir)
    if not (source_dir / script).is_file():
        raise FileNotFoundError(errno.ENOENT, "no such script", str(source_dir / script))
    workdir = Path(tempfile.mkdtemp(prefix="chatgrader-"))
    try:
        shutil.copytree(source_dir, workdir, symlinks=True, dirs_exist_ok=True,
                        ignore=shutil.ignore_patterns("__pycache__", ".git"))
        return Program(workdir, script, args, redirect, stdin, limits, stop_early, python)
    except BaseException:
        remove_tree(workdir)
        raise


@atexit.register
def _stop_all() -> None:
    # A grader interrupted half-way must not leave student servers behind.
    for program in list(_live_programs):
        program.stop()

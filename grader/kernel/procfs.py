"""Processes and their threads, read from Linux /proc; and the rows of its socket tables (/proc/net).

Every reader tolerates processes and threads that end while it looks: what is gone is skipped (or
read as None), never an error. One parser reads every stat file, of a process or of a thread.
"""
from __future__ import annotations

import os
from typing import Iterator, NamedTuple

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")   # the unit of the CPU times in a stat file
_GONE = ("Z", "X")                        # zombie, dead: ended, not yet (or being) reaped


class Stat(NamedTuple):
    """The fields of /proc/PID/stat (or of one thread's, /proc/PID/task/TID/stat) the grader uses."""
    pid: int
    state: str      # "R" running or runnable, "S" asleep, "D" in the disk, "Z" zombie...
    session: int
    ticks: int      # user + system CPU in clock ticks, children already reaped included


def parse_stat(pid: int, data: bytes) -> Stat | None:
    # The command name is in parentheses and may itself contain spaces and parentheses.
    fields = data[data.rfind(b")") + 2:].split()
    try:
        return Stat(pid, fields[0].decode(), int(fields[3]),
                    int(fields[11]) + int(fields[12]) + int(fields[13]) + int(fields[14]))
    except (IndexError, ValueError):
        return None


def _read(path: str) -> bytes | None:
    try:
        with open(path, "rb") as f:
            return f.read()
    except OSError:
        return None


def stat(pid: int, tid: int | str | None = None) -> Stat | None:
    """The stat of process `pid`, or of its thread `tid`; None once it is gone."""
    data = _read(f"/proc/{pid}/stat" if tid is None else f"/proc/{pid}/task/{tid}/stat")
    return None if data is None else parse_stat(pid if tid is None else int(tid), data)


def processes() -> Iterator[Stat]:
    """The stat of every process of the machine (zombies included)."""
    for name in os.listdir("/proc"):
        if name.isdigit():
            found = stat(int(name))
            if found is not None:
                yield found


def session_processes(sid: int) -> list[int]:
    """Pids of the live (not zombie) processes of session `sid`, this process excepted."""
    return [p.pid for p in processes() if p.session == sid and p.state not in _GONE and p.pid != os.getpid()]


def session_ticks(sid: int) -> int:
    """CPU clock ticks of the processes of session `sid` now in /proc (zombies included)."""
    return sum(p.ticks for p in processes() if p.session == sid)


def processes_with_env(name: str, value: str) -> list[int]:
    """Pids of the live processes, this one excepted, whose environment holds name=value (a mark
    they inherited, kept even by a process that left its session)."""
    needle = f"{name}={value}".encode()
    found = []
    for p in processes():
        if p.state in _GONE or p.pid == os.getpid():
            continue
        environ = _read(f"/proc/{p.pid}/environ")
        if environ is not None and needle in environ.split(b"\0"):
            found.append(p.pid)
    return found


def threads(pid: int) -> list[str]:
    """The thread ids of process `pid` (as in /proc/PID/task); empty once it is gone."""
    try:
        return os.listdir(f"/proc/{pid}/task")
    except OSError:
        return []


def thread_count(pid: int) -> int:
    """How many threads process `pid` has now (0 once it is gone)."""
    return len(threads(pid))


def thread_file(pid: int, tid: int | str, name: str) -> bytes | None:
    """/proc/PID/task/TID/`name` (stat, schedstat, syscall, children, status...); None once gone."""
    return _read(f"/proc/{pid}/task/{tid}/{name}")


def thread_files(pid: int, name: str) -> Iterator[bytes]:
    """The file `name` of every live thread of `pid` (threads that end meanwhile are skipped)."""
    for tid in threads(pid):
        data = thread_file(pid, tid, name)
        if data is not None:
            yield data


def runnable(pid: int) -> bool:
    """Whether a thread of process `pid` is running or waiting for a core (state R)."""
    for data in thread_files(pid, "stat"):
        found = parse_stat(pid, data)
        if found is not None and found.state == "R":
            return True
    return False


class Sched(NamedTuple):
    """One thread's /proc/PID/task/TID/schedstat, in nanoseconds since the thread started."""
    cpu_ns: int         # time on a core
    run_delay_ns: int   # time runnable but waiting for a core: what a loaded machine takes from it


def schedstats(pid: int) -> dict[str, Sched]:
    """The Sched of every live thread of `pid`, by thread id (threads that end meanwhile are skipped)."""
    found = {}
    for tid in threads(pid):
        data = thread_file(pid, tid, "schedstat")
        try:
            fields = data.split() if data is not None else []
            found[tid] = Sched(int(fields[0]), int(fields[1]))
        except (ValueError, IndexError):
            continue
    return found


def cpu_ns(pid: int) -> int:
    """CPU time of all the live threads of `pid` in nanoseconds (schedstat: finer than the 10 ms
    ticks of a stat file)."""
    return sum(s.cpu_ns for s in schedstats(pid).values())


def run_delay_ns(pid: int) -> int:
    """Time the live threads of `pid` have spent runnable but waiting for a core, in nanoseconds."""
    return sum(s.run_delay_ns for s in schedstats(pid).values())


def socket_inode(pid: int, fd: int) -> int | None:
    """The inode of the socket that is file descriptor `fd` of `pid`; None if it is not a socket."""
    try:
        target = os.readlink(f"/proc/{pid}/fd/{fd}")
    except OSError:
        return None
    return int(target[8:-1]) if target.startswith("socket:[") else None


def socket_table(*tables: str) -> Iterator[list[str]]:
    """The rows of /proc/net socket tables (tcp, tcp6, udp...: one socket a row, its fields split),
    the header left out; a table that cannot be read gives none."""
    for table in tables:
        try:
            with open(f"/proc/net/{table}") as f:
                next(f, None)
                rows = [line.split() for line in f]
        except OSError:
            continue
        yield from rows

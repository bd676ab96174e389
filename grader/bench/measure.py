"""What the load benchmark measures besides deliveries: the server's CPU, context switches and peak
memory (/proc), the load side's own CPU, and the rest of the machine (so that a noisy run shows)."""
from __future__ import annotations

import resource
import time
from collections import Counter

from ..kernel import procfs


def switches(pid: int) -> int:
    """Context switches of all the threads of `pid` so far: a server that spends its time handing
    the GIL and its locks from thread to thread shows it here."""
    total = 0
    for status in procfs.thread_files(pid, "status"):
        for line in status.splitlines():
            if b"ctxt_switches:" in line:   # voluntary and nonvoluntary
                try:
                    total += int(line.split()[1])
                except (ValueError, IndexError):
                    continue
    return total


def peak_rss_mib(pid: int) -> float:
    """The peak resident memory of `pid` (VmHWM) in MiB; 0 once it is gone."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except (OSError, ValueError, IndexError):
        pass
    return 0.0


def machine_busy() -> float:
    """CPU seconds all processes of the machine have used since boot (/proc/stat)."""
    try:
        with open("/proc/stat") as f:
            fields = [int(x) for x in f.readline().split()[1:]]
    except (OSError, ValueError):
        return 0.0
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)   # idle + iowait
    return (sum(fields[:8]) - idle) / procfs.CLOCK_TICKS


def own_cpu() -> float:
    """CPU seconds this process (the load side) has used."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def wait_for_quiet(limit: float, share: float = 0.2, window: float = 0.5) -> float:
    """Wait (at most `limit` s) until the rest of the machine uses less than `share` of one core over
    `window` s, so that a run does not start in the middle of somebody's test suite. Returns the
    share last seen (in % of a core)."""
    deadline = time.monotonic() + limit
    while True:
        busy, own, started = machine_busy(), own_cpu(), time.monotonic()
        time.sleep(window)
        others = max(0.0, machine_busy() - busy - (own_cpu() - own)) / (time.monotonic() - started)
        if others < share or time.monotonic() >= deadline:
            return others * 100


def raise_file_limit(needed: int) -> None:
    """Let this process open `needed` files (one socket per user), as far as the hard limit allows."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and soft < needed:
        new = needed if hard == resource.RLIM_INFINITY else min(needed, hard)
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (new, hard))
        except (ValueError, OSError):
            pass


def percentiles(hist: Counter, qs: tuple[float, ...]) -> list[float]:
    """The values at quantiles `qs` of a histogram (value -> count); 0 for an empty one."""
    total = sum(hist.values())
    if not total:
        return [0.0 for _ in qs]
    out, keys = [], sorted(hist)
    for q in qs:
        rank, seen = max(1, -(-q * total // 1)), 0
        for k in keys:
            seen += hist[k]
            if seen >= rank:
                out.append(float(k))
                break
    return out

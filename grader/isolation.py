"""Isolation by the kernel: a network of its own for each grading, and what guards the filesystem.

Two layers sit under the socket shim (grader/shim/boot.py), which stays as the second line of
defence and as the only one on systems without them:

- Network: `enter_network_namespace()` moves the grading process, before it starts a thread or a
  program, into a new user + network namespace whose only interface is its own loopback. Everything
  the grading starts (the student's server and clients, the relays, the scripted users) lives there,
  so no student code can reach a service the teacher runs on 127.0.0.1, and two gradings of a class
  (one child process each) cannot see each other. /proc and sock_diag keep working: they answer
  about the namespace of the process that asks, which is the grading's own.
- Filesystem: Landlock, applied by the boot shim in each student process before the student's code
  runs (it can only restrict the process that asks, and its children). The shim restricts writes
  to the program's temporary copy and /dev/null, reads to what Python needs, and, where the kernel's
  Landlock has the network part (ABI 4), TCP bind and connect to what the grading needs.
  `landlock_abi()` tells the grader what the shim will be able to do.

Chosen over bubblewrap: both need unprivileged user namespaces for the network, but Landlock needs no
program that may be missing, works per process (so the grader's own relays and scripted users stay
outside the file rules), and costs a few system calls; bwrap would add a process and a mount
namespace to every start of a student program.
"""
from __future__ import annotations

import ctypes
import errno
import fcntl
import os
import socket
import struct
import sys
from dataclasses import dataclass

from .messages import Msg, Parts

CLONE_NEWUSER = 0x10000000
CLONE_NEWNET = 0x40000000
SIOCGIFFLAGS = 0x8913
SIOCSIFFLAGS = 0x8914
IFF_UP = 0x1
# The same numbers on every architecture (system calls added after the tables were unified).
SYS_LANDLOCK_CREATE_RULESET = 444
LANDLOCK_CREATE_RULESET_VERSION = 1
# A grader run with this variable set to 1 keeps the machine's network (to test the fallback).
NO_NAMESPACE_ENV = "GRADER_NO_NAMESPACE"


@dataclass(frozen=True)
class Isolation:
    network: str              # "namespace" or "shim"
    filesystem: str           # "landlock" or "none"
    weaker: Parts | None = None  # why it is weaker than this machine's best, if it is

    def as_json(self) -> dict:
        return {"network": self.network, "filesystem": self.filesystem}


def _libc() -> ctypes.CDLL | None:
    try:
        # The interpreter itself is linked with libc; find_library() would run ldconfig (100+ ms).
        return ctypes.CDLL(None, use_errno=True)
    except OSError:
        return None


def landlock_abi() -> int:
    """The kernel's Landlock ABI version (0: none, or not Linux)."""
    libc = _libc()
    if libc is None or not sys.platform.startswith("linux"):
        return 0
    abi = libc.syscall(SYS_LANDLOCK_CREATE_RULESET, None, ctypes.c_size_t(0),
                       ctypes.c_uint32(LANDLOCK_CREATE_RULESET_VERSION))
    return max(0, abi)


def _write(path: str, text: str) -> None:
    with open(path, "w") as f:
        f.write(text)


def _loopback_up() -> None:
    # struct ifreq: the interface's name, then (for these two requests) its flags; 40 bytes in all.
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        reply = fcntl.ioctl(s.fileno(), SIOCGIFFLAGS, struct.pack("16sh22x", b"lo", 0))
        flags = struct.unpack_from("16sh", reply)[1]
        fcntl.ioctl(s.fileno(), SIOCSIFFLAGS, struct.pack("16sh22x", b"lo", flags | IFF_UP))


def enter_network_namespace() -> str | None:
    """Move this process into a new network namespace (in a new user namespace unless it is root)
    with its loopback up. Must be called while the process has one thread. Returns None on success,
    else why not (an errno name, for the report)."""
    if os.environ.get(NO_NAMESPACE_ENV) == "1":
        return "disabled"
    libc = _libc()
    if libc is None or not sys.platform.startswith("linux"):
        return "not Linux"
    uid, gid = os.getuid(), os.getgid()
    # A user namespace even for root: its capabilities then hold inside only, so student code run as
    # root cannot setns() back into the machine's network.
    if libc.unshare(CLONE_NEWUSER | CLONE_NEWNET) != 0:
        return errno.errorcode.get(ctypes.get_errno(), "error")
    try:
        # The same ids inside as outside: files keep their owners, student code gains nothing.
        _write("/proc/self/setgroups", "deny")
        _write("/proc/self/uid_map", f"{uid} {uid} 1")
        _write("/proc/self/gid_map", f"{gid} {gid} 1")
        _loopback_up()
    except OSError as e:
        # Half-way in: a namespace without loopback would fail every grading, which is worse.
        raise OSError(e.errno, f"cannot bring up loopback in the grading's namespace: {e.strerror}") from None
    return None


def describe(network_problem: str | None, applied: list[tuple[str, str]]) -> Isolation:
    """What was in force: `network_problem` is enter_network_namespace()'s answer (None: in force),
    `applied` what the shim of each student program reported: ("landlock", abi) or ("none", why)."""
    network = "namespace" if network_problem is None else "shim"
    # No program run (code that does not compile): what would have been in force.
    landlock = all(kind == "landlock" for kind, _ in applied) if applied else landlock_abi() >= 1
    reasons = Parts()
    if network_problem == "disabled":
        reasons.append(Msg("isolation.disabled", env=NO_NAMESPACE_ENV))
    elif network_problem not in (None, "not Linux"):
        reasons.append(Msg("isolation.no_namespace", why=network_problem))
    failed = next((why for kind, why in applied if kind != "landlock"), None)
    if failed is not None and failed != "off" and sys.platform.startswith("linux"):
        abi = landlock_abi()
        reasons.append(Msg("isolation.not_applied", why=failed) if abi else Msg("isolation.no_landlock"))
    return Isolation(network, "landlock" if landlock else "none", reasons or None)

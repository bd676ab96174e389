"""Boot shim: the first code of every sandboxed student program (see grader/sandbox.py).

Run as ``python -S boot.py SCRIPT ARGS...`` with the environment variable GRADER_SHIM holding a JSON
object written by grader.sandbox (events fd, redirect address, limits). It applies the resource limits,
patches the ``socket`` module, then runs SCRIPT as ``__main__`` the way ``python SCRIPT ARGS...``
would.

Socket rules (AF_INET and AF_INET6 only; AF_UNIX and everything else is untouched):
- every bind() lands on the loopback address with port 0, whatever the student asked, so a hard-coded
  0.0.0.0:5555 never opens a port to the network and two gradings never clash;
- listen() of a TCP socket and bind() of a UDP socket are reported to the grader with the real port;
- server mode: connect()/sendto() to a loopback address pass (to the real port if it is one the
  program itself asked to bind); anything else is refused (connect) or silently dropped (sendto, as
  UDP would) and reported as "blocked". Loopback is the grading's own where grader.isolation could
  give it a network namespace; elsewhere it is the machine's;
- client mode (a redirect address is set): every TCP connect() and every UDP connect()/sendto() goes
  to the redirect address instead of the hard-coded one;
- name look-ups never leave the machine: "localhost" and this machine's own hostname resolve to the
  loopback address; other names resolve to the loopback address in client mode (the connection is
  redirected anyway) and fail in server mode.

Events go to the grader one JSON array per line through an inherited pipe; writes are non-blocking and
best-effort, so a grader that stopped reading can never stall the student's program.

This file imports only the standard library and is run as a script, not imported: keep it
self-contained, and keep other .py files out of its directory (it is sys.path[0] until the student's
script directory replaces it).
"""
import errno
import faulthandler
import fcntl
import json
import os
import resource
import runpy
import signal
import socket
import sys
from struct import pack as struct_pack
import threading
import weakref

_CONFIG_ENV = "GRADER_SHIM"
# Threads reserve their whole stack as address space; 8 MiB each would exhaust RLIMIT_AS at about a
# hundred threads. 1 MiB still gives Python's default recursion limit plenty of room (512 KiB is
# enough on 3.10/3.11 too, but with less margin).
_THREAD_STACK = 1 << 20
# RLIMIT_NPROC counts every thread of the user, not only processes; without this headroom a
# non-root teacher with a browser open would leave the student's server unable to start a thread.
_THREAD_HEADROOM = 1024
_FIELD_MAX = 200

_events_fd = None
_redirect = None
_max_processes = None
_limits = {}
_stdin_open = True
# Held around "count the session, then fork" so that processes forking at the same time cannot all
# see room for one more: a POSIX record lock on a file every process of the session shares (it
# excludes other processes; a forked child does not inherit it), plus a thread lock within one.
_spawn_fd = None
_spawn_threads = threading.Lock()
_reported = set()
_requested = weakref.WeakKeyDictionary()
# (socket type, port the student asked for) -> the real port, so that a program reaching its own
# hard-coded port on loopback (a wake-up connect, a client thread in the server) reaches itself.
_own_ports = {}
_INET = (socket.AF_INET, socket.AF_INET6)
_REFUSED = object()
_LOCAL_NAMES = {"", "localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback"}


def _report(*fields):
    if _events_fd is None:
        return
    line = json.dumps([str(f)[:_FIELD_MAX] for f in fields]) + "\n"
    try:
        os.write(_events_fd, line.encode("utf-8", "replace"))
    except OSError:
        pass


def _report_once(*fields):
    # A student loop that retries a blocked connect must not flood the pipe.
    if fields not in _reported:
        _reported.add(fields)
        _report(*fields)


# ---------------------------------------------------------------------------------------------
# resource limits

def _set_limit(which, soft, hard=None):
    hard = soft if hard is None else hard
    _, cur_hard = resource.getrlimit(which)
    if cur_hard != resource.RLIM_INFINITY:
        # An unprivileged process cannot raise its hard limit: never ask for more than we have.
        soft, hard = min(soft, cur_hard), min(hard, cur_hard)
    try:
        resource.setrlimit(which, (soft, hard))
    except (ValueError, OSError) as exc:
        sys.stderr.write(f"grader shim: cannot set resource limit {which}: {exc}\n")


def _tasks_of_user(uid):
    count = 0
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            if os.stat(f"/proc/{name}").st_uid != uid:
                continue
            with open(f"/proc/{name}/stat", "rb") as f:
                fields = f.read().rsplit(b")", 1)[1].split()
            count += int(fields[17])  # num_threads
        except (OSError, IndexError, ValueError):
            continue
    return count


def _apply_limits(limits):
    _set_limit(resource.RLIMIT_CPU, limits["cpu_seconds"], limits["cpu_seconds"] + 1)
    _set_limit(resource.RLIMIT_AS, limits["memory_bytes"])
    _set_limit(resource.RLIMIT_NOFILE, limits["open_files"])
    _set_limit(resource.RLIMIT_FSIZE, limits["file_size"])
    _set_limit(resource.RLIMIT_CORE, 0)
    # RLIMIT_NPROC counts every task of the user on the machine. The kernel does not enforce it for
    # root in the machine's own user namespace, but does inside the grading's (grader.isolation).
    uid = os.getuid()
    _set_limit(resource.RLIMIT_NPROC, _tasks_of_user(uid) + limits["processes"] + _THREAD_HEADROOM)


# ---------------------------------------------------------------------------------------------
# Landlock: the program may write only into its working copy (and /dev/null), read only what Python
# and the system need, and, where the kernel can (ABI 4), bind TCP only to the port the kernel
# chooses and, in client mode, connect only to the grader's relay. It also may not signal processes
# outside its own (ABI 6): the grader's, the teacher's. Applied before the student's first line runs;
# it holds for every thread and child of the program and cannot be lifted.

_SYS_CREATE_RULESET, _SYS_ADD_RULE, _SYS_RESTRICT_SELF = 444, 445, 446   # every architecture
_PR_SET_NO_NEW_PRIVS = 38
_RULE_PATH_BENEATH, _RULE_NET_PORT = 1, 2
_FS_EXECUTE, _FS_WRITE_FILE, _FS_READ_FILE, _FS_READ_DIR = 1 << 0, 1 << 1, 1 << 2, 1 << 3
_FS_TRUNCATE, _FS_IOCTL_DEV = 1 << 14, 1 << 15
_NET_BIND_TCP, _NET_CONNECT_TCP = 1 << 0, 1 << 1
_SCOPES = 1 << 0 | 1 << 1   # abstract unix sockets and signals of other domains
# Read (and execute) only: the interpreter and what it loads, the system's libraries and settings.
_READ_ROOTS = ("/usr", "/lib", "/lib64", "/lib32", "/bin", "/sbin", "/etc", "/dev", "/proc", "/sys")


def _landlock_rights(abi):
    """Every filesystem right this ABI knows (all of them are then denied unless a rule allows)."""
    rights = (1 << 13) - 1                      # ABI 1: EXECUTE .. MAKE_SYM
    for since, bit in ((2, 1 << 13), (3, _FS_TRUNCATE), (5, _FS_IOCTL_DEV)):
        if abi >= since:
            rights |= bit
    return rights


def _landlock(workdir, redirect_port):
    """Apply the rules; returns the ABI in force, or raises OSError saying why not."""
    import ctypes
    libc = ctypes.CDLL(None, use_errno=True)

    def call(*args):
        result = libc.syscall(*args)
        if result < 0:
            err = ctypes.get_errno()
            raise OSError(err, os.strerror(err))
        return result

    abi = call(_SYS_CREATE_RULESET, None, ctypes.c_size_t(0), ctypes.c_uint32(1))
    fs = _landlock_rights(abi)
    net = _NET_BIND_TCP | (_NET_CONNECT_TCP if redirect_port else 0) if abi >= 4 else 0
    attr = struct_pack("=QQQ", fs, net, _SCOPES if abi >= 6 else 0)
    size = 24 if abi >= 6 else 16 if abi >= 4 else 8
    ruleset = call(_SYS_CREATE_RULESET, ctypes.c_char_p(attr), ctypes.c_size_t(size), ctypes.c_uint32(0))
    file_rights = _FS_EXECUTE | _FS_WRITE_FILE | _FS_READ_FILE | (fs & (_FS_TRUNCATE | _FS_IOCTL_DEV))
    read_rights = _FS_EXECUTE | _FS_READ_FILE | _FS_READ_DIR | (fs & _FS_IOCTL_DEV)
    python = {os.path.realpath(p) for p in (sys.prefix, sys.base_prefix, sys.exec_prefix,
                                            os.path.dirname(sys.executable))}
    rules = [(workdir, fs), ("/dev/null", file_rights)]
    rules += [(p, read_rights) for p in (*_READ_ROOTS, *python, os.path.dirname(os.path.abspath(__file__)))]
    try:
        for path, rights in rules:
            try:
                fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
            except OSError:
                continue   # /lib32 and the like are not everywhere
            try:
                if not os.path.isdir(path):
                    rights &= file_rights
                call(_SYS_ADD_RULE, ruleset, _RULE_PATH_BENEATH, ctypes.c_char_p(struct_pack("=Qi", rights, fd)),
                     ctypes.c_uint32(0))
            finally:
                os.close(fd)
        # The shim binds every TCP socket to port 0 (the kernel chooses); a connect to the relay.
        ports = [(_NET_BIND_TCP, 0)] + ([(_NET_CONNECT_TCP, redirect_port)] if redirect_port else [])
        for right, port in ports if net else ():
            call(_SYS_ADD_RULE, ruleset, _RULE_NET_PORT, ctypes.c_char_p(struct_pack("=QQ", right, port)),
                 ctypes.c_uint32(0))
        if libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_SET_NO_NEW_PRIVS) failed")
        call(_SYS_RESTRICT_SELF, ruleset, ctypes.c_uint32(0))
    finally:
        os.close(ruleset)
    return abi


def _restrict_filesystem(enabled):
    if not enabled or not sys.platform.startswith("linux"):
        _report("isolation", "none", "off")
        return
    try:
        abi = _landlock(os.getcwd(), _redirect[1] if _redirect else 0)
    except (OSError, AttributeError, ValueError) as exc:
        _report("isolation", "none", getattr(exc, "strerror", None) or exc)
        return
    _report("isolation", "landlock", abi)


# ---------------------------------------------------------------------------------------------
# process count guard (works for root too, unlike RLIMIT_NPROC; best effort: a process started
# by other means, e.g. ctypes, is not counted before it exists)

def _session_size():
    sid = os.getsid(0)
    count = 0
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", "rb") as f:
                fields = f.read().rsplit(b")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if len(fields) > 3 and fields[0] not in (b"Z", b"X") and int(fields[3]) == sid:
            count += 1
    return count


def _check_room(what):
    if _session_size() >= _max_processes:
        _report("refused", what, _max_processes)
        raise BlockingIOError(
            errno.EAGAIN,
            f"Resource temporarily unavailable (the grader allows at most {_max_processes} processes)")


class _SpawnLock:
    def __enter__(self):
        _spawn_threads.acquire()
        self.locked = False
        if _spawn_fd is not None:
            try:
                fcntl.lockf(_spawn_fd, fcntl.LOCK_EX)
                self.locked = True
            except OSError:
                pass  # the program closed the descriptor: the count is racy, not absent
        return self

    def __exit__(self, *exc_info):
        # In a forked child this releases a lock it never held, which is harmless: the parent's
        # lock is its own and ends with its __exit__.
        if self.locked:
            try:
                fcntl.lockf(_spawn_fd, fcntl.LOCK_UN)
            except OSError:
                pass
        _spawn_threads.release()


def _guarded(what, real):
    def guarded(*args, **kwargs):
        if what == "system":
            # system() returns only when the command ends: holding the lock that long would stop
            # every other process of the session from starting one.
            with _SpawnLock():
                _check_room(what)
            return real(*args, **kwargs)
        with _SpawnLock():
            _check_room(what)
            # The new process is in /proc when this returns, so the next count sees it.
            return real(*args, **kwargs)
    guarded.__name__ = getattr(real, "__name__", what)
    guarded.__doc__ = getattr(real, "__doc__", None)
    return guarded


def _open_spawn_lock():
    global _spawn_fd
    try:
        # An anonymous file: nothing on disk for the program to delete, closed on exec.
        _spawn_fd = os.memfd_create("grader-spawn-lock")
    except (AttributeError, OSError):
        _spawn_fd = None


def _patch_processes():
    for name in ("fork", "forkpty", "system", "posix_spawn", "posix_spawnp"):
        if hasattr(os, name):
            setattr(os, name, _guarded(name, getattr(os, name)))
    # subprocess and multiprocessing's spawn/forkserver start processes through
    # _posixsubprocess.fork_exec; Python 3.11's subprocess binds it by name at import time, which has
    # not happened yet (checked below), so patching the C module's attribute covers both.
    import _posixsubprocess
    _posixsubprocess.fork_exec = _guarded("subprocess", _posixsubprocess.fork_exec)
    sub = sys.modules.get("subprocess")
    if sub is not None and hasattr(sub, "_fork_exec"):
        sub._fork_exec = _posixsubprocess.fork_exec


# ---------------------------------------------------------------------------------------------
# addresses

def _inet_address(sock, address):
    """(host, port) if `address` is a well-formed address for this inet socket, else None: then the
    real method runs unchanged and the student sees Python's own error for a malformed address."""
    try:
        family = sock.family
    except OSError:
        return None
    if family not in _INET or not isinstance(address, tuple):
        return None
    if not (len(address) == 2 if family == socket.AF_INET else 2 <= len(address) <= 4):
        return None
    host, port = address[0], address[1]
    if isinstance(host, (bytes, bytearray)):
        try:
            host = bytes(host).decode("ascii")
        except UnicodeDecodeError:
            return None
    if not isinstance(host, str) or not isinstance(port, int) or not 0 <= port <= 65535:
        return None
    return host, port


def _loopback_v4(packed):
    return packed[0] == 127 or packed == b"\0\0\0\0"


def _numeric_loopback(host):
    """For a numeric address: "v4"/"v6" if it is this machine (loopback or unspecified), "other" if
    it is numeric but elsewhere, None if it is not numeric."""
    try:
        return "v4" if _loopback_v4(socket.inet_pton(socket.AF_INET, host)) else "other"
    except (OSError, ValueError):
        pass
    try:
        packed = socket.inet_pton(socket.AF_INET6, host.split("%", 1)[0])
    except (OSError, ValueError):
        return None
    if packed in (b"\0" * 15 + b"\1", b"\0" * 16):
        return "v6"
    if packed[:12] == b"\0" * 10 + b"\xff\xff" and _loopback_v4(packed[12:]):
        return "v4"
    return "other"


def _is_local_name(host):
    name = host.strip().rstrip(".").lower()
    return name in _LOCAL_NAMES or name.endswith(".localhost")


def _local_target(host, family):
    """The numeric loopback address that `host` stands for on a socket of `family`, or None if host
    may be anywhere else. The caller connects to this address, never to the student's spelling, so
    the C resolver cannot see it differently from us."""
    kind = _numeric_loopback(host)
    if kind is None:
        kind = "v4" if _is_local_name(host) else "other"
    if kind == "other":
        return None
    if family == socket.AF_INET:
        return "127.0.0.1" if kind == "v4" else None
    return "::1" if kind == "v6" else "::ffff:127.0.0.1"


def _redirect_target(sock):
    host, port = _redirect
    if sock.family == socket.AF_INET6 and _numeric_loopback(host) is not None and ":" not in host:
        host = "::ffff:" + host
    return (host, port)


# ---------------------------------------------------------------------------------------------
# socket methods

_real_bind = socket.socket.bind
_real_listen = socket.socket.listen
_real_connect = socket.socket.connect
_real_connect_ex = socket.socket.connect_ex
_real_sendto = socket.socket.sendto
_real = {name: getattr(socket, name) for name in (
    "getaddrinfo", "gethostbyname", "gethostbyname_ex", "gethostbyaddr", "getnameinfo")}


def _bind_loopback(sock):
    if sock.family == socket.AF_INET:
        _real_bind(sock, ("127.0.0.1", 0))
        return
    try:
        # The v4-mapped loopback keeps a dual-stack socket reachable at 127.0.0.1, where the grader
        # connects; an IPV6_V6ONLY socket cannot take it and gets ::1.
        _real_bind(sock, ("::ffff:127.0.0.1", 0))
    except OSError:
        _real_bind(sock, ("::1", 0))


def _unbound(sock):
    try:
        return sock.getsockname()[1] == 0
    except (OSError, IndexError, TypeError):
        return False


def _ensure_bound(sock):
    # An unbound socket would be auto-bound by the kernel to the wildcard address, reachable from
    # the network.
    if _unbound(sock):
        try:
            _bind_loopback(sock)
        except OSError:
            pass


def bind(self, *args):
    address = _inet_address(self, args[0]) if len(args) == 1 else None
    if address is None:
        return _real_bind(self, *args)
    _bind_loopback(self)
    _requested[self] = address
    if address[1]:
        _own_ports[(self.type, address[1])] = self.getsockname()[1]
    if self.type == socket.SOCK_DGRAM:
        _report("bind", "udp", self.getsockname()[1], *address)


def listen(self, *args):
    try:
        tcp = self.family in _INET and self.type == socket.SOCK_STREAM
    except OSError:
        tcp = False
    if tcp and _unbound(self):
        _bind_loopback(self)
    result = _real_listen(self, *args)
    if tcp:
        host, port = _requested.get(self, ("", 0))
        _report("listen", "tcp", self.getsockname()[1], host, port)
    return result


def _route(sock, operation, address):
    """Where a connect/sendto to `address` really goes: a new address, _REFUSED, or None to leave
    the call untouched."""
    parsed = _inet_address(sock, address)
    if parsed is None:
        return None
    host, port = parsed
    kind = sock.type
    if _redirect is not None and kind in (socket.SOCK_STREAM, socket.SOCK_DGRAM):
        _report_once("redirect", operation, host, port)
        if kind == socket.SOCK_DGRAM:
            _ensure_bound(sock)
        return _redirect_target(sock)
    local = _local_target(host, sock.family)
    if local is None:
        _report_once("blocked", operation, host, port)
        return _REFUSED
    if kind == socket.SOCK_DGRAM:
        _ensure_bound(sock)
    return (local, _own_ports.get((kind, port), port)) + tuple(address[2:])


def connect(self, *args):
    target = _route(self, "connect", args[0]) if len(args) == 1 else None
    if target is None:
        return _real_connect(self, *args)
    if target is _REFUSED:
        raise ConnectionRefusedError(errno.ECONNREFUSED, os.strerror(errno.ECONNREFUSED))
    return _real_connect(self, target)


def connect_ex(self, *args):
    target = _route(self, "connect", args[0]) if len(args) == 1 else None
    if target is None:
        return _real_connect_ex(self, *args)
    if target is _REFUSED:
        return errno.ECONNREFUSED
    return _real_connect_ex(self, target)


def sendto(self, data, *args):
    # sendto(data, address) or sendto(data, flags, address); a TCP socket ignores the address.
    if len(args) in (1, 2) and self.type != socket.SOCK_STREAM:
        target = _route(self, "sendto", args[-1])
        if target is _REFUSED:
            return len(memoryview(data))  # a lost datagram is what UDP would give anyway
        if target is not None:
            args = args[:-1] + (target,)
    return _real_sendto(self, data, *args)


# ---------------------------------------------------------------------------------------------
# name look-ups

def _is_numeric(host):
    if _numeric_loopback(host) is not None:
        return True
    try:
        socket.inet_aton(host)  # loose IPv4 forms such as "127.1" never reach DNS either
        return True
    except (OSError, ValueError):
        return False


def _lookup_host(host, want_v6=False):
    """The host the real resolver may be asked about, so that no query leaves the machine."""
    if isinstance(host, (bytes, bytearray)):
        try:
            host = bytes(host).decode("ascii")
        except UnicodeDecodeError:
            return host
    if not isinstance(host, str) or _is_numeric(host):
        return host
    loopback = "::1" if want_v6 else "127.0.0.1"
    if _is_local_name(host):
        return loopback
    if _redirect is not None:
        _report_once("redirect", "resolve", host)
        return loopback
    _report_once("blocked", "resolve", host)
    raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")


def getaddrinfo(host, port, family=0, type=0, proto=0, flags=0):
    if host is not None:
        host = _lookup_host(host, want_v6=family == socket.AF_INET6)
    return _real["getaddrinfo"](host, port, family, type, proto, flags)


def gethostbyname(*args):
    if len(args) == 1:
        args = (_lookup_host(args[0]),)
    return _real["gethostbyname"](*args)


def gethostbyname_ex(*args):
    if len(args) == 1:
        args = (_lookup_host(args[0]),)
    return _real["gethostbyname_ex"](*args)


def gethostbyaddr(*args):
    if len(args) == 1 and isinstance(args[0], str):
        host = args[0]
        kind = _numeric_loopback(host)
        if kind in ("v4", "v6") or (kind is None and _is_local_name(host)):
            return ("localhost", [], ["::1" if kind == "v6" else "127.0.0.1"])
        _report_once("blocked", "resolve", host)
        raise socket.herror(1, "Unknown host")
    return _real["gethostbyaddr"](*args)


def getnameinfo(*args):
    if len(args) == 2 and isinstance(args[0], tuple) and args[0] and isinstance(args[0][0], str) \
            and isinstance(args[1], int) and _numeric_loopback(args[0][0]) not in ("v4", "v6"):
        # A reverse look-up of a foreign address would ask DNS; the number itself is all we give.
        args = (args[0], (args[1] | socket.NI_NUMERICHOST) & ~socket.NI_NAMEREQD)
    return _real["getnameinfo"](*args)


def _patch_sockets():
    cls = socket.socket
    for function in (bind, listen, connect, connect_ex, sendto):
        function.__qualname__ = f"socket.{function.__name__}"
        function.__doc__ = getattr(cls, function.__name__).__doc__
        setattr(cls, function.__name__, function)
    for function in (getaddrinfo, gethostbyname, gethostbyname_ex, gethostbyaddr, getnameinfo):
        function.__doc__ = _real[function.__name__].__doc__
        setattr(socket, function.__name__, function)
    try:
        hostname = socket.gethostname().strip().rstrip(".").lower()
    except OSError:
        hostname = ""
    _LOCAL_NAMES.add(hostname)
    _LOCAL_NAMES.add(hostname.split(".", 1)[0])


# ---------------------------------------------------------------------------------------------
# running the script

def _explain(exc):
    """Add to an uncaught error's message the grader limit behind it, so that a student does not
    hunt for a bug in a program that only met the grader's walls."""
    try:
        if isinstance(exc, MemoryError):
            mib = _limits.get("memory_bytes", 0) >> 20
            said = exc.args[0] if exc.args and isinstance(exc.args[0], str) else "out of memory"
            exc.args = (f"{said} (the grader allows {mib} MiB of address space per process)",)
        elif isinstance(exc, EOFError) and not _stdin_open:
            exc.args = ((exc.args[0] if exc.args else "EOF")
                        + " (standard input is empty: nobody types into a program the grader runs)",)
        elif isinstance(exc, OSError) and exc.errno == errno.EFBIG and exc.strerror:
            exc.strerror += f" (the grader allows files of up to {_limits.get('file_size', 0) >> 20} MiB)"
        elif isinstance(exc, OSError) and exc.errno == errno.EMFILE and exc.strerror:
            exc.strerror += f" (the grader allows {_limits.get('open_files', 0)} open files)"
    except Exception:
        pass
    return exc


def _thread_excepthook(args, _original=threading.excepthook):
    if args.exc_value is not None:
        _explain(args.exc_value)
    _original(args)


def _is_shim_frame(frame):
    filename = frame.f_code.co_filename
    return filename in (__file__, runpy.__file__, "<frozen runpy>")


def _run(script, args):
    path = os.path.abspath(script)
    sys.argv = [script, *args]
    sys.path[0] = os.path.dirname(path)
    try:
        runpy.run_path(path, run_name="__main__")
    except (SystemExit, KeyboardInterrupt):
        raise
    except BaseException as exc:
        tb = exc.__traceback__
        while tb is not None and _is_shim_frame(tb.tb_frame):
            tb = tb.tb_next
        if tb is None:
            # Python prints no header without frames (e.g. a SyntaxError of the script itself); the
            # grader looks for the header to find the traceback.
            sys.stderr.write("Traceback (most recent call last):\n")
        # The hook prints the exception's own __traceback__, not the tb argument.
        sys.excepthook(type(exc), _explain(exc).with_traceback(tb), tb)
        sys.exit(1)


def main():
    global _events_fd, _redirect, _max_processes, _limits, _stdin_open
    if len(sys.argv) < 2:
        sys.exit("usage: boot.py SCRIPT [ARGS...] (started by grader.sandbox)")
    raw = os.environ.pop(_CONFIG_ENV, None)
    if raw is None:
        sys.exit(f"boot.py: {_CONFIG_ENV} is not set (started by grader.sandbox only)")
    config = json.loads(raw)
    _limits = config["limits"]
    _stdin_open = bool(config.get("stdin", True))
    _apply_limits(_limits)
    _max_processes = _limits["processes"]
    # A grader started in the background (`&`, nohup) hands its children SIGINT, SIGQUIT and SIGHUP
    # ignored: the student's program gets what a terminal gives it, Ctrl-C as KeyboardInterrupt.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    for sig in (signal.SIGQUIT, signal.SIGHUP):
        signal.signal(sig, signal.SIG_DFL)
    stacks_fd = config.get("stacks_fd")
    if stacks_fd is not None:
        try:
            # The grader asks where a program that never binds is stuck: on this signal (a real-time
            # one, which no student code uses), the stacks of all threads go to the grader's pipe.
            os.set_inheritable(stacks_fd, False)
            faulthandler.register(signal.SIGRTMIN + config.get("stacks_signal", 0), file=stacks_fd,
                                  all_threads=True, chain=False)
        except (OSError, ValueError, RuntimeError):
            pass
    fd = config.get("events_fd")
    if fd is not None:
        try:
            # Exec'd grandchildren must not hold the pipe open (the grader waits for its end); a
            # non-blocking write end means a full pipe drops an event instead of stalling the student.
            os.set_inheritable(fd, False)
            os.set_blocking(fd, False)
            _events_fd = fd
        except OSError:
            pass
    if config.get("redirect"):
        _redirect = (config["redirect"][0], int(config["redirect"][1]))
    # Started with -S so that only the standard library is importable; these builtins come from site
    # and student code uses them (exit() in a client's leave command).
    import site
    site.setquit()
    site.setcopyright()
    site.sethelper()
    threading.stack_size(_THREAD_STACK)
    threading.excepthook = _thread_excepthook
    _open_spawn_lock()
    _patch_processes()
    _patch_sockets()
    _restrict_filesystem(config.get("landlock", True))
    _report("start", os.getpid())
    _run(sys.argv[1], sys.argv[2:])


if __name__ == "__main__":
    main()

"""Helpers for the chat.py tests: a server subprocess and raw-socket chat clients.

Everything talks over real sockets on 127.0.0.1; the server listens on port 0 and the tests
read the real port from its first log line. Set CHAT_PYTHON to run the server and client
programs with another interpreter (e.g. Python 3.10).
"""

import fcntl
import os
import re
import signal
import socket
import struct
import subprocess
import sys
import termios
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CHAT = os.path.join(ROOT, "chat.py")
PYTHON = os.environ.get("CHAT_PYTHON", sys.executable)
HOST = "127.0.0.1"
LOG_LINE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d (.*)$")


class Output:
    """Collects the lines a subprocess writes to one stream, in a thread, so that the pipe
    never fills up, and lets a test wait for a line."""

    def __init__(self, stream):
        self.lines = []
        self.closed = False
        self.changed = threading.Condition()
        self.thread = threading.Thread(target=self._drain, args=(stream,), daemon=True)
        self.thread.start()

    def _drain(self, stream):
        for line in stream:
            with self.changed:
                self.lines.append(line.rstrip("\n"))
                self.changed.notify_all()
        with self.changed:
            self.closed = True
            self.changed.notify_all()

    def wait_until(self, condition, timeout=5.0):
        """Wait until condition(lines) is true for the lines so far."""
        deadline = time.monotonic() + timeout
        with self.changed:
            while not condition(self.lines):
                left = deadline - time.monotonic()
                if self.closed or left <= 0:
                    raise AssertionError(f"waited in vain for {condition}; lines: {self.lines!r}")
                self.changed.wait(left)

    def wait_for(self, match, timeout=5.0):
        """The first line for which match(line) is true (a str: the line contains it)."""
        test = (lambda line: match in line) if isinstance(match, str) else match
        self.wait_until(lambda lines: any(test(line) for line in lines), timeout)
        with self.changed:
            return next(line for line in self.lines if test(line))

    def text(self):
        with self.changed:
            return "\n".join(self.lines)


def start_process(args, **kwargs):
    return subprocess.Popen([PYTHON, *args], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, encoding="utf-8",
                            errors="replace", **kwargs)


def stop_process(process, sig=signal.SIGTERM, timeout=5.0):
    """Stop a process we started, by its pid; kill it if it does not end in time."""
    if process.poll() is None:
        os.kill(process.pid, sig)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            os.kill(process.pid, signal.SIGKILL)
            process.wait(timeout)
    return process.returncode


class ChatServer:
    """`python chat.py server --port 0` in a subprocess. Keyword arguments override chat.py's
    module constants (e.g. HANDSHAKE_TIMEOUT=0.5) before the server starts; `file_limit` sets
    the child's limit on open files, soft and hard, before chat.py is imported."""

    def __init__(self, file_limit=None, **settings):
        code = [f"import sys; sys.path.insert(0, {ROOT!r})"]
        if file_limit:
            code += ["import resource", f"resource.setrlimit(resource.RLIMIT_NOFILE, "
                                         f"({file_limit}, {file_limit}))"]
        code += ["import chat"]
        code += [f"chat.{name} = {value!r}" for name, value in settings.items()]
        code += [f"sys.exit(chat.main(['server', '--host', {HOST!r}, '--port', '0']))"]
        self.process = start_process(["-c", "\n".join(code)])
        self.pid = self.process.pid
        self.log = Output(self.process.stdout)
        self.errors = Output(self.process.stderr)
        try:
            first = self.log.wait_for(lambda line: True, timeout=10)
            found = re.fullmatch(r"\S+ \S+ listening on 127\.0\.0\.1:(\d+)", first)
            assert found, f"first log line is not 'listening on': {first!r}"
            self.port = int(found.group(1))
        except BaseException:
            self.stop()
            raise

    def stop(self, sig=signal.SIGTERM):
        code = stop_process(self.process, sig)
        self.log.thread.join(5)
        self.errors.thread.join(5)
        return code

    def status(self, field):
        """A field of /proc/PID/status in kB, e.g. VmRSS or VmHWM (peak RSS)."""
        with open(f"/proc/{self.pid}/status") as status:
            for line in status:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
        raise KeyError(field)

    def open_files(self):
        return len(os.listdir(f"/proc/{self.pid}/fd"))

    def queues(self, peer):
        """(send queue, receive queue) of the server's side of its connection to `peer`, from
        /proc/net/tcp: bytes for the peer that the kernel holds (not sent or not acknowledged
        yet), and bytes from the peer that the server has not read yet."""
        local, remote = f"0100007F:{self.port:04X}", f"0100007F:{peer.local_port:04X}"
        with open("/proc/net/tcp") as table:
            for row in table.readlines()[1:]:
                fields = row.split()
                if fields[1] == local and fields[2] == remote:
                    send_queue, receive_queue = fields[4].split(":")
                    return int(send_queue, 16), int(receive_queue, 16)
        raise KeyError(f"no connection from {local} to {remote}")

    def send_queue(self, peer):
        return self.queues(peer)[0]

    def wait_for_status(self, condition, timeout=10.0):
        """Wait until condition(self) is true, e.g. until the server's threads have ended
        (/proc has no event to wait on: this polls)."""
        deadline = time.monotonic() + timeout
        while not condition(self):
            assert time.monotonic() < deadline, f"waited in vain for {condition}"
            time.sleep(0.02)

    def cpu_seconds(self):
        with open(f"/proc/{self.pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Peer:
    """A chat client speaking the protocol over a raw socket, as `nc` would."""

    def __init__(self, port, name=None, rcvbuf=None, source=None):
        """`source`: connect from this loopback address (127.0.0.2, ...) instead of 127.0.0.1."""
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        if rcvbuf:  # must be set before connecting to limit the TCP window
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        if source:
            self.sock.bind((source, 0))
        self.sock.connect((HOST, port))
        self.buffer = b""
        self.name = name
        self.welcome = self.join(name) if name else None

    @property
    def local_port(self):
        return self.sock.getsockname()[1]

    def unread(self):
        """Bytes that arrived and wait in this socket's receive buffer (FIONREAD)."""
        return struct.unpack("i", fcntl.ioctl(self.sock, termios.FIONREAD, b"\0" * 4))[0]

    def send(self, data):
        self.sock.sendall(data if isinstance(data, bytes) else data.encode())

    def line(self, timeout=5.0):
        """The next line from the server, without its newline; fails on timeout or EOF."""
        deadline = time.monotonic() + timeout
        while b"\n" not in self.buffer:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"{self.name}: no line in {timeout} s "
                                     f"(partial: {self.buffer[:200]!r})")
            self.sock.settimeout(left)
            try:
                data = self.sock.recv(65536)
            except socket.timeout:
                continue
            if not data:
                raise AssertionError(f"{self.name}: connection closed "
                                     f"(partial: {self.buffer[:200]!r})")
            self.buffer += data
        line, self.buffer = self.buffer.split(b"\n", 1)
        return line.decode("utf-8")

    def expect(self, wanted, timeout=5.0):
        """Read lines until one equals `wanted` (or starts with it, if it ends in '*');
        return the lines that came before it."""
        deadline = time.monotonic() + timeout
        before = []
        while True:
            try:
                line = self.line(max(deadline - time.monotonic(), 0.001))
            except AssertionError as error:
                raise AssertionError(f"{error}; waited for {wanted!r}, got {before!r}")
            if line == wanted or (wanted.endswith("*") and line.startswith(wanted[:-1])):
                return before
            before.append(line)

    def join(self, name):
        self.name = name
        self.send(name + "\n")
        line = self.line()
        assert line.startswith(f"* welcome, {name}! online: "), line
        return line

    def barrier(self):
        """Send /users and return every line that arrived before its answer: anything the
        server sent us because of our earlier lines is among them."""
        self.send("/users\n")
        return self.expect("* online: *")

    def eof(self, timeout=5.0):
        """True if the server closes the connection within the timeout (data before is
        kept in the buffer)."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            self.sock.settimeout(left)
            try:
                data = self.sock.recv(65536)
            except socket.timeout:
                continue
            except ConnectionResetError:
                return True
            if not data:
                return True
            self.buffer += data

    def reset(self):
        """Close abruptly: the server sees a connection reset (RST), not an orderly close."""
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.sock.close()

    def close(self):
        self.sock.close()


def room(make, *names):
    """Join clients with these names one after the other and read the join notices, so
    that every client's next line is whatever the test makes happen next."""
    joined = []
    for name in names:
        peer = make(name)
        for earlier in joined:
            assert earlier.line() == f"* {name} joined the chat"
        joined.append(peer)
    return joined

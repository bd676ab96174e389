#!/usr/bin/env python3
"""A multi-user chat over TCP: server and client in one file, standard library only.

Run `python chat.py server`, then `python chat.py client Alice` (see --help); `nc` works too, as
the protocol is UTF-8 lines (README.md). The server's threads, and what each one owns:
- the main thread accepts connections (serve) and starts a reader thread for each;
- a reader thread (handle_client) alone reads its connection, one line at a time: the name,
  then messages and commands, whose answers it puts in outboxes;
- a writer thread (send_outbox), started with the name, alone sends to its user: all that waits
  in the outbox, in one sendall. A client that stops reading holds up its own writer, nobody
  else; MAX_BACKLOG bytes behind, or when a send makes no progress for SEND_TIMEOUT, it goes.
One lock, `lock`, guards `users`, `nameless` and each user's `queued` byte count.
"""

import argparse
import contextlib
import os
import queue
import signal
import socket
import struct
import sys
import threading
import time
import unicodedata

DEFAULT_HOST, DEFAULT_PORT = "127.0.0.1", 5555
MAX_NAME = 32             # characters in a name
MAX_LINE = 4096           # bytes in a line (without the newline); longer lines are refused
RECV_SIZE = 65536         # big reads: under load one recv() brings many lines at once
HANDSHAKE_TIMEOUT = 60.0  # seconds a new connection has to choose a valid name
SEND_TIMEOUT = 5.0        # seconds a send may make no progress before the user is dropped
MAX_BACKLOG = 1 << 20     # bytes a user may be behind before senders wait for them...
FLOOD_WAIT = 0.2          # ... this many seconds at most; then the user is dropped
SHUTDOWN_WAIT = 3.0       # seconds the writers have at shutdown to send what is queued
NAMELESS_PER_ADDRESS = 20 # connections from one address without a name, once the server is busy
NAMELESS_SHARE = 4        # at most 1/4 of the connections the server can hold are nameless
SPARE_FILES = 16          # file descriptors kept for the server itself (console, listener...)
TOO_LONG = f"* error: line too long (over {MAX_LINE} bytes), ignored\n"
# Control characters (C0, DEL and C1) are removed from every message, so nobody can put
# terminal escape sequences on other people's screens. A tab becomes a space.
STRIP_CONTROLS = dict.fromkeys([*range(0x20), *range(0x7F, 0xA0)])
STRIP_CONTROLS[ord("\t")] = " "
# Letters and marks that show as nothing or blank space: "Bob" + U+3164 must not pass for Bob.
INVISIBLE = {*"\u034f\u115f\u1160\u17b4\u17b5\u180b\u180c\u180d\u180f\u2800\u3164\uffa0",
             *map(chr, range(0xFE00, 0xFE10)), *map(chr, range(0xE0100, 0xE01F0))}

users = {}     # name_key(name) -> User, in the order they joined
nameless = {}  # address -> its connections without a name yet, oldest first
lock = threading.Lock()
caught_up = threading.Condition(lock)  # a writer has sent: a waiting sender may go on
stopping = threading.Event()           # set when the server shuts down
max_nameless = 64                      # set from the file limit (run_server)


class User:
    def __init__(self, sock, address):
        self.sock, self.host, self.address = sock, address[0], "%s:%d" % address[:2]
        self.name = self.key = self.writer = None  # set when the name is accepted
        self.outbox = queue.SimpleQueue()  # bytes to send, in order; None: hang up after them
        self.queued = 0      # bytes in the outbox and in the send under way
        self.gone = False    # dropped or leaving: nothing more goes out
        self.deadline = time.monotonic() + HANDSHAKE_TIMEOUT  # to choose a name


def run_server(host, port):
    global max_nameless
    files = raise_file_limit()
    try:
        listener = socket.create_server((host, port), backlog=512)
    except OSError as error:
        print(f"cannot listen on {host}:{port}: {reason(error)}", file=sys.stderr)
        return 1
    if sys.platform == "win32":
        listener.settimeout(1.0)  # on Windows, Ctrl-C cannot interrupt a blocking accept()
    signal.signal(signal.SIGTERM, signal.default_int_handler)  # `kill` stops cleanly too
    log("listening on %s:%d" % listener.getsockname()[:2])
    max_nameless = (files - SPARE_FILES) // NAMELESS_SHARE
    log(f"can hold {files - SPARE_FILES} connections (file limit {files}), "
        f"{max_nameless} of them without a name")
    try:
        serve(listener)
    except KeyboardInterrupt:
        pass
    stopping.set()
    log("shutting down")
    with lock:
        everyone = list(users.values())
        broadcast("* server is shutting down\n")
        for user in everyone:
            user.outbox.put(None)  # the writer sends what is queued, then hangs up
    deadline = time.monotonic() + SHUTDOWN_WAIT
    for user in filter(lambda user: user.writer, everyone):  # (writers not started: no wait)
        user.writer.join(max(deadline - time.monotonic(), 0))
    return 0


def serve(listener):
    while True:
        try:
            sock, address = listener.accept()
        except TimeoutError:
            continue
        except OSError as error:  # e.g. out of file descriptors: wait rather than spin
            log(f"accept failed: {error.strerror or error}")
            time.sleep(0.1)
            continue
        user = User(sock, address)
        victim = admit(user)
        if victim:  # a nameless connection too many: told so, and closed
            tell(victim, "* error: too many connections are waiting for a name, bye\n")
            with lock:
                drop(victim, "too many connections are waiting for a name")
        try:
            if victim is not user:
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # lines go at once
                threading.Thread(target=handle_client, args=(user,), daemon=True).start()
        except (OSError, RuntimeError) as error:  # RuntimeError: can't start new thread
            log(f"cannot serve {user.address}: {error}")
            victim = user
        if victim is user:
            leave(user)


def handle_client(user):
    # A connection's reader thread: the name first, then one line at a time until the end.
    try:
        lines = read_lines(user)
        if handshake(user, lines):
            for line in lines:
                if not handle_line(user, line):  # False: /quit
                    break
    except TimeoutError:  # only in the handshake: users in the chat have no read timeout
        log(f"{user.address} sent no valid name in {HANDSHAKE_TIMEOUT:g} s")
        tell(user, "* error: no valid name in time, bye\n")
    except (OSError, RuntimeError) as error:  # e.g. connection reset by peer
        log(f"{user.name or user.address}: {getattr(error, 'strerror', None) or error}")
    finally:
        leave(user)


def handshake(user, lines):
    """Read lines until one is a valid, free name and join under it; False if the connection
    ends first."""
    for line in lines:
        name = line.strip()
        if not name:
            continue
        problem = name_problem(name) or join(user, name)
        if not problem:
            return True
        tell(user, f"* error: {problem}; send another name\n")
    return False


def handle_line(user, line):
    """Act on one line from a user in the chat; False when the user quits."""
    text = line.translate(STRIP_CONTROLS).strip()
    command = text.split(maxsplit=1)[0].lower() if text else ""
    if not text:
        pass  # nothing left once the control characters are gone: ignored
    elif text[0] not in "@/":
        with lock:
            broadcast(f"{user.name}: {text}\n", skip=user)
    elif command == "/quit":
        tell(user, "* bye\n")
        return False
    elif command == "/users":
        with lock:
            online = ", ".join(other.name for other in users.values())
        tell(user, f"* online: {online}\n")
    elif text[0] == "@":
        target_name, _, message = text[1:].partition(" ")
        with lock:
            target = users.get(name_key(target_name))
            if target and message.strip():
                enqueue(target, f"{user.name} (private): {message.strip()}\n".encode())
        if not message.strip():
            tell(user, "* error: a private message is @NAME text\n")
        elif not target:
            tell(user, f"* error: no user named {target_name}\n")
    else:
        tell(user, f"* error: unknown command {command}; commands: @NAME text, /users, /quit\n")
    return True


def join(user, name):
    """Make the user visible under this name, the welcome first in their outbox; or say why not."""
    key = name_key(name)
    with lock:
        if key in users:
            return f"the name {name} is taken"
        online = ", ".join([other.name for other in users.values()] + [name])
        user.name, user.key = name, key
        enqueue(user, f"* welcome, {name}! online: {online}\n".encode())
        forget_nameless(user)
        users[key] = user
        broadcast(f"* {name} joined the chat\n", skip=user)  # to the users the welcome lists
    user.sock.settimeout(None)  # a user in the chat may stay silent as long as they like
    set_send_timeout(user.sock, SEND_TIMEOUT)
    log(f"{name} joined from {user.address}")
    writer = threading.Thread(target=send_outbox, args=(user,), daemon=True)
    writer.start()
    user.writer = writer  # once started: leave() waits for it
    return None


def leave(user):
    # Out of the chat (everyone else hears of it once); the writer sends what is left; closed.
    with lock:
        forget_nameless(user)
        if users.get(user.key) is user:
            del users[user.key]
            if not stopping.is_set():
                log(f"{user.name} left")
                broadcast(f"* {user.name} left the chat\n")
        user.gone = True
        user.outbox.put(None)
    if user.writer:
        user.writer.join()
    user.sock.close()


def send_outbox(user):
    # A user's writer thread: everything in the outbox in one sendall, until None or a failure.
    while True:
        batch = [user.outbox.get()]  # waits for the first
        while batch[-1] is not None and not user.outbox.empty():
            batch.append(user.outbox.get())
        data = b"".join(batch[:-1] if batch[-1] is None else batch)
        try:
            user.sock.sendall(data)
        except OSError as error:  # BlockingIOError, TimeoutError: SEND_TIMEOUT without progress
            with lock:
                drop(user, f"not reading ({user.queued} bytes waiting)" if isinstance(
                    error, (BlockingIOError, TimeoutError)) else error.strerror or error)
            return
        with lock:
            user.queued -= len(data)
            caught_up.notify_all()
        if batch[-1] is None:
            return shut(user.sock)  # the client sees the end, the reader thread wakes up


def broadcast(text, skip=None):
    # Queue a line for every user but `skip`. The caller holds `lock`.
    data = text.encode()
    for user in list(users.values()):  # a copy: enqueue() may let go of the lock a moment
        if user is not skip:
            enqueue(user, data)


def enqueue(user, data):
    """Put bytes in a user's outbox; the caller holds `lock`. For a user MAX_BACKLOG behind,
    wait FLOOD_WAIT at most (a flood slows down to its readers' pace), then drop them."""
    if user.queued > MAX_BACKLOG and not caught_up.wait_for(
            lambda: user.queued <= MAX_BACKLOG or user.gone, FLOOD_WAIT):
        drop(user, f"not reading ({user.queued} bytes waiting)")
    if not user.gone:
        user.queued += len(data)
        user.outbox.put(data)


def tell(user, text):
    """A line for this user alone: into the outbox once named; before that, sent at once (a
    nameless connection has no writer), and a connection that does not read it is dropped."""
    if user.key:
        with lock:
            return enqueue(user, text.encode())
    try:
        user.sock.setblocking(False)  # read_lines() sets the timeout again before each recv()
        user.sock.sendall(text.encode())
    except OSError as error:
        with lock:
            drop(user, "not reading" if isinstance(error, BlockingIOError)
                 else error.strerror or error)


def drop(user, reason):
    # Nothing more goes out to this user; their reader thread wakes up and they leave.
    if not user.gone:  # the caller holds `lock`
        user.gone = True
        log(f"{user.name or user.address} dropped: {reason}")
        shut(user.sock)


def read_lines(user):
    """Yield the lines a connection sends, one at a time, as text (bad UTF-8 becomes U+FFFD).
    A line over MAX_LINE bytes is refused and skipped up to its end, never buffered. Without a
    name yet, every recv() counts against the handshake deadline."""
    pending, skipping = b"", False  # a line's start; inside a refused line
    while True:
        if not user.key:
            left = user.deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError
            user.sock.settimeout(left)
        data = user.sock.recv(RECV_SIZE)
        if not data:  # the end: a last line without newline counts after a half-close only
            if pending and not skipping and not user.gone and can_send(user.sock):
                yield pending.decode("utf-8", "replace")
            return
        if skipping:  # drop the rest of a refused line
            _, newline, data = data.partition(b"\n")
            skipping = not newline
        *lines, pending = (pending + data).split(b"\n")
        for line in lines:
            if len(line) > MAX_LINE:
                tell(user, TOO_LONG)
            else:
                yield line.decode("utf-8", "replace")
        if len(pending) > MAX_LINE:
            tell(user, TOO_LONG)
            pending, skipping = b"", True


def admit(user):
    """Count a new connection as nameless. Past max_nameless, or past half of it with over
    NAMELESS_PER_ADDRESS from this address, return the newest nameless connection of the busiest
    address, to be closed: a flood from one address takes no place of others."""
    with lock:
        nameless.setdefault(user.host, []).append(user)
        total = sum(map(len, nameless.values()))
        if total > max_nameless or (total > max_nameless // 2
                                    and len(nameless[user.host]) > NAMELESS_PER_ADDRESS):
            victim = max(nameless.values(), key=len)[-1]
            forget_nameless(victim)
            return victim
    return None


def forget_nameless(user):
    waiting = nameless.get(user.host, [])  # the caller holds `lock`
    if user in waiting:
        waiting.remove(user)
        if not waiting:
            del nameless[user.host]


def name_key(name):
    # "Bob", "BOB" and a full-width "Ｂｏｂ" are one name, so nobody can pose as Bob.
    return unicodedata.normalize("NFKC", name).casefold()


def name_problem(name):
    if not 1 <= len(name) <= MAX_NAME:
        return f"a name has 1 to {MAX_NAME} characters"
    if name[0] in "@/":
        return "a name cannot start with @ or /"
    # Z* and C* are spaces, control and invisible characters; U+FFFD was bad UTF-8.
    if any(ch.isspace() or ch == "\ufffd" or ch in INVISIBLE
           or unicodedata.category(ch)[0] in "ZC" for ch in name):
        return "a name cannot contain spaces, control or invisible characters"
    return None


def shut(sock):
    with contextlib.suppress(OSError):  # shutdown(), not close(): a thread in recv() wakes up
        sock.shutdown(socket.SHUT_RDWR)


def can_send(sock):
    try:  # after the end of input: a half-close still takes bytes, a reset or a hang-up not
        return sock.send(b"") == 0
    except OSError:
        return False


def set_send_timeout(sock, seconds):
    # SO_SNDTIMEO: a send fails after `seconds` without progress, and recv() still waits.
    if sys.platform == "win32":
        value = struct.pack("I", int(seconds * 1000))  # a DWORD of milliseconds
    else:
        value = struct.pack("ll", int(seconds), int(seconds % 1 * 1e6))  # struct timeval
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDTIMEO, value)


def raise_file_limit():
    # Each connection is a file descriptor: take all the system allows (POSIX only).
    try:
        import resource
    except ImportError:  # Windows: sockets are not counted against a file limit
        return 1 << 14
    with contextlib.suppress(ValueError, OSError):  # e.g. macOS refuses "unlimited"
        hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    soft = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
    return soft if soft != resource.RLIM_INFINITY else 1 << 16


def reason(error):
    return str(error.strerror or error).split(" (while")[0]  # the address is printed already


def log(message):
    try:  # one write per line, so that lines from different threads never mix
        sys.stdout.write(f"{time.strftime('%Y-%m-%d %H:%M:%S')} {message}\n")
        sys.stdout.flush()
    except (OSError, ValueError):  # a closed console must not take the chat down with it
        pass


def run_client(name, host, port):
    try:
        sock = socket.create_connection((host, port), timeout=10)
    except OSError as error:
        print(f"cannot connect to {host}:{port}: {reason(error)}", file=sys.stderr)
        return 1
    sock.settimeout(None)
    welcomed, leaving = threading.Event(), threading.Event()
    receiver = threading.Thread(target=receive, args=(sock, welcomed, leaving), daemon=True)
    receiver.start()
    try:  # the name first; if the server refuses it, the next line typed is the next try
        text = name
        while text.lower().split()[:1] != ["/quit"]:  # as the server reads it
            if text.strip():
                sock.sendall(f"{text}\n".encode())
            text = input()
    except (EOFError, KeyboardInterrupt):  # Ctrl-D or Ctrl-C: leave politely
        pass
    except OSError:  # the server is gone: the receiver thread says so and ends the program
        receiver.join(5)
        return 1
    leaving.set()
    try:
        if welcomed.is_set():  # with no name yet, there is nobody to say goodbye for
            sock.sendall(b"/quit\n")
            receiver.join(2)  # let "* bye" arrive and be printed
    except (OSError, KeyboardInterrupt):  # a second Ctrl-C: leave at once
        pass
    sock.close()
    return 0


def receive(sock, welcomed, leaving):
    # The client's receiver thread prints the lines from the server as they come.
    try:
        for line in sock.makefile("r", encoding="utf-8", errors="replace", newline="\n"):
            if line.startswith("* welcome, "):
                welcomed.set()
            print(line.rstrip("\n").translate(STRIP_CONTROLS), flush=True)  # a server may lie
    except OSError:
        pass
    if not leaving.is_set():
        print("* disconnected: the server closed the connection", flush=True)
        os._exit(1)  # the main thread is blocked in input(): end the whole program


def main(argv=None):
    parser = argparse.ArgumentParser(
        description="A multi-user chat over TCP (socket + threading).",
        formatter_class=argparse.RawDescriptionHelpFormatter, epilog="""examples:
  python chat.py server            listen on 127.0.0.1:5555 (--port 0: any free port)
  python chat.py client Alice      join as Alice (or: nc 127.0.0.1 5555, then your name)
in the chat: a line goes to everyone, "@NAME text" to NAME only; /users, /quit""")
    commands = parser.add_subparsers(dest="command", required=True)
    server = commands.add_parser("server", help="run the chat server")
    client = commands.add_parser("client", help="join the chat as NAME")
    client.add_argument("name", metavar="NAME", help="your name in the chat")
    for command in (server, client):
        command.add_argument("--host", default=DEFAULT_HOST, help="default: %(default)s")
        command.add_argument("--port", type=int, default=DEFAULT_PORT, help="default: %(default)s"
                             + ("; 0 picks a free port" if command is server else ""))
    args = parser.parse_args(argv)
    if not 0 <= args.port <= 65535:  # a client would wrap it around (99999 is 34463)
        what = "listen on" if args.command == "server" else "connect to"
        print(f"cannot {what} {args.host}:{args.port}: port must be 0-65535", file=sys.stderr)
        return 1
    if args.command == "server":
        return run_server(args.host, args.port)
    return run_client(args.name, args.host, args.port)


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""A multi-user chat over TCP: server and client in one file, standard library only.

Run `python chat.py server`, then `python chat.py client Alice` (see --help), or use `nc`: the
protocol is lines of UTF-8 (README.md). The server's threads:
- the main thread accepts connections (serve) and starts a reader thread for each;
- a reader thread (handle_client) reads one connection's lines, one at a time, and answers each
  by putting lines in outboxes (tell);
- a writer thread per user (send_outbox), started with the name, sends the user's outbox.
A writer blocks nobody else: a client that stops reading holds up only its own writer, and is
dropped MAX_BACKLOG bytes behind or when a send makes no progress for SEND_TIMEOUT. For speed, the
last reader to finish with its input sends what waits for idle writers itself (flush), with sends
that never wait. One lock, `lock`, guards the globals below and each user's outbox, sending, gone.
"""
import argparse
import contextlib
import os
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
FLUSH_EVERY = 32          # while readers keep busy, a flush after this many turns all the same
SHUTDOWN_WAIT = 3.0       # seconds the writers have at shutdown to send what is queued
NAMELESS_PER_ADDRESS = 20 # connections from one address without a name, once the server is busy
NAMELESS_SHARE = 4        # at most 1/4 of the connections the server can hold are nameless
SPARE_FILES = 16          # file descriptors kept for the server itself (console, listener...)
DONTWAIT = getattr(socket, "MSG_DONTWAIT", 0)  # POSIX; without it (Windows) the writers send all
# Control characters (C0, DEL and C1) are removed from every message, so nobody can put
# terminal escape sequences on other people's screens. A tab becomes a space.
STRIP_CONTROLS = dict.fromkeys([*range(0x20), *range(0x7F, 0xA0)], None) | {ord("\t"): " "}
# Letters and marks that show as nothing or blank space: "Bob" + U+3164 must not pass for Bob.
INVISIBLE = {*"\u034f\u115f\u1160\u17b4\u17b5\u180b\u180c\u180d\u180f\u2800\u3164\uffa0\ufffd",
             *map(chr, range(0xFE00, 0xFE10)), *map(chr, range(0xE0100, 0xE01F0))}

users = {}      # name_key(name) -> User, in the order they joined
nameless = {}   # connections without a name yet, oldest first (a dict as an ordered set)
unsent = []     # users with bytes in their outbox that nobody is sending yet
busy = set()    # readers that hold input they have not finished with
turns = 0       # readers' turns since the last flush
lock = threading.Lock()
max_nameless = 64  # set from the file limit (run_server)


class User:
    def __init__(self, sock, address):
        self.sock, self.host, self.address = sock, address[0], "%s:%d" % address[:2]
        self.name = self.key = self.writer = None  # set when the name is accepted
        self.outbox, self.sending = bytearray(), 0  # bytes to send; bytes the writer is sending
        self.wake = threading.Condition(lock)  # the outbox changed: for the writer and senders
        self.gone = False  # dropped or leaving: nothing more goes in the outbox
        self.deadline = time.monotonic() + HANDSHAKE_TIMEOUT  # to choose a name

    def behind(self):
        return self.sending + len(self.outbox)


def run_server(host, port):
    global max_nameless
    files = raise_file_limit() - SPARE_FILES
    try:
        listener = socket.create_server((host, port), backlog=512)
    except OSError as error:  # (its message ends in the address, printed already)
        sys.exit(f"cannot listen on {host}:{port}: {str(error.strerror or error).split(' (while')[0]}")
    if sys.platform == "win32":
        listener.settimeout(1.0)  # on Windows, Ctrl-C cannot interrupt a blocking accept()
    signal.signal(signal.SIGTERM, signal.default_int_handler)  # `kill` stops cleanly too
    max_nameless = files // NAMELESS_SHARE
    log("listening on %s:%d" % listener.getsockname()[:2])
    log(f"can hold {files} connections (file limit {files + SPARE_FILES}), "
        f"{max_nameless} of them without a name")
    with contextlib.suppress(KeyboardInterrupt):
        serve(listener)
    log("shutting down")
    with lock:
        everyone = list(users.values())
        tell("* server is shutting down", *everyone)
        users.clear()  # so that nobody is announced as leaving
        for user in everyone:  # the writer sends what is queued, then hangs up
            user.gone = True
            user.wake.notify_all()
    deadline = time.monotonic() + SHUTDOWN_WAIT
    for writer in [user.writer for user in everyone if user.writer]:
        writer.join(max(deadline - time.monotonic(), 0))
    return 0


def serve(listener):
    while True:
        try:
            sock, address = listener.accept()
        except TimeoutError:
            continue
        except OSError as error:  # e.g. out of files: wait rather than spin
            log(f"accept failed: {error.strerror or error}")
            time.sleep(0.1)
            continue
        user = User(sock, address)
        try:
            if admit(user):
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # lines go at once
                threading.Thread(target=handle_client, args=(user,), daemon=True).start()
                continue
        except (OSError, RuntimeError) as error:  # RuntimeError: can't start new thread
            log(f"cannot serve {user.address}: {error}")
        leave(user)


def handle_client(user):
    # A connection's reader thread: one line at a time, until the user quits or the connection ends.
    try:
        for line in read_lines(user):
            if not handle_line(user, line):  # False: /quit
                break
    except TimeoutError:  # only in the handshake: users in the chat have no read timeout
        log(f"{user.address} sent no valid name in {HANDSHAKE_TIMEOUT:g} s")
        with lock:
            tell("* error: no valid name in time, bye", user)
    except (OSError, RuntimeError) as error:  # e.g. connection reset by peer
        log(f"{user.name or user.address}: {getattr(error, 'strerror', None) or error}")
    finally:
        leave(user)


def handle_line(user, line):
    # One line: a try at a name until one is accepted, then messages and commands. False: /quit.
    if not user.key:
        join(user, line.strip())
        return True
    text = line.translate(STRIP_CONTROLS).strip()
    command = text.split(maxsplit=1)[0].lower() if text else ""
    target, _, message = text[1:].partition(" ")
    with lock:
        if not text:
            pass  # nothing left once the control characters are gone: ignored
        elif text[0] not in "@/":
            tell(f"{user.name}: {text}", *users.values(), skip=user)
        elif command == "/quit":
            tell("* bye", user)
            return False
        elif command == "/users":
            tell("* online: " + ", ".join(other.name for other in users.values()), user)
        elif text[0] == "/":
            tell(f"* error: unknown command {command}; commands: @NAME text, /users, /quit", user)
        elif not message.strip():
            tell("* error: a private message is @NAME text", user)
        elif name_key(target) not in users:
            tell(f"* error: no user named {target}", user)
        else:
            tell(f"{user.name} (private): {message.strip()}", users[name_key(target)])
    return True


def join(user, name):
    # The user joins under this name, the welcome first in their outbox; or hears why not.
    with lock:
        if not name or user.gone:  # an empty line is no try
            return
        problem = name_problem(name)
        if not problem and name_key(name) in users:
            problem = f"the name {name} is taken"
        if problem:
            return tell(f"* error: {problem}; send another name", user)
        user.sock.settimeout(None)  # a user in the chat may stay silent as long as they like
        set_send_timeout(user.sock)
        user.name, user.key = name, name_key(name)
        online = [other.name for other in users.values()] + [name]
        tell(f"* welcome, {name}! online: {', '.join(online)}", user)
        nameless.pop(user, None)
        users[user.key] = user
        tell(f"* {name} joined the chat", *users.values(), skip=user)
    log(f"{name} joined from {user.address}")
    writer = threading.Thread(target=send_outbox, args=(user,), daemon=True)
    writer.start()  # (outside the lock: 500 joins at once take turns for less)
    user.writer = writer  # once started: leave() waits for it


def leave(user):
    # Out of the chat (everyone else hears of it once); the writer sends what is left; closed.
    with lock:
        nameless.pop(user, None)
        if users.get(user.key) is user:
            del users[user.key]
            log(f"{user.name} left")
            tell(f"* {user.name} left the chat", *users.values())
        user.gone = True  # the writer sends what is queued, then hangs up
        user.wake.notify_all()
        flush(done=user)
    if user.writer:
        user.writer.join()
    user.sock.close()


def send_outbox(user):
    # A user's writer thread: what waits in the outbox, in one sendall, until the user is gone.
    while True:
        with lock:
            user.sending = 0
            user.wake.notify_all()  # a sender waiting for room may go on
            user.wake.wait_for(lambda: user.outbox or user.gone)
            data, user.outbox, user.sending = user.outbox, bytearray(), len(user.outbox)
            if not data:  # gone, and everything is sent: the client sees the end
                return drop(user)
        try:
            user.sock.sendall(data)
        except OSError as error:  # BlockingIOError, TimeoutError: SEND_TIMEOUT without progress
            with lock:
                return drop(user, f"not reading ({user.behind()} bytes waiting)" if isinstance(
                    error, (BlockingIOError, TimeoutError)) else error.strerror or error)


def tell(line, *to, skip=None):
    """Put a line in these users' outboxes; the caller holds `lock`. For a user MAX_BACKLOG behind,
    wait FLOOD_WAIT at most (a flood slows down to its readers' pace), then drop them."""
    data = f"{line}\n".encode()
    for user in to:
        if user is skip:
            continue
        if not user.key:  # no writer yet: sent at once, and dropped if it does not read
            try:
                user.sock.setblocking(False)  # read_lines() sets the timeout again before recv()
                user.sock.sendall(data)
            except OSError:
                drop(user, "not reading")
            continue
        if user.behind() > MAX_BACKLOG:
            flush()  # what waits goes out, or to the writers, before we wait for one
            if not user.wake.wait_for(lambda: user.behind() <= MAX_BACKLOG or user.gone, FLOOD_WAIT):
                drop(user, f"not reading ({user.behind()} bytes waiting)")
        if not user.gone:
            if not user.outbox:
                unsent.append(user)
            user.outbox += data


def flush(done=None):
    """Send idle writers' outboxes with sends that never wait; wake a writer only for what the
    kernel would not take. The caller holds `lock`. A reader `done` with its input leaves this to
    readers still busy (so that a send carries many lines), for FLUSH_EVERY turns at most."""
    global turns
    busy.discard(done)
    turns += 1
    if done and busy and turns < FLUSH_EVERY:
        return
    for user in unsent:
        if DONTWAIT and user.outbox and not user.sending and not user.gone:
            try:
                del user.outbox[:user.sock.send(user.outbox, DONTWAIT)]
            except BlockingIOError:  # its buffers are full: the writer waits for room
                pass
            except OSError as error:  # (a reset is reported once: here, not to the reader)
                drop(user, error.strerror or error)
        if user.outbox and not user.sending:
            user.wake.notify_all()
    unsent.clear()
    turns = 0


def drop(user, reason=None):
    # Nothing more goes out to this user; their reader thread wakes up and they leave.
    if reason and not user.gone:  # the caller holds `lock`
        log(f"{user.name or user.address} dropped: {reason}")
    user.gone = True
    with contextlib.suppress(OSError):  # shutdown(), not close(): a thread in recv() wakes up
        user.sock.shutdown(socket.SHUT_RDWR)


def read_lines(user):
    """Yield a connection's lines one at a time, as text (bad UTF-8 becomes U+FFFD). A line over
    MAX_LINE bytes is refused and skipped, never buffered. Until the name, recv() has a deadline."""
    pending, skipping = b"", False  # a line's start; inside a refused line
    while True:
        with lock:
            flush(done=user)
        if not user.key:
            left = user.deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError
            user.sock.settimeout(left)
        data = user.sock.recv(RECV_SIZE)
        if not data:  # the end: a last line without newline counts after a half-close only
            if pending and not skipping and not user.gone:
                user.sock.send(b"")  # after a reset even this fails (and handle_client says so)
                yield pending.decode("utf-8", "replace")
            return
        with lock:
            busy.add(user)
        if skipping:  # drop the rest of a refused line
            _, newline, data = data.partition(b"\n")
            skipping = not newline
        *lines, pending = (pending + data).split(b"\n")
        if len(pending) > MAX_LINE:  # refused now, skipped up to its end
            lines, pending, skipping = [*lines, pending], b"", True
        for line in lines:
            if len(line) <= MAX_LINE:
                yield line.decode("utf-8", "replace")
            else:
                with lock:
                    tell(f"* error: line too long (over {MAX_LINE} bytes), ignored", user)


def admit(user):
    """Count a new connection as nameless; False if it is refused. Past max_nameless, or past half
    of it with over NAMELESS_PER_ADDRESS from this address, the newest nameless connection of the
    busiest address is closed: a flood from one address takes no place of others."""
    with lock:
        nameless[user] = None
        hosts = [other.host for other in nameless]
        if len(hosts) > max_nameless or (len(hosts) > max_nameless // 2
                                         and hosts.count(user.host) > NAMELESS_PER_ADDRESS):
            busiest = max(set(hosts), key=hosts.count)
            victim = next(other for other in reversed(nameless) if other.host == busiest)
            nameless.pop(victim)
            tell("* error: too many connections are waiting for a name, bye", victim)
            drop(victim, "too many connections are waiting for a name")
            return victim is not user
    return True


def name_key(name):  # "Bob", "BOB" and a full-width "Ｂｏｂ" are one name: nobody can pose as Bob
    return unicodedata.normalize("NFKC", name).casefold()


def name_problem(name):
    if not 1 <= len(name) <= MAX_NAME:
        return f"a name has 1 to {MAX_NAME} characters"
    if name[0] in "@/":
        return "a name cannot start with @ or /"
    # Z* and C* are spaces, control and invisible characters; U+FFFD was bad UTF-8.
    if any(ch in INVISIBLE or unicodedata.category(ch)[0] in "ZC" for ch in name):
        return "a name cannot contain spaces, control or invisible characters"
    return None


def set_send_timeout(sock):  # SO_SNDTIMEO: a send fails after SEND_TIMEOUT without progress
    value = (struct.pack("I", int(SEND_TIMEOUT * 1000)) if sys.platform == "win32"  # a DWORD of ms
             else struct.pack("ll", int(SEND_TIMEOUT), int(SEND_TIMEOUT % 1 * 1e6)))  # a timeval
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDTIMEO, value)


def raise_file_limit():
    # Each connection is a file descriptor: take all the system allows (POSIX only).
    try:
        import resource
    except ImportError:  # Windows: sockets are not counted against a file limit
        return 1 << 14
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    with contextlib.suppress(ValueError, OSError):  # e.g. macOS refuses "unlimited"
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
        soft = hard
    return soft if soft != resource.RLIM_INFINITY else 1 << 16


def log(message):
    with contextlib.suppress(OSError, ValueError):  # a closed console must not stop the chat
        sys.stdout.write(f"{time.strftime('%Y-%m-%d %H:%M:%S')} {message}\n")  # lines never mix
        sys.stdout.flush()


def run_client(name, host, port):
    try:
        sock = socket.create_connection((host, port), timeout=10)
    except OSError as error:
        sys.exit(f"cannot connect to {host}:{port}: {error.strerror or error}")
    sock.settimeout(None)
    welcomed, leaving = threading.Event(), threading.Event()
    receiver = threading.Thread(target=receive, args=(sock, welcomed, leaving), daemon=True)
    receiver.start()
    text = name  # the name first; if the server refuses it, the next line typed is the next try
    try:
        while text.lower().split()[:1] != ["/quit"]:  # as the server reads it
            sock.sendall(f"{text}\n".encode())
            text = input()
    except (EOFError, KeyboardInterrupt):  # Ctrl-D or Ctrl-C: leave politely
        pass
    except OSError:  # the server is gone: the receiver thread says so and ends the program
        receiver.join()
    leaving.set()
    with contextlib.suppress(OSError, KeyboardInterrupt):  # a second Ctrl-C: leave at once
        if welcomed.is_set():  # with no name yet, there is nobody to say goodbye for
            sock.sendall(b"/quit\n")
            receiver.join(2)  # let "* bye" arrive and be printed
    sock.close()
    return 0


def receive(sock, welcomed, leaving):
    # The client's receiver thread prints the lines from the server as they come.
    with contextlib.suppress(OSError):
        for line in sock.makefile("r", encoding="utf-8", errors="replace", newline="\n"):
            if line.startswith("* welcome, "):
                welcomed.set()
            print(line.rstrip("\n").translate(STRIP_CONTROLS), flush=True)  # a server may lie
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
    parser.add_argument("command", choices=["server", "client"], help="run the server, or join as NAME")
    parser.add_argument("name", nargs="?", metavar="NAME", help="your name in the chat (client)")
    parser.add_argument("--host", default=DEFAULT_HOST, help="default: %(default)s")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT,
                        help="default: %(default)s; for the server 0 picks a free port")
    args = parser.parse_intermixed_args(argv)
    if (args.command == "client") != bool(args.name):
        parser.error("the client needs a NAME, the server none")
    if not 0 <= args.port <= 65535:  # a client would wrap it around (99999 is 34463)
        sys.exit(f"cannot {'listen on' if args.command == 'server' else 'connect to'} "
                 f"{args.host}:{args.port}: port must be 0-65535")
    if args.command == "server":
        return run_server(args.host, args.port)
    return run_client(args.name, args.host, args.port)


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""A multi-user chat over TCP: server and client in one file, standard library only.

Run `python chat.py server`, then `python chat.py client Alice` (see --help); `nc` works too, as
the protocol is UTF-8 lines (README.md). One thread per client; they share a dict behind a lock."""

import argparse
import os
import signal
import socket
import sys
import threading
import time
import unicodedata

DEFAULT_HOST, DEFAULT_PORT = "127.0.0.1", 5555
MAX_NAME = 32             # characters in a name
MAX_LINE = 4096           # bytes in a line (without the newline); longer lines are refused
RECV_SIZE = 65536         # big reads: under load one recv() brings many lines at once
HANDSHAKE_TIMEOUT = 60.0  # seconds a new connection has to choose a valid name
SEND_TIMEOUT = 5.0        # seconds a user's buffers may stay full before the user is dropped
MAX_BACKLOG = 1 << 20     # bytes kept for a user whose buffers are full, before sends wait
FLOOD_WAIT = 0.2          # seconds a send waits for a user over MAX_BACKLOG; then: dropped
NO_WAIT = getattr(socket, "MSG_DONTWAIT", 0)  # a send that never waits (Windows: see serve())

# Control characters (C0, DEL and C1) are removed from every message, so nobody can put
# terminal escape sequences on other people's screens. A tab becomes a space.
STRIP_CONTROLS = dict.fromkeys([*range(0x20), *range(0x7F, 0xA0)])
STRIP_CONTROLS[ord("\t")] = " "
# Letters and marks that show as nothing or blank space: "Bob" + U+3164 must not pass for Bob.
INVISIBLE = {*"\u034f\u115f\u1160\u17b4\u17b5\u180b\u180c\u180d\u180f\u2800\u3164\uffa0",
             *map(chr, range(0xFE00, 0xFE10)), *map(chr, range(0xE0100, 0xE01F0))}

users = {}                    # name_key(name) -> User, in the order they joined
users_lock = threading.Lock()
stopping = threading.Event()  # set when the server shuts down
someone_behind = threading.Event()  # set when a user's buffers could not take everything


def log(message):
    try:  # one write per line, so that lines from different threads never mix
        sys.stdout.write(f"{time.strftime('%Y-%m-%d %H:%M:%S')} {message}\n")
        sys.stdout.flush()
    except (OSError, ValueError):  # a closed console must not take the chat down with it
        pass


class User:
    """One connection. Only its own thread reads from it; any thread may send to it."""

    def __init__(self, sock, address):
        self.sock = sock
        self.address = f"{address[0]}:{address[1]}"
        self.name = self.key = None  # set when the name is accepted
        self.send_lock = threading.RLock()  # one send at a time (reentrant: see join())
        self.gone = False  # no more sends: sending failed, or the socket is closed
        self.backlog = bytearray()  # what the client's buffers could not take yet, in order
        self.moved = time.monotonic()  # when bytes last went out to the client

    def send(self, data=b"", hang_up=False):
        """Send what the client's buffers take now, keep the rest: a client that does not read
        never holds the sender up. Only one over MAX_BACKLOG behind is waited for, FLOOD_WAIT at
        most (a flood slows down to its readers' pace). Non-readers go; nameless ones once full."""
        with self.send_lock:
            if self.gone:
                return
            self.backlog += data
            reason, deadline = None, time.monotonic() + FLOOD_WAIT
            while self.backlog and not reason:
                try:
                    del self.backlog[:self.sock.send(self.backlog, NO_WAIT)]  # what went out
                    self.moved = time.monotonic()
                except (BlockingIOError, TimeoutError):  # its buffers are full
                    now, over = time.monotonic(), len(self.backlog) > MAX_BACKLOG
                    if over and now < deadline:
                        time.sleep(0.005)  # far behind: give it a moment to read
                    elif over or now - self.moved > SEND_TIMEOUT or not self.key:
                        reason = f"not reading ({len(self.backlog)} bytes waiting)"
                    else:
                        someone_behind.set()  # the flusher thread tries again soon
                        break
                except OSError as error:
                    reason = error.strerror or error
            if reason:
                log(f"{self.name or self.address} dropped: {reason}")
            if reason or hang_up:
                self.gone = True
                try:  # shutdown(), not close(): the user's own thread wakes up, cleans up
                    self.sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass


def broadcast(text, skip=None, hang_up=False):
    # Copy the list under the lock, send outside it: a slow send must not block joins.
    with users_lock:
        targets = [user for user in users.values() if user is not skip]
    data = text.encode()
    for user in targets:
        user.send(data, hang_up)


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


def read_lines(user):
    """Yield, for every recv(), the list of complete lines it brought in (as text). A line
    over MAX_LINE is refused and skipped up to its end: an endless line is never buffered."""
    too_long = f"* error: line too long (over {MAX_LINE} bytes), ignored\n".encode()
    pending = b""      # the start of a line whose end has not arrived yet
    skipping = False   # inside a refused line: drop everything up to its newline
    while True:
        data = user.sock.recv(RECV_SIZE)
        if not data:   # the client closed (or half-closed) the connection: it is gone
            with user.send_lock:  # a send that met a reset before us has set user.gone
                cut_off = user.gone  # a reset, or we hung up: the last line is not whole
            if pending and not skipping and not cut_off:
                yield [pending.decode("utf-8", "replace")]
            return
        if skipping:  # drop the rest of a refused line
            _, newline, data = data.partition(b"\n")
            skipping = not newline
        *lines, pending = (pending + data).split(b"\n")
        for line in lines:
            if len(line) > MAX_LINE:
                user.send(too_long)
        good = [line.decode("utf-8", "replace")  # bad UTF-8 becomes U+FFFD
                for line in lines if len(line) <= MAX_LINE]
        if len(pending) > MAX_LINE:
            user.send(too_long)
            pending, skipping = b"", True
        yield good


def join(user, name):
    """Add the user under this name, welcome them, tell the others; or return why not."""
    key = name_key(name)
    with user.send_lock:  # until the welcome is out, nothing else may reach the new user
        with users_lock:
            if key in users:
                return f"the name {name} is taken"
            others = list(users.values())
            users[key] = user
            user.name, user.key = name, key
        user.sock.settimeout(None)  # a user in the chat may stay silent as long as they like
        log(f"{name} joined from {user.address}")
        online = ", ".join([other.name for other in others] + [name])
        user.send(f"* welcome, {name}! online: {online}\n".encode())
    for other in others:  # exactly the users the welcome listed: nobody hears of us twice
        other.send(f"* {name} joined the chat\n".encode())
    return None


def handshake(user, batches):
    """Read lines until one is a valid, free name; return the lines that came after it."""
    deadline = time.monotonic() + HANDSHAKE_TIMEOUT
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:  # checked here too, for a client that keeps sending bad names
            raise TimeoutError("no valid name in time")
        user.sock.settimeout(remaining)
        lines = next(batches, None)
        if lines is None:
            return None  # left before choosing a name
        for i, line in enumerate(lines):
            name = line.strip()
            if not name:
                continue
            problem = name_problem(name) or join(user, name)
            if not problem:
                return lines[i + 1:]
            user.send(f"* error: {problem}; send another name\n".encode())


def handle_lines(user, lines):
    """Act on the lines one recv() brought in; return False when the user quits."""
    batch = []  # plain messages in a row go to each of the others in ONE send
    for line in lines:
        text = line.translate(STRIP_CONTROLS).strip()
        if not text:
            continue
        if text[0] not in "@/":
            batch.append(f"{user.name}: {text}\n")
            continue
        if batch:  # send what came before the command first, to keep the order
            broadcast("".join(batch), skip=user)
            batch = []
        command = text.split()[0].lower()
        if command == "/quit":
            user.send(b"* bye\n")
            return False
        elif command == "/users":
            with users_lock:
                online = ", ".join(other.name for other in users.values())
            user.send(f"* online: {online}\n".encode())
        elif text[0] == "@":
            target_name, _, message = text[1:].partition(" ")
            with users_lock:
                target = users.get(name_key(target_name))
            if not message.strip():
                user.send(b"* error: a private message is @NAME text\n")
            elif target is None or target.gone:
                user.send(f"* error: no user named {target_name}\n".encode())
            else:
                target.send(f"{user.name} (private): {message.strip()}\n".encode())
        else:
            user.send(f"* error: unknown command {command}; "
                      f"commands: @NAME text, /users, /quit\n".encode())
    if batch:
        broadcast("".join(batch), skip=user)
    return True


def leave(user):
    with users_lock:
        if user.key is not None and users.get(user.key) is user:
            del users[user.key]
    with user.send_lock:  # nobody is in the middle of a send when the socket closes
        user.gone = True
        user.sock.close()
    if user.name is not None and not stopping.is_set():
        log(f"{user.name} left")
        broadcast(f"* {user.name} left the chat\n")


def handle_client(sock, address):
    # The client's own thread: one that never sends its name holds up this thread only.
    user = User(sock, address)
    try:
        batches = read_lines(user)
        lines = handshake(user, batches)  # None: gone before choosing a name
        while lines is not None and handle_lines(user, lines):  # False: /quit
            lines = next(batches, None)  # None: the client closed the connection
    except TimeoutError:  # only possible in the handshake: chatting users have no timeout
        log(f"{user.address} sent no valid name in {HANDSHAKE_TIMEOUT:g} s")
        user.send(b"* error: no valid name in time, bye\n")
    except OSError as error:  # e.g. connection reset by peer
        log(f"{user.name or user.address}: {error.strerror or error}")
    finally:
        leave(user)


def flush_backlogs():
    # Tries the backlogs again (see User.send): the end of a burst arrives, non-readers go.
    while someone_behind.wait():
        time.sleep(0.05)  # let them read a little
        someone_behind.clear()
        with users_lock:
            waiting = [user for user in users.values() if user.backlog]
        for user in waiting:
            user.send()  # sets someone_behind again if still behind


def serve(listener):
    while True:
        try:
            sock, address = listener.accept()
        except TimeoutError:
            continue
        except OSError as error:
            log(f"accept failed: {error.strerror or error}")
            time.sleep(0.1)  # e.g. out of file descriptors: wait rather than spin
            continue
        try:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # no Nagle: lines go now
            if not NO_WAIT:  # Windows has no MSG_DONTWAIT: there a send waits 10 ms at most
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDTIMEO, 10)  # ms
            threading.Thread(target=handle_client, args=(sock, address), daemon=True).start()
        except (OSError, RuntimeError) as error:  # RuntimeError: can't start new thread
            log(f"cannot serve {address[0]}:{address[1]}: {error}")
            sock.close()


def run_server(host, port):
    try:
        listener = socket.create_server((host, port), backlog=512)
    except OSError as error:
        reason = str(error.strerror or error).split(" (while")[0]  # we print the address
        print(f"cannot listen on {host}:{port}: {reason}", file=sys.stderr)
        return 1
    if sys.platform == "win32":
        listener.settimeout(1.0)  # on Windows, Ctrl-C cannot interrupt a blocking accept()
    signal.signal(signal.SIGTERM, signal.default_int_handler)  # `kill` stops cleanly too
    threading.Thread(target=flush_backlogs, daemon=True).start()
    log("listening on %s:%d" % listener.getsockname()[:2])
    try:
        serve(listener)
    except KeyboardInterrupt:
        pass
    stopping.set()
    listener.close()
    log("shutting down")
    broadcast("* server is shutting down\n", hang_up=True)
    return 0


def run_client(name, host, port):
    try:
        sock = socket.create_connection((host, port), timeout=10)
    except OSError as error:
        print(f"cannot connect to {host}:{port}: {error.strerror or error}", file=sys.stderr)
        return 1
    sock.settimeout(None)
    readline = None  # in a terminal: line editing, and a way to redraw what the user types
    if sys.stdin.isatty() and sys.stdout.isatty():
        try:
            import readline
            import termios
            terminal_mode = termios.tcgetattr(sys.stdin)
        except ImportError:  # Windows: plain input() and print()
            readline = None
    prompt = "> " if readline else ""
    leaving = threading.Event()

    def show(line, redraw=True):
        line = line.rstrip("\n").translate(STRIP_CONTROLS)  # a server may be hostile too
        if readline and not leaving.is_set():  # erase the half-typed line, print, put it back
            typed = prompt + readline.get_line_buffer() if redraw else ""
            sys.stdout.write(f"\r\x1b[K{line}\n{typed}")
        else:
            sys.stdout.write(line + "\n")
        sys.stdout.flush()

    def receive():
        try:
            for line in sock.makefile("r", encoding="utf-8", errors="replace", newline="\n"):
                show(line)
        except OSError:
            pass
        if not leaving.is_set():
            show("* disconnected: the server closed the connection", redraw=False)
            if readline:  # input() changed the terminal's mode: give it back as it was
                termios.tcsetattr(sys.stdin, termios.TCSADRAIN, terminal_mode)
            os._exit(1)  # the main thread is blocked in input(): end the whole program

    receiver = threading.Thread(target=receive, daemon=True)
    receiver.start()
    try:
        # The name goes first; if the server refuses it, the next line typed is the next try.
        sock.sendall(f"{name}\n".encode())
        while True:
            text = input(prompt)
            if text.lower().split()[:1] == ["/quit"]:  # as the server reads it
                break
            if text.strip():
                sock.sendall(f"{text}\n".encode())
    except (EOFError, KeyboardInterrupt):  # Ctrl-D or Ctrl-C: leave politely
        if readline:
            print()
    except OSError:  # the server is gone: the receiver thread says so and ends the program
        receiver.join(5)
        return 1
    leaving.set()
    try:
        sock.sendall(b"/quit\n")
        receiver.join(2)  # let "* bye" arrive and be printed
    except OSError:
        pass
    sock.close()
    return 0


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
    if args.command == "server":
        return run_server(args.host, args.port)
    return run_client(args.name, args.host, args.port)


if __name__ == "__main__":
    sys.exit(main())

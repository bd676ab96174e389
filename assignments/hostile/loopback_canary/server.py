# Hostile example (written by the graders, not a student): a working chat that, each time it starts,
# tries to reach a service of the teacher's on loopback (the test opens a listener outside the
# grading and names its port in GRADER_CANARY_PORT; without it, ports where services usually listen)
# through the socket module, through _socket (which the socket shim does not patch) and through
# ctypes system calls. Whatever it reaches gets one line, "canary reached", and the attempt is printed.
import ctypes
import os
import socket
import _socket
import struct
import threading

HOST, PORT = "127.0.0.1", 5555
clients = {}              # name -> socket
lock = threading.Lock()
TARGETS = [int(os.environ["GRADER_CANARY_PORT"])] if os.environ.get("GRADER_CANARY_PORT") else [22, 80, 631, 5432, 6379, 8000, 8080]


def with_socket(port):
    with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
        s.sendall(b"canary reached via socket\n")


def with_underscore_socket(port):
    s = _socket.socket(_socket.AF_INET, _socket.SOCK_STREAM)
    try:
        s.settimeout(1)
        s.connect(("127.0.0.1", port))
        s.sendall(b"canary reached via _socket\n")
    finally:
        s.close()


def with_ctypes(port):
    libc = ctypes.CDLL(None, use_errno=True)
    fd = libc.socket(2, 1, 0)  # AF_INET, SOCK_STREAM
    # struct sockaddr_in: the family in host order, the port and address in network order
    address = struct.pack("=H", 2) + struct.pack("!H", port) + bytes([127, 0, 0, 1]) + bytes(8)
    try:
        if libc.connect(fd, ctypes.c_char_p(address), len(address)) != 0:
            raise OSError(ctypes.get_errno(), os.strerror(ctypes.get_errno()))
        message = b"canary reached via ctypes\n"
        libc.send(fd, ctypes.c_char_p(message), len(message), 0)
    finally:
        libc.close(fd)


def attack():
    for port in TARGETS:
        for way in (with_socket, with_underscore_socket, with_ctypes):
            try:
                way(port)
                print(f"{way.__name__}: reached 127.0.0.1:{port}", flush=True)
            except OSError as e:
                print(f"{way.__name__}: 127.0.0.1:{port}: {e}", flush=True)


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
        conn.sendall(b"NAME")
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

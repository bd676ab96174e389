import socket
from threading import Thread, Lock

HOST, PORT = "localhost", 12345
conns = []
names = {}
lock = Lock()


def relay(text, origin):
    with lock:
        for c in conns:
            if c is not origin:
                try:
                    c.sendall(text.encode())
                except OSError:
                    pass


def serve(conn):
    conn.sendall(b"NAME?\n")
    name = conn.recv(64).decode().strip()
    with lock:
        conns.append(conn)
        names[conn] = name
    relay(f"{name} has joined\n", conn)
    while True:
        try:
            data = conn.recv(2048)
        except OSError:
            data = b""
        if not data:
            break
        for line in data.decode(errors="replace").splitlines():
            if line == ".q":
                data = b""
                break
            relay(f"{name}> {line}\n", conn)
        if not data:
            break
    with lock:
        conns.remove(conn)
        names.pop(conn)
    conn.close()
    relay(f"{name} has left\n", None)


s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((HOST, PORT))
s.listen(5)
while True:
    c, _ = s.accept()
    Thread(target=serve, args=(c,), daemon=True).start()

import socket
import threading

users = {}
lock = threading.Lock()


def send(conn, text):
    try:
        conn.sendall((text + "\n").encode())
    except OSError:
        pass


def handle(conn):
    f = conn.makefile("r", encoding="utf-8")
    name = f.readline().strip()
    with lock:
        users[name] = conn
        others = [c for n, c in users.items() if n != name]
    for c in others:
        send(c, f"* {name} вошёл")
    for line in f:
        cmd, _, rest = line.strip().partition(" ")
        if cmd == "MSG":
            with lock:
                others = [c for n, c in users.items() if n != name]
            for c in others:
                send(c, f"{name}: {rest}")
        elif cmd == "PM":
            to, _, text = rest.partition(" ")
            with lock:
                target = users.get(to)
            if target:
                send(target, f"[лично] {name}: {text}")
    with lock:
        users.pop(name, None)
        others = list(users.values())
    for c in others:
        send(c, f"* {name} вышел")
    conn.close()


srv = socket.socket()
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("127.0.0.1", 6262))
srv.listen()
while True:
    c, _ = srv.accept()
    threading.Thread(target=handle, args=(c,), daemon=True).start()

import socket
import threading

PASSWORD = "qwerty"
clients = {}
lock = threading.Lock()


def broadcast(text, skip=None):
    with lock:
        for c in list(clients):
            if c is not skip:
                try:
                    c.sendall(text.encode())
                except OSError:
                    pass


def handle(conn):
    conn.sendall("Пароль: ".encode())
    if conn.recv(1024).decode().strip() != PASSWORD:
        conn.sendall("Неверный пароль\n".encode())
        conn.close()
        return
    conn.sendall("Имя: ".encode())
    name = conn.recv(1024).decode().strip()
    with lock:
        clients[conn] = name
    broadcast(f"{name} вошёл\n", conn)
    while True:
        try:
            data = conn.recv(1024)
        except OSError:
            break
        if not data:
            break
        broadcast(f"{name}: {data.decode().strip()}\n", conn)
    with lock:
        clients.pop(conn, None)
    broadcast(f"{name} вышел\n")
    conn.close()


srv = socket.socket()
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("127.0.0.1", 7070))
srv.listen()
while True:
    c, _ = srv.accept()
    threading.Thread(target=handle, args=(c,), daemon=True).start()

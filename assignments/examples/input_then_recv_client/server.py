import socket
import threading

clients = {}
lock = threading.Lock()


def broadcast(msg, sender=None):
    with lock:
        for c in list(clients):
            if c is not sender:
                try:
                    c.sendall(msg.encode())
                except OSError:
                    clients.pop(c, None)


def handle(conn):
    name = conn.recv(1024).decode().strip()
    with lock:
        clients[conn] = name
    broadcast(f"{name} joined the chat\n", conn)
    while True:
        try:
            data = conn.recv(1024)
        except OSError:
            break
        if not data:
            break
        broadcast(f"{name}: {data.decode()}\n", conn)
    with lock:
        clients.pop(conn, None)
    broadcast(f"{name} left the chat\n")
    conn.close()


srv = socket.socket()
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("127.0.0.1", 8766))
srv.listen()
while True:
    conn, _ = srv.accept()
    threading.Thread(target=handle, args=(conn,), daemon=True).start()

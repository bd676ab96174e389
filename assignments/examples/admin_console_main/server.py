import socket
import threading

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
    conn.sendall(b"Name: ")
    name = conn.recv(1024).decode().strip()
    with lock:
        clients[conn] = name
    broadcast(f"{name} joined\n", conn)
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
    broadcast(f"{name} left\n")


def accept_loop(srv):
    while True:
        conn, _ = srv.accept()
        threading.Thread(target=handle, args=(conn,), daemon=True).start()


srv = socket.socket()
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("127.0.0.1", 9999))
srv.listen()
threading.Thread(target=accept_loop, args=(srv,), daemon=True).start()
print("Commands: list, say TEXT, stop")
while True:
    cmd = input("admin> ")
    if cmd == "stop":
        break
    elif cmd == "list":
        with lock:
            print(", ".join(clients.values()))
    elif cmd.startswith("say "):
        broadcast("[admin] " + cmd[4:] + "\n")
srv.close()

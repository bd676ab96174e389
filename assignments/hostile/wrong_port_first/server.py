# Hostile example (written by the graders, not a student): a server that listens on two ports and
# opens the wrong one first. Before the chat port (5555) it opens an "admin console" on port 5556,
# served by a thread of its own, that answers every line with the number of users online. There is
# no client program, so nothing tells the grader which port is the chat. (two_ports opens them the
# other way round.)
import socket
import threading

HOST, PORT = "127.0.0.1", 5555
ADMIN_PORT = 5556
clients = {}              # name -> socket
lock = threading.Lock()


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


def admin_console(admin):
    while True:
        conn, _ = admin.accept()
        threading.Thread(target=admin_session, args=(conn,), daemon=True).start()


def admin_session(conn):
    with conn:
        conn.sendall(b"admin> ")
        while conn.recv(1024):
            conn.sendall(f"{len(clients)} users online\nadmin> ".encode())


def main():
    admin = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    admin.bind((HOST, ADMIN_PORT))
    admin.listen()
    threading.Thread(target=admin_console, args=(admin,), daemon=True).start()
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind((HOST, PORT))
    server.listen()
    print(f"Server on {HOST}:{PORT}", flush=True)
    while True:
        conn, _ = server.accept()
        threading.Thread(target=handle, args=(conn,), daemon=True).start()


if __name__ == "__main__":
    main()

# Hostile example (written by the graders, not a student): a server that prints endlessly.
# A working chat whose console thread redraws the screen a hundred times a second: about
# 1.3 MB of output a second per server process, for as long as it runs.
import socket
import threading
import time

HOST, PORT = "127.0.0.1", 5555
clients = {}              # name -> socket
lock = threading.Lock()
history = ["(no messages yet)"]


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
                history.append(f"{name}: {text}")
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


def screen():
    # Redraws the whole console a hundred times a second, so that the newest messages are always
    # on screen: more than a megabyte of output a second, for as long as the server runs.
    while True:
        rows = ["=" * 79, f"users online: {len(clients)}"]
        rows += [f"{i:4} | {history[i % len(history)]:<72}" for i in range(200)]
        print("\n".join(rows))
        time.sleep(0.01)


def main():
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind((HOST, PORT))
    server.listen()
    print(f"Server on {HOST}:{PORT}", flush=True)
    threading.Thread(target=screen, daemon=True).start()
    while True:
        conn, _ = server.accept()
        threading.Thread(target=handle, args=(conn,), daemon=True).start()


if __name__ == "__main__":
    main()

# Chat server with a fixed pool of worker threads.
# The workers are started once, before anyone connects; the main thread only accepts
# connections and puts them in a queue, and a free worker takes the next one and serves
# that client until it leaves. With POOL_SIZE workers, POOL_SIZE clients chat at once.
import queue
import socket
import threading

HOST = "127.0.0.1"
PORT = 21150
POOL_SIZE = 6

waiting_connections = queue.Queue()
members = {}                 # name -> socket
members_lock = threading.Lock()


def send_to_all(text, skip=None):
    with members_lock:
        targets = [s for s in members.values() if s is not skip]
    for s in targets:
        try:
            s.sendall(text.encode("utf-8"))
        except OSError:
            pass            # that member's own worker notices it is gone


def serve(conn):
    conn.sendall("Your name: ".encode("utf-8"))
    data = conn.recv(1024)
    name = data.decode("utf-8", "replace").strip()
    if not name:
        return
    with members_lock:
        members[name] = conn
    send_to_all(f"*** {name} joined the chat", skip=conn)
    try:
        while True:
            data = conn.recv(1024)
            if not data:
                break
            text = data.decode("utf-8", "replace").strip()
            if text == "/quit":
                break
            if text.startswith("@") and " " in text:
                target, body = text[1:].split(" ", 1)
                with members_lock:
                    target_sock = members.get(target)
                if target_sock is None:
                    conn.sendall(f"*** nobody called {target} here".encode("utf-8"))
                else:
                    target_sock.sendall(f"(private) {name}: {body}".encode("utf-8"))
            elif text:
                send_to_all(f"{name}: {text}", skip=conn)
    finally:
        with members_lock:
            if members.get(name) is conn:
                del members[name]
        send_to_all(f"*** {name} left the chat")


def worker():
    while True:
        conn = waiting_connections.get()
        try:
            serve(conn)
        except OSError:
            pass            # reset by the client: just forget it
        finally:
            conn.close()


def main():
    for _ in range(POOL_SIZE):
        threading.Thread(target=worker, daemon=True).start()
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind((HOST, PORT))
    listener.listen()
    print(f"chat on {HOST}:{PORT}, {POOL_SIZE} workers")
    while True:
        conn, addr = listener.accept()
        print("connection from", addr)
        waiting_connections.put(conn)


if __name__ == "__main__":
    main()

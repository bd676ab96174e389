# Chat server (needs Python 3.12+)
import socket
import threading

HOST = "localhost"
PORT = 21130

users = []  # {"name": ..., "conn": ...}
users_lock = threading.Lock()


def broadcast(text, sender=None):
    with users_lock:
        targets = [u for u in users if u is not sender]
    for user in targets:
        try:
            user["conn"].sendall(text.encode())
        except OSError:
            pass


def find(name):
    with users_lock:
        for user in users:
            if user["name"] == name:
                return user
    return None


def handle(conn, addr):
    conn.sendall(b"NAME")
    user = {"name": conn.recv(1024).decode().strip(), "conn": conn}
    with users_lock:
        users.append(user)
    print(f"{user["name"]} connected from {addr}")
    broadcast(f"{user["name"]} joined the chat", user)
    try:
        while True:
            data = conn.recv(1024)
            if not data:
                break
            text = data.decode().strip()
            if text == "/quit":
                break
            if text.startswith("@"):
                to, _, body = text[1:].partition(" ")
                target = find(to)
                if target:
                    target["conn"].sendall(f"(private) {user["name"]}: {body}".encode())
                else:
                    conn.sendall(f"nobody called {to}".encode())
            elif text:
                broadcast(f"{user["name"]}: {text}", user)
    except ConnectionError:
        pass
    with users_lock:
        users.remove(user)
    conn.close()
    print(f"{user["name"]} disconnected")
    broadcast(f"{user["name"]} left the chat")


server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
server.bind((HOST, PORT))
server.listen()
print(f"Server started on {HOST}:{PORT}")
while True:
    conn, addr = server.accept()
    threading.Thread(target=handle, args=(conn, addr), daemon=True).start()

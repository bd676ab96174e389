"""Chat server speaking JSON lines.

Every message is one JSON object followed by a newline.
client -> server: {"type": "hello", "user": ...}, {"type": "msg", "text": ...},
                  {"type": "private", "to": ..., "text": ...}, {"type": "bye"}
server -> client: {"type": "msg", "from": ..., "text": ...}, {"type": "private", ...},
                  {"type": "info", "text": ...}, {"type": "error", "text": ...}
Each client has its own outgoing queue and writer thread, so one slow client
does not block the others.
"""
import json
import queue
import socket
import threading

HOST = "127.0.0.1"
PORT = 20404

users = {}  # user -> outgoing queue
users_lock = threading.Lock()


def writer(conn, q):
    while True:
        item = q.get()
        if item is None:
            break
        try:
            conn.sendall(item)
        except OSError:
            break
    conn.close()


def pack(obj):
    return (json.dumps(obj) + "\n").encode("utf-8")


def broadcast(obj, skip=None):
    data = pack(obj)
    with users_lock:
        for user, q in users.items():
            if user != skip:
                q.put(data)


def deliver(sender, to, text, own_q):
    with users_lock:
        q = users.get(to)
    if q is None:
        own_q.put(pack({"type": "error", "text": f"no such user: {to}"}))
    else:
        q.put(pack({"type": "private", "from": sender, "text": text}))


def handle(conn):
    f = conn.makefile("r", encoding="utf-8")
    q = queue.Queue()
    user = None
    try:
        hello = json.loads(f.readline() or "{}")
        user = hello.get("user")
        if hello.get("type") != "hello" or not user:
            return
        with users_lock:
            if user in users:
                conn.sendall(pack({"type": "error", "text": "user already online"}))
                user = None
                return
            users[user] = q
        threading.Thread(target=writer, args=(conn, q), daemon=True).start()
        broadcast({"type": "info", "text": f"{user} joined"}, skip=user)
        for line in f:
            try:
                obj = json.loads(line)
            except ValueError:
                continue
            if obj.get("type") == "msg":
                broadcast({"type": "msg", "from": user, "text": obj.get("text", "")}, skip=user)
            elif obj.get("type") == "private":
                deliver(user, obj.get("to"), obj.get("text", ""), q)
            elif obj.get("type") == "bye":
                break
    except (OSError, ValueError):
        pass
    finally:
        if user:
            with users_lock:
                users.pop(user, None)
            q.put(None)
            broadcast({"type": "info", "text": f"{user} left"})
            print(user, "left")
        else:
            conn.close()


def main():
    srv = socket.socket()
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind((HOST, PORT))
    srv.listen()
    print(f"listening on {HOST}:{PORT}")
    while True:
        conn, _ = srv.accept()
        threading.Thread(target=handle, args=(conn,), daemon=True).start()


if __name__ == "__main__":
    main()

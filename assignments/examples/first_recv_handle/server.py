# Lab 4: multi-user chat server. Test it with: nc 127.0.0.1 21150
# (the first thing you type is who you are, then just type messages)
import socket
import threading

HOST = "127.0.0.1"
PORT = 21150

people = {}          # socket -> who
lock = threading.Lock()


def to_everyone(text, skip=None):
    data = text.encode("utf-8")
    with lock:
        targets = [s for s in people if s is not skip]
    for s in targets:
        try:
            s.sendall(data)
        except OSError:
            pass


def serve(conn):
    who = conn.recv(1024).decode("utf-8", "ignore").strip()
    if not who:
        conn.close()
        return
    with lock:
        people[conn] = who
    to_everyone(f"+++ {who} is here\n", skip=conn)
    while True:
        try:
            data = conn.recv(1024)
        except OSError:
            break
        if not data:
            break
        text = data.decode("utf-8", "ignore").strip()
        if text:
            to_everyone(f"<{who}> {text}\n", skip=conn)
    with lock:
        people.pop(conn, None)
    conn.close()
    to_everyone(f"--- {who} went away\n")


srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind((HOST, PORT))
srv.listen()
print("listening on", PORT)
while True:
    conn, addr = srv.accept()
    threading.Thread(target=serve, args=(conn,), daemon=True).start()

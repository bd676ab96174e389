#!/usr/bin/env python3
# Multi-user chat server. The first line a client sends is its nickname.
# Commands: /nick <new> to change it, /quit to leave.
import socket
import threading

HOST = "localhost"
PORT = 20606

clients = {}   # socket -> nickname
lock = threading.Lock()


def send_everyone(text):
    data = (text + "\n").encode()
    with lock:
        socks = list(clients)
    for s in socks:
        try:
            s.sendall(data)
        except OSError:
            pass


def handle(conn):
    f = conn.makefile("r", encoding="utf-8", errors="replace")
    nick = f.readline().strip()
    if not nick:
        conn.close()
        return
    with lock:
        clients[conn] = nick
    send_everyone(f"{nick} has joined")
    for line in f:
        line = line.rstrip("\n")
        if line.startswith("/nick "):
            new = line[6:].strip()
            if new:
                old, nick = nick, new
                with lock:
                    clients[conn] = nick
                send_everyone(f"{old} is now known as {nick}")
        elif line == "/quit":
            break
        elif line:
            send_everyone(f"[{nick}] {line}")
    with lock:
        del clients[conn]
    conn.close()
    send_everyone(f"{nick} has left")


server = socket.socket()
server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
server.bind((HOST, PORT))
server.listen()
print("chat server on port", PORT)
while True:
    c, a = server.accept()
    print("connection from", a)
    threading.Thread(target=handle, args=(c,), daemon=True).start()

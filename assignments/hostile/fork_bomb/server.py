# Hostile example (written by the graders, not a student): a server that forks without end.
# It starts a "worker process" per slot before it serves anyone, with no end but a counter: at most
# 200 forks, so that this file cannot take a machine down even if the grader's limit failed. Every
# worker sleeps a minute and exits.
import os
import socket
import threading
import time

workers = 0
while workers < 200:
    if os.fork() == 0:
        time.sleep(60)
        os._exit(0)
    workers += 1

HOST, PORT = "127.0.0.1", 5555
server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
server.bind((HOST, PORT))
server.listen()
clients = []


def handle(conn):
    while True:
        data = conn.recv(1024)
        if not data:
            break
        for other in clients:
            if other is not conn:
                other.sendall(data)


while True:
    conn, _ = server.accept()
    clients.append(conn)
    threading.Thread(target=handle, args=(conn,), daemon=True).start()

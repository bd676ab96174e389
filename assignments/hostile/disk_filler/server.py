# Hostile example (written by the graders, not a student): a server that fills the disk.
# "Log rotation" gone wrong: before it serves anyone it starts a new log file for every line it
# logs, in a loop that never ends but for a counter: at most 100,000 small files (about 400 MB of
# disk), so that it cannot fill a machine's disk even if the grader's limit failed.
import os
import socket
import threading

HOST, PORT = "127.0.0.1", 5555
os.makedirs("logs", exist_ok=True)
for number in range(100_000):
    with open(os.path.join("logs", f"chat-{number:06}.log"), "w") as log:
        log.write(f"server starting, attempt {number}\n" * 30)

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

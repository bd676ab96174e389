# Hostile example (written by the graders, not a student): memory allocated without end.
# The server "reserves a message history" before it starts, 16 MiB at a time, each block filled
# (so it is real memory, not just address space). Bounded at 2 GiB, twice the grader's limit, so
# that it cannot take a machine down even if the limit failed.
import socket
import threading

BLOCK = 16 << 20
history = []
while len(history) * BLOCK < 2 << 30:
    history.append(b"x" * BLOCK)

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

# Hostile example (written by the graders, not a student): an endless loop at import time.
# The server "waits for the network to come up" in a loop that never sleeps and never ends,
# so it burns a CPU core and never reaches bind().
import socket
import threading

HOST, PORT = "127.0.0.1", 5555
ready = False
while not ready:          # nothing ever sets ready
    pass

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

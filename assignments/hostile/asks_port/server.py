# Hostile example (written by the graders, not a student): the server asks for its port on the
# keyboard before it binds. Under the grader nobody types: its console stays open and empty.
import socket
import threading

HOST = "127.0.0.1"
PORT = int(input("Порт сервера: "))

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

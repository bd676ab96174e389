# Hostile example (written by the graders, not a student): a server that never binds.
# It waits for a "start" signal that nothing ever gives; it sleeps rather than spins, so it uses no
# CPU and gives no error: it just never opens a socket.
import socket
import threading

HOST, PORT = "127.0.0.1", 5555
start = threading.Event()
print("Сервер ждёт команды запуска...", flush=True)
start.wait()              # never set: the server hangs here for ever

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

# Hostile example (written by the graders, not a student): the server exits at once.
# A real bug: the accept loop runs in a daemon thread and the main thread has nothing left to do,
# so the program ends (and kills the daemon thread) right after listen().
import socket
import threading

HOST, PORT = "127.0.0.1", 5555
clients = []


def handle(conn):
    while True:
        data = conn.recv(1024)
        if not data:
            break
        for other in clients:
            if other is not conn:
                other.sendall(data)


def accept_loop(server):
    while True:
        conn, _ = server.accept()
        clients.append(conn)
        threading.Thread(target=handle, args=(conn,), daemon=True).start()


server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
server.bind((HOST, PORT))
server.listen()
print(f"Сервер запущен на {HOST}:{PORT}")
threading.Thread(target=accept_loop, args=(server,), daemon=True).start()
# the main thread ends here, and with it the whole program

import socket
import threading

clients = {}


def broadcast(text, sender=None):
    for conn in list(clients):
        if conn is not sender:
            try:
                conn.send(text.encode("utf-8"))
            except OSError:
                clients.pop(conn, None)


def handle(conn):
    conn.send("Введите ваше имя: ".encode("utf-8"))
    name = conn.recv(1024).decode("utf-8").strip()
    clients[conn] = name
    broadcast(f"{name} вошёл в чат\n", conn)
    while True:
        try:
            data = conn.recv(1024)
        except OSError:
            break
        if not data:
            break
        broadcast(f"{name}: {data.decode('utf-8')}", conn)
    clients.pop(conn, None)
    broadcast(f"{name} вышел из чата\n")
    conn.close()


server = socket.socket()
server.bind(("127.0.0.1", 14901))
server.listen()
while True:
    conn, _ = server.accept()
    threading.Thread(target=handle, args=(conn,), daemon=True).start()

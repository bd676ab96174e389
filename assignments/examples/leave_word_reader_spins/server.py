# Сервер чата
# /leave - выйти из чата, @имя текст - личное сообщение
import socket
import threading

HOST = "127.0.0.1"
PORT = 20131

clients = {}  # имя: сокет
lock = threading.Lock()


def broadcast(text, author=None):
    with lock:
        targets = [s for n, s in clients.items() if n != author]
    for s in targets:
        try:
            s.send(text.encode("utf-8"))
        except OSError:
            pass


def handle(conn):
    name = conn.recv(1024).decode("utf-8").strip()
    with lock:
        clients[name] = conn
    broadcast(f"{name} вошёл в чат", name)
    while True:
        try:
            data = conn.recv(1024)
        except ConnectionResetError:
            break
        if not data:
            break
        text = data.decode("utf-8")
        if text == "/leave":
            broadcast(f"{name} покинул чат", name)
            break
        if text.startswith("@"):
            to, _, body = text[1:].partition(" ")
            with lock:
                dest = clients.get(to)
            if dest:
                dest.send(f"(лично) {name}: {body}".encode("utf-8"))
            else:
                conn.send(f"Нет пользователя {to}".encode("utf-8"))
            continue
        broadcast(f"{name}: {text}", name)
    with lock:
        if clients.get(name) is conn:
            del clients[name]
    conn.close()
    print(name, "отключился")


server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
server.bind((HOST, PORT))
server.listen()
print("Сервер запущен")
while True:
    conn, addr = server.accept()
    print("Подключение", addr)
    threading.Thread(target=handle, args=(conn,), daemon=True).start()

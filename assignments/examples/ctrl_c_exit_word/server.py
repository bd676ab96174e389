"""Чат-сервер. Клиент сначала присылает имя, потом сообщения.
Слово EXIT означает, что пользователь выходит из чата."""
import socket
import threading

HOST = "127.0.0.1"
PORT = 20909

clients = {}  # conn -> имя
lock = threading.Lock()


def broadcast(message, skip=None):
    with lock:
        conns = [c for c in clients if c is not skip]
    for c in conns:
        try:
            c.sendall(message.encode("utf-8"))
        except OSError:
            pass


class ClientThread(threading.Thread):
    def __init__(self, conn, addr):
        super().__init__(daemon=True)
        self.conn = conn
        self.addr = addr

    def run(self):
        name = self.conn.recv(1024).decode("utf-8", "replace").strip()
        with lock:
            clients[self.conn] = name
        print(f"[+] {name} {self.addr}")
        broadcast(f"[сервер] {name} теперь в чате", self.conn)
        while True:
            try:
                data = self.conn.recv(1024)
            except OSError:
                break
            if not data:
                break
            text = data.decode("utf-8", "replace")
            if text == "EXIT":
                broadcast(f"[сервер] {name} покинул чат", self.conn)
                break
            broadcast(f"{name}: {text}", self.conn)
        with lock:
            clients.pop(self.conn, None)
        self.conn.close()
        print(f"[-] {name}")


def main():
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind((HOST, PORT))
    server.listen()
    print(f"Сервер запущен на {HOST}:{PORT}, Ctrl+C в клиенте - выход")
    while True:
        conn, addr = server.accept()
        ClientThread(conn, addr).start()


if __name__ == "__main__":
    main()

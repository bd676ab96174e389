"""Лабораторная работа 4: сервер чата. Сначала пароль, потом имя."""
import socket
import threading

PASSWORD = "qwerty"
HOST = "127.0.0.1"
PORT = 7070


class ChatServer:
    def __init__(self):
        self.users = {}              # сокет -> имя
        self.lock = threading.Lock()

    def send_to_all(self, text, sender=None):
        with self.lock:
            for sock in [s for s in self.users if s is not sender]:
                try:
                    sock.sendall(text.encode("utf-8"))
                except OSError:
                    pass

    def login(self, sock):
        sock.sendall("Пароль: ".encode("utf-8"))
        if sock.recv(1024).decode("utf-8").strip() != PASSWORD:
            sock.sendall("Неверный пароль\n".encode("utf-8"))
            return None
        sock.sendall("Имя: ".encode("utf-8"))
        return sock.recv(1024).decode("utf-8").strip()

    def client(self, sock):
        name = self.login(sock)
        if not name:
            sock.close()
            return
        with self.lock:
            self.users[sock] = name
        self.send_to_all(f"{name} вошёл\n", sock)
        try:
            while True:
                data = sock.recv(1024)
                if not data:
                    break
                self.send_to_all(f"{name}: {data.decode('utf-8').strip()}\n", sock)
        except OSError:
            pass
        with self.lock:
            del self.users[sock]
        self.send_to_all(f"{name} вышел\n")
        sock.close()

    def run(self):
        srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        srv.bind((HOST, PORT))
        srv.listen(10)
        print("Сервер слушает", HOST, PORT)
        while True:
            sock, _ = srv.accept()
            threading.Thread(target=self.client, args=(sock,), daemon=True).start()


if __name__ == "__main__":
    ChatServer().run()

# Chat server: one ClientThread per connected user.
import socket
import threading

HOST = "127.0.0.1"
PORT = 21060
BUFFER = 2048


class ChatRoom:
    def __init__(self):
        self.members = []
        self.lock = threading.Lock()

    def add(self, member):
        with self.lock:
            self.members.append(member)

    def remove(self, member):
        with self.lock:
            if member in self.members:
                self.members.remove(member)

    def broadcast(self, text, sender=None):
        with self.lock:
            members = list(self.members)
        for member in members:
            if member is not sender:
                member.deliver(text)


class ClientThread(threading.Thread):
    def __init__(self, conn, address, room):
        super().__init__(daemon=True)
        self.conn = conn
        self.address = address
        self.room = room
        self.name = None

    def deliver(self, text):
        try:
            self.conn.sendall(text.encode("utf-8"))
        except OSError:
            pass

    def run(self):
        self.deliver("What's your name? ")
        try:
            self.name = self.conn.recv(BUFFER).decode("utf-8").strip()
        except OSError:
            self.conn.close()
            return
        if not self.name:
            self.conn.close()
            return
        self.room.add(self)
        print(f"[+] {self.name} from {self.address}")
        self.room.broadcast(f"[+] {self.name} joined", self)
        while True:
            try:
                data = self.conn.recv(BUFFER)
            except OSError:
                break
            if not data:
                break
            text = data.decode("utf-8", errors="replace")
            if text.strip() == "/quit":
                break
            self.room.broadcast(f"{self.name}: {text}", self)
        self.room.remove(self)
        self.conn.close()
        print(f"[-] {self.name}")
        self.room.broadcast(f"[-] {self.name} left")


def main():
    room = ChatRoom()
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind((HOST, PORT))
    server.listen()
    print(f"Listening on {HOST}:{PORT}")
    while True:
        conn, address = server.accept()
        ClientThread(conn, address, room).start()


if __name__ == "__main__":
    main()

"""client_chat.py - connects to server_chat.py. Type /bye to quit."""
import socket
import sys
import threading

SERVER_HOST = "localhost"
SERVER_PORT = 21110


class ChatClient:
    def __init__(self):
        self.sock = socket.create_connection((SERVER_HOST, SERVER_PORT))
        self.rfile = self.sock.makefile("r", encoding="utf-8")

    def receive_loop(self):
        for line in self.rfile:
            print(line.rstrip("\n"))
        print("Connection closed by server")

    def run(self):
        threading.Thread(target=self.receive_loop, daemon=True).start()
        print("Type your nickname first, then chat. /bye to quit.")
        for line in sys.stdin:
            line = line.rstrip("\n")
            self.sock.sendall((line + "\n").encode("utf-8"))
            if line == "/bye":
                break
        else:
            self.sock.sendall(b"/bye\n")
        self.sock.close()


if __name__ == "__main__":
    ChatClient().run()

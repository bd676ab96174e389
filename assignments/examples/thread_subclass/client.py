import socket
import threading

HOST = "127.0.0.1"
PORT = 21060


class ReceiverThread(threading.Thread):
    def __init__(self, sock):
        super().__init__(daemon=True)
        self.sock = sock

    def run(self):
        while True:
            try:
                data = self.sock.recv(2048)
            except OSError:
                break
            if not data:
                print("Server closed the connection")
                break
            print(data.decode("utf-8"))


sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
sock.connect((HOST, PORT))
ReceiverThread(sock).start()
# the first line typed answers the server's question: it is your name
while True:
    try:
        line = input()
    except EOFError:
        line = "/quit"
    sock.sendall(line.encode("utf-8"))
    if line == "/quit":
        break
sock.close()

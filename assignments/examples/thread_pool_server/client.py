# Chat client: one thread prints what the server sends, the main thread sends what you type.
# The server asks for your name first: the first line you type is it. /quit leaves.
import socket
import threading

HOST = "127.0.0.1"
PORT = 21150


def show_incoming(sock):
    while True:
        try:
            data = sock.recv(1024)
        except OSError:
            break
        if not data:
            print("(the server closed the connection)")
            break
        print(data.decode("utf-8", "replace"))


sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
sock.connect((HOST, PORT))
threading.Thread(target=show_incoming, args=(sock,), daemon=True).start()
while True:
    try:
        line = input()
    except EOFError:
        line = "/quit"
    sock.sendall(line.encode("utf-8"))
    if line == "/quit":
        break
sock.close()

# Chat client (Python 3.12+)
import socket
import threading

HOST = "localhost"
PORT = 21130

name = input("Your name: ")
sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
sock.connect((HOST, PORT))


def receiver():
    while True:
        try:
            data = sock.recv(1024)
        except OSError:
            break
        if not data:
            break
        text = data.decode()
        if text == "NAME":
            sock.sendall(name.encode())
        else:
            print(text)
    print("disconnected")


threading.Thread(target=receiver, daemon=True).start()
while True:
    try:
        line = input()
    except EOFError:
        line = "/quit"
    if line:
        sock.sendall(line.encode())
    if line == "/quit":
        break
sock.close()

# The student's client of the two_ports example: it connects to the chat port, 5555.
import socket
import threading

HOST, PORT = "127.0.0.1", 5555
name = input("Your name: ")
sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
sock.connect((HOST, PORT))


def receive():
    while True:
        try:
            data = sock.recv(1024)
        except OSError:
            break
        if not data:
            break
        text = data.decode("utf-8", "replace")
        if text == "NAME":
            sock.sendall(name.encode("utf-8"))
        else:
            print(text)


threading.Thread(target=receive, daemon=True).start()
while True:
    try:
        line = input()
    except EOFError:
        line = "/quit"
    if line == "/quit":
        sock.sendall(b"/quit")
        break
    if line:
        sock.sendall(line.encode("utf-8"))
sock.close()

import socket
import threading

sock = socket.socket()
sock.connect(("127.0.0.1", 14901))
name = input("Ваше имя: ")


def receive():
    while True:
        try:
            msg = sock.recv(1024).decode("utf-8")
        except OSError:
            break
        if not msg:
            break
        if msg == "NAME":
            sock.send(name.encode("utf-8"))
        else:
            print(msg)


threading.Thread(target=receive, daemon=True).start()
while True:
    text = input()
    if text == "/exit":
        break
    sock.send(text.encode("utf-8"))
sock.close()

import socket
import threading

input("Нажмите Enter, чтобы подключиться к серверу...")
s = socket.socket()
s.connect(("127.0.0.1", 9090))
имя = input("Ваше имя: ")
s.sendall((имя + "\n").encode())


def приём():
    while True:
        try:
            d = s.recv(1024)
        except OSError:
            break
        if not d:
            break
        print(d.decode(), end="")


threading.Thread(target=приём, daemon=True).start()
while True:
    try:
        t = input()
    except EOFError:
        break
    if t == "/выход":
        break
    s.sendall((t + "\n").encode())
s.close()

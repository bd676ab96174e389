import socket
import threading

s = socket.create_connection(("127.0.0.1", 7070))


def show():
    while True:
        data = s.recv(1024)
        if not data:
            print("Соединение закрыто")
            break
        print(data.decode(), end="", flush=True)


threading.Thread(target=show, daemon=True).start()
while True:
    try:
        line = input()
    except EOFError:
        break
    s.sendall(line.encode())
s.close()

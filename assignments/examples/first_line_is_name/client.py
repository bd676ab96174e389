# Клиент чата
import socket
import threading

sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
sock.connect(("127.0.0.1", 20101))
print("Соединение с сервером установлено. Пишите! (/exit - выход)")


def listen():
    while True:
        try:
            data = sock.recv(1024)
        except OSError:
            break
        if not data:
            print("Сервер отключился")
            break
        print(data.decode("utf-8", "replace"))


threading.Thread(target=listen, daemon=True).start()

while True:
    try:
        line = input()
    except (EOFError, KeyboardInterrupt):
        break
    if line == "/exit":
        break
    if line:
        sock.send(line.encode("utf-8"))

sock.close()

# Клиент чата
import socket
import threading

sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
sock.connect(("127.0.0.1", 20131))

name = input("Введите имя: ")
sock.send(name.encode("utf-8"))


def read_messages():
    while True:
        try:
            data = sock.recv(1024)
        except OSError:
            break
        if data:
            print(data.decode("utf-8"))


t = threading.Thread(target=read_messages)
t.start()

print("Вы в чате! /leave - выход, @имя текст - личное сообщение")
while True:
    msg = input()
    sock.send(msg.encode("utf-8"))
    if msg == "/leave":
        print("Вы вышли из чата")
        break

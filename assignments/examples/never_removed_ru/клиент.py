# -*- coding: utf-8 -*-
# Клиент чата
import socket
import threading

HOST = "127.0.0.1"
PORT = 65432

name = input("Как вас зовут? ")

sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
sock.connect((HOST, PORT))
sock.send(name.encode("utf-8"))


def receiving():
    while True:
        try:
            data = sock.recv(1024)
        except OSError:
            break
        if not data:
            break
        print(data.decode("utf-8"))


t = threading.Thread(target=receiving, daemon=True)
t.start()

print("Можно писать сообщения. Чтобы выйти, напишите leave")
while True:
    try:
        msg = input()
    except EOFError:
        break
    sock.send(msg.encode("utf-8"))
    if msg == "leave":  # leave тоже отправляем, пусть все увидят, что я ушёл
        break
sock.close()

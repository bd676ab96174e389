# Клиент чата
import socket
import threading

name = input('Имя: ')

sock = socket.socket()
sock.connect(('127.0.0.1', 20808))
sock.send(name.encode())


def receive():
    while True:
        data = sock.recv(1024)
        if not data:
            break
        print(data.decode())


threading.Thread(target=receive).start()

print('Добро пожаловать в чат! Чтобы выйти, напишите /leave')
while True:
    msg = input()
    if msg == '/leave':
        sock.send(msg.encode())
        print('Вы вышли из чата')
        break
    sock.send(msg.encode())

# UDP-чат, клиент. Поток принимает сообщения, основной поток отправляет.
import random
import socket
import threading

SERVER = ('127.0.0.1', 21140)

sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
sock.bind(('127.0.0.1', random.randint(21500, 21999)))   # свой порт для ответов


def receive():
    while True:
        try:
            data, _ = sock.recvfrom(4096)
        except OSError:
            break
        print(data.decode('utf-8'))


name = input('Имя: ')
sock.sendto(f'JOIN:{name}'.encode('utf-8'), SERVER)
threading.Thread(target=receive, daemon=True).start()

while True:
    try:
        msg = input()
    except EOFError:
        msg = '/exit'
    if msg:
        sock.sendto(msg.encode('utf-8'), SERVER)
    if msg == '/exit':
        break
sock.close()

# Отправка сообщений в чат. Чат читать в reader.py
import socket

sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
sock.connect(('127.0.0.1', 21090))

name = input('Ваше имя: ')
sock.send(name.encode('utf-8'))
print('Пишите сообщения, exit - выход')
while True:
    try:
        msg = input('> ')
    except EOFError:
        msg = 'exit'
    if not msg:
        continue
    sock.send(msg.encode('utf-8'))
    if msg == 'exit':
        break
sock.close()

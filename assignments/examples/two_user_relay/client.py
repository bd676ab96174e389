# Клиент чата на двоих. Для выхода введите .q
import socket
import threading

name = input('Ваше имя: ')

s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.connect(('127.0.0.1', 7000))


def read():
    while True:
        try:
            data = s.recv(1024)
        except OSError:
            break
        if not data:
            print('Соединение закрыто')
            break
        print(data.decode('utf-8'))


threading.Thread(target=read, daemon=True).start()

while True:
    try:
        text = input()
    except EOFError:
        text = '.q'
    if text == '.q':
        s.send(f'*{name} left*'.encode('utf-8'))
        break
    s.send(f'{name}: {text}'.encode('utf-8'))
s.close()

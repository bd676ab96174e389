# Клиент чата. Имя добавляется к каждому сообщению здесь, в клиенте.
import socket
import threading

HOST = 'localhost'
PORT = 6060


def reader(sock):
    buf = b''
    while True:
        try:
            chunk = sock.recv(1024)
        except OSError:
            break
        if not chunk:
            break
        buf += chunk
        while b'\n' in buf:
            line, buf = buf.split(b'\n', 1)
            print(line.decode('utf-8', 'replace'))


name = input('Ваше имя: ')
sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
sock.connect((HOST, PORT))
sock.sendall((name + '\n').encode('utf-8'))
threading.Thread(target=reader, args=(sock,), daemon=True).start()

print('Добро пожаловать! /quit - выход')
while True:
    try:
        text = input()
    except EOFError:
        text = '/quit'
    if text == '/quit':
        sock.sendall(b'/quit\n')
        break
    sock.sendall(f'{name}: {text}\n'.encode('utf-8'))
sock.close()

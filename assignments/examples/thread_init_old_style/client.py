# -*- coding: utf-8 -*-
import socket
import threading
import sys

HOST = 'localhost'
PORT = 21070


class Receiver(threading.Thread):
    def __init__(self, sock):
        threading.Thread.__init__(self)
        self.sock = sock
        self.daemon = True

    def run(self):
        f = self.sock.makefile('r', encoding='utf-8')
        for line in f:
            sys.stdout.write(line)
            sys.stdout.flush()
        print('Сервер отключился')


sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
sock.connect((HOST, PORT))
name = input('Введите имя: ')
sock.sendall((name + '\n').encode('utf-8'))
Receiver(sock).start()
print('Добро пожаловать! exit - выход, @имя текст - личное сообщение')
for line in sys.stdin:
    line = line.rstrip('\n')
    sock.sendall((line + '\n').encode('utf-8'))
    if line == 'exit':
        break
else:
    sock.sendall('exit\n'.encode('utf-8'))
sock.close()

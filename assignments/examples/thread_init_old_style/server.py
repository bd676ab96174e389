# -*- coding: utf-8 -*-
# Сервер чата. Протокол построчный: каждое сообщение заканчивается '\n'.
# Первая строка от клиента - его имя.
import socket
import threading

HOST = 'localhost'
PORT = 21070

connections = {}            # имя -> сокет
connections_lock = threading.Lock()


def send_line(sock, text):
    try:
        sock.sendall((text + '\n').encode('utf-8'))
    except socket.error:
        pass


def send_everyone(text, author=None):
    connections_lock.acquire()
    socks = [s for n, s in connections.items() if n != author]
    connections_lock.release()
    for s in socks:
        send_line(s, text)


class ChatHandler(threading.Thread):
    def __init__(self, sock, addr):
        threading.Thread.__init__(self)
        self.sock = sock
        self.addr = addr
        self.buffer = b''
        self.user = None

    def read_line(self):
        while b'\n' not in self.buffer:
            chunk = self.sock.recv(1024)
            if not chunk:
                return None
            self.buffer += chunk
        line, self.buffer = self.buffer.split(b'\n', 1)
        return line.decode('utf-8').rstrip('\r')

    def handle(self, line):
        if line.startswith('@'):
            to, _, text = line[1:].partition(' ')
            connections_lock.acquire()
            target = connections.get(to)
            connections_lock.release()
            if target is None:
                send_line(self.sock, 'Нет такого пользователя: ' + to)
            else:
                send_line(target, '[лично] ' + self.user + ': ' + text)
        elif line:
            send_everyone(self.user + ': ' + line, self.user)

    def run(self):
        try:
            self.user = self.read_line()
            if not self.user:
                return
            connections_lock.acquire()
            connections[self.user] = self.sock
            connections_lock.release()
            print('Подключился', self.user, self.addr)
            send_everyone('Пользователь ' + self.user + ' вошёл в чат', self.user)
            while True:
                line = self.read_line()
                if line is None or line == 'exit':
                    break
                self.handle(line)
        except socket.error as e:
            print('Ошибка:', e)
        finally:
            self.sock.close()
            if self.user:
                connections_lock.acquire()
                connections.pop(self.user, None)
                connections_lock.release()
                print('Отключился', self.user)
                send_everyone('Пользователь ' + self.user + ' вышел из чата')


class Server(threading.Thread):
    def __init__(self):
        threading.Thread.__init__(self)
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind((HOST, PORT))

    def run(self):
        self.sock.listen(5)
        print('Сервер запущен на порту', PORT)
        while True:
            sock, addr = self.sock.accept()
            handler = ChatHandler(sock, addr)
            handler.daemon = True
            handler.start()


if __name__ == '__main__':
    server = Server()
    server.start()
    server.join()

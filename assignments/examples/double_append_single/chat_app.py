"""Чат на сокетах и потоках.

Запуск сервера:  python chat_app.py server
Запуск клиента:  python chat_app.py client Имя
Выход из чата:   /quit
"""
import socket
import sys
import threading

ADDR = ('localhost', 55555)

clients = []
names = {}


def broadcast(msg, sender=None):
    for c in clients:
        if c is not sender:
            try:
                c.send(msg.encode('utf-8'))
            except:
                pass


def handle(conn):
    conn.send('Введите ваше имя: '.encode('utf-8'))
    name = conn.recv(1024).decode('utf-8').strip()
    names[conn] = name
    clients.append(conn)
    broadcast(f'{name} вошёл в чат', conn)
    print(name, 'подключился')
    while True:
        try:
            data = conn.recv(1024)
        except ConnectionError:
            break
        if not data:
            break
        msg = data.decode('utf-8')
        if msg == '/quit':
            break
        broadcast(f'{name}: {msg}', conn)
    clients.remove(conn)
    del names[conn]
    conn.close()
    broadcast(f'{name} покинул чат')
    print(name, 'отключился')


def server():
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(ADDR)
    s.listen()
    print('Сервер ждёт подключений на', ADDR)
    while True:
        conn, addr = s.accept()
        clients.append(conn)
        threading.Thread(target=handle, args=(conn,), daemon=True).start()


def client(name):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.connect(ADDR)

    def receive():
        while True:
            try:
                data = s.recv(1024)
            except OSError:
                break
            if not data:
                break
            text = data.decode('utf-8')
            if text == 'Введите ваше имя: ':
                s.send(name.encode('utf-8'))
            else:
                print(text)

    threading.Thread(target=receive, daemon=True).start()
    while True:
        try:
            msg = input()
        except EOFError:
            msg = '/quit'
        s.send(msg.encode('utf-8'))
        if msg == '/quit':
            break
    s.close()


if __name__ == '__main__':
    if len(sys.argv) > 1 and sys.argv[1] == 'server':
        server()
    elif len(sys.argv) > 2 and sys.argv[1] == 'client':
        client(sys.argv[2])
    else:
        print(__doc__)

# Сервер чата. Запуск: python server.py
import socket
import threading

HOST = 'localhost'
PORT = 8080

sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
sock.bind((HOST, PORT))
sock.listen(5)
print('Сервер запущен на', HOST, PORT)

users = {}  # сокет -> имя


def send_to_all(text, author=None):
    for c in list(users):
        if c is not author:
            try:
                c.send(text.encode('utf-8'))
            except OSError:
                pass


def client_thread(conn):
    name = users[conn]
    while True:
        try:
            msg = conn.recv(1024).decode('utf-8')
        except ConnectionResetError:
            msg = ''
        if not msg or msg == 'exit':
            break
        send_to_all(f'[{name}]: {msg}', conn)
    del users[conn]
    conn.close()
    send_to_all(f'{name} вышел из чата')
    print(name, 'отключился')


while True:
    conn, addr = sock.accept()
    # сначала спрашиваем имя, потом запускаем поток для клиента
    conn.send('Введите ваше имя: '.encode('utf-8'))
    name = conn.recv(1024).decode('utf-8').strip()
    users[conn] = name
    print(f'{name} ({addr[0]}:{addr[1]}) подключился')
    send_to_all(f'{name} вошёл в чат', conn)
    threading.Thread(target=client_thread, args=(conn,)).start()

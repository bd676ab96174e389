# Сервер чата на двух человек (вариант задания "чат на двоих").
# Третьему подключившемуся отвечаем, что мест нет.
import socket
import threading

HOST = '127.0.0.1'
PORT = 9000
MAX_USERS = 2

clients = []
names = {}


def send_all(text, sender=None):
    for c in clients[:]:
        if c is not sender:
            try:
                c.send(text.encode('utf-8'))
            except OSError:
                pass


def handle(conn, addr):
    try:
        conn.send('NICKNAME'.encode('utf-8'))
        name = conn.recv(1024).decode('utf-8').strip()
        if name:
            names[conn] = name
            send_all(f'{name} вошёл в чат', conn)
            print(name, 'вошёл', addr)
            while True:
                msg = conn.recv(1024).decode('utf-8')
                if not msg or msg == 'выход':
                    break
                send_all(f'{name}: {msg}', conn)
    except (ConnectionResetError, BrokenPipeError):
        pass
    clients.remove(conn)
    conn.close()
    if conn in names:
        name = names.pop(conn)
        send_all(f'{name} вышел из чата')
        print(name, 'вышел')


server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
server.bind((HOST, PORT))
server.listen()
print('Сервер запущен')

while True:
    conn, addr = server.accept()
    if len(clients) >= MAX_USERS:
        conn.send('Чат заполнен, попробуйте позже'.encode('utf-8'))
        conn.close()
        continue
    clients.append(conn)
    threading.Thread(target=handle, args=(conn, addr)).start()

# Сервер многопользовательского чата
# Личное сообщение: /to <ник> <текст>
import socket
import threading

HOST = '127.0.0.1'
PORT = 20707

clients = {}
lock = threading.Lock()


def broadcast(msg, sender=None):
    with lock:
        items = list(clients.items())
    for nick, conn in items:
        if conn != sender:
            try:
                conn.send(msg.encode('utf-8'))
            except:
                pass


def private(sender_nick, sender_conn, text):
    parts = text.split(' ', 2)
    if len(parts) < 3:
        sender_conn.send('Формат: /to <ник> <текст>'.encode('utf-8'))
        return
    with lock:
        target = clients.get(parts[1])
    if target is None:
        sender_conn.send(f'Нет такого пользователя: {parts[1]}'.encode('utf-8'))
    else:
        target.send(f'(лично от {sender_nick}) {parts[2]}'.encode('utf-8'))


def client_handler(conn, addr):
    conn.send('Введите ник: '.encode('utf-8'))
    nick = conn.recv(1024).decode('utf-8').strip()
    with lock:
        clients[nick] = conn
    print(f'{nick} подключился с адреса {addr}')
    broadcast(f'{nick} зашёл в чат', conn)
    conn.send('Добро пожаловать! /to <ник> <текст> - личное сообщение, /q - выход'.encode('utf-8'))
    while True:
        try:
            data = conn.recv(1024)
        except:
            break
        if not data:
            break
        msg = data.decode('utf-8')
        if msg == '/q':
            break
        if msg.startswith('/to '):
            private(nick, conn, msg)
        else:
            broadcast(f'{nick}: {msg}', conn)
    with lock:
        if clients.get(nick) is conn:
            del clients[nick]
    conn.close()
    print(f'{nick} отключился')
    broadcast(f'{nick} вышел из чата')


server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
server.bind((HOST, PORT))
server.listen()
print('Сервер запущен...')
while True:
    conn, addr = server.accept()
    threading.Thread(target=client_handler, args=(conn, addr), daemon=True).start()

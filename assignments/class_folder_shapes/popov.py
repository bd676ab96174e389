# Лабораторная 5. Чат: одна программа, при запуске спрашивает, кем быть.
# s - запустить сервер, c - подключиться клиентом
import socket
import threading

HOST = '127.0.0.1'
PORT = 21120

clients = {}
lock = threading.Lock()


# ---------------- сервер ----------------
def broadcast(text, sender=None):
    with lock:
        conns = [c for c in clients if c is not sender]
    for c in conns:
        try:
            c.send(text.encode('utf-8'))
        except OSError:
            pass


def client_handler(conn):
    try:
        name = conn.recv(1024).decode('utf-8')
    except OSError:
        conn.close()
        return
    with lock:
        clients[conn] = name
    broadcast(f'{name} подключился к чату', conn)
    while True:
        try:
            data = conn.recv(1024)
        except OSError:
            break
        if not data or data.decode('utf-8') == 'exit':
            break
        broadcast(f'{name}: ' + data.decode('utf-8'), conn)
    with lock:
        del clients[conn]
    conn.close()
    broadcast(f'{name} отключился')


def start_server():
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind((HOST, PORT))
    server.listen()
    print('Сервер запущен')
    while True:
        conn, addr = server.accept()
        print('Подключение:', addr)
        threading.Thread(target=client_handler, args=(conn,), daemon=True).start()


# ---------------- клиент ----------------
def listen(sock):
    while True:
        try:
            data = sock.recv(1024)
        except OSError:
            break
        if not data:
            break
        print(data.decode('utf-8'))


def start_client():
    name = input('Имя: ')
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.connect((HOST, PORT))
    sock.send(name.encode('utf-8'))
    threading.Thread(target=listen, args=(sock,), daemon=True).start()
    while True:
        try:
            msg = input()
        except EOFError:
            msg = 'exit'
        if msg:
            sock.send(msg.encode('utf-8'))
        if msg == 'exit':
            break
    sock.close()


mode = input('server or client? ')
if mode == 's':
    start_server()
elif mode == 'c':
    start_client()
else:
    print('Нужно ввести s или c')

import socket
import threading

HOST = '127.0.0.1'
PORT = 21040

users = {}    # conn: имя
lock = threading.Lock()


def send_all(text, author):
    with lock:
        for conn in users:
            if conn != author:
                try:
                    conn.sendall(text.encode('utf-8'))
                except OSError:
                    pass


def serve(conn, addr):
    # первое сообщение от клиента - его имя
    name = conn.recv(1024).decode('utf-8')
    with lock:
        users[conn] = name
    print(name, 'подключился с адреса', addr)
    send_all(f'*** {name} присоединился к чату ***', conn)
    while True:
        try:
            msg = conn.recv(1024).decode('utf-8')
        except OSError:
            break
        send_all(f'{name}: {msg}', conn)
        if not msg:
            break
    with lock:
        del users[conn]
    conn.close()
    print(name, 'вышел')


sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
sock.bind((HOST, PORT))
sock.listen()
print('Сервер запущен, ждём клиентов...')
while True:
    conn, addr = sock.accept()
    t = threading.Thread(target=serve, args=(conn, addr))
    t.start()

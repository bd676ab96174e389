# Сервер чата. Сообщения - строки, заканчиваются на \n.
# Первая строка от клиента - его имя (выводим в консоль сервера).
import socket
import threading

HOST = 'localhost'
PORT = 6060

connections = []


def send_to_everyone(line):
    # отправляем всем, в том числе автору - пусть видит, что сообщение дошло
    for c in connections[:]:
        try:
            c.sendall((line + '\n').encode('utf-8'))
        except OSError:
            connections.remove(c)


def worker(conn, addr):
    buf = b''
    name = None
    while True:
        try:
            chunk = conn.recv(1024)
        except OSError:
            break
        if not chunk:
            break
        buf += chunk
        while b'\n' in buf:
            line, buf = buf.split(b'\n', 1)
            text = line.decode('utf-8', 'replace')
            if name is None:
                name = text
                print(f'{addr} - это {name}')
            elif text == '/quit':
                print(name, 'вышел')
                connections.remove(conn)
                conn.close()
                return
            else:
                send_to_everyone(text)
    if conn in connections:
        connections.remove(conn)
    conn.close()
    print(name, 'отключился')


srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind((HOST, PORT))
srv.listen()
print('Чат-сервер запущен, порт', PORT)
while True:
    conn, addr = srv.accept()
    connections.append(conn)
    threading.Thread(target=worker, args=(conn, addr), daemon=True).start()

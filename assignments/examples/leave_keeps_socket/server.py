# Сервер чата на сокетах и потоках
import socket
import threading

HOST = '0.0.0.0'
PORT = 20808

clients = []      # список [сокет, имя]
lock = threading.Lock()


def send_to_others(text, me=None):
    with lock:
        others = [c for c in clients if c[0] is not me]
    for sock, _ in others:
        try:
            sock.send(text.encode())
        except OSError:
            pass


def work_with_client(sock, addr):
    name = sock.recv(1024).decode().strip()
    entry = [sock, name]
    with lock:
        clients.append(entry)
    print('Подключился', name, addr)
    send_to_others(name + ' присоединился к чату', sock)
    while True:
        try:
            data = sock.recv(1024)
        except ConnectionError:
            break
        if not data:
            break
        send_to_others(name + ': ' + data.decode(errors='replace'), sock)
    with lock:
        clients.remove(entry)
    sock.close()
    print('Отключился', name)
    send_to_others(name + ' вышел из чата')


server = socket.socket()
server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
server.bind((HOST, PORT))
server.listen()
print('Сервер слушает порт', PORT)

while True:
    sock, addr = server.accept()
    threading.Thread(target=work_with_client, args=(sock, addr)).start()

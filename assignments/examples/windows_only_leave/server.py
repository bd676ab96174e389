import socket
import threading

IP = '0.0.0.0'
PORT = 5050

server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
server.bind((IP, PORT))
server.listen()

clients = []
names = {}


def send_everyone(data, author):
    for c in clients:
        if c is not author:
            try:
                c.send(data)
            except:
                pass


def client_handler(c):
    c.send(b'name')
    name = c.recv(1024).decode('utf-8')
    names[c] = name
    clients.append(c)
    send_everyone(f'{name} присоединился к чату'.encode('utf-8'), c)
    print(name, 'присоединился')
    while True:
        try:
            data = c.recv(1024)
            if not data:
                break
            # клиент сам подписывает сообщения именем, просто пересылаем
            send_everyone(data, c)
        except ConnectionResetError:
            # сюда попадаем, когда клиент закрывает окно
            clients.remove(c)
            send_everyone(f'{name} покинул чат'.encode('utf-8'), c)
            print(name, 'вышел')
            break


print('Сервер работает на порту', PORT)
while True:
    c, addr = server.accept()
    threading.Thread(target=client_handler, args=(c,)).start()

import socket
import threading

HOST = '127.0.0.1'
PORT = 1234

server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
server.bind((HOST, PORT))
server.listen()

clients = []
names = []


def broadcast(message, sender):
    for client in clients:
        if client != sender:
            client.send(message)


def handle(client):
    name = client.recv(1024).decode('utf-8')
    names.append(name)
    clients.append(client)
    print(f'Подключился {name}'
    broadcast(f'{name} подключился к чату'.encode('utf-8'), client)
    while True:
        try:
            message = client.recv(1024)
            if not message:
                raise ConnectionError
            broadcast(f'{name}: '.encode('utf-8') + message, client)
        except:
            clients.remove(client)
            names.remove(name)
            client.close()
            broadcast(f'{name} отключился'.encode('utf-8'), client)
            break


print('Сервер запущен')
while True:
    client, address = server.accept()
    thread = threading.Thread(target=handle, args=(client,))
    thread.start()

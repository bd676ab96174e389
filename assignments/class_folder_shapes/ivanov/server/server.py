import socket
import threading

HOST = '127.0.0.1'
PORT = 21080

clients = []
nicknames = []
lock = threading.Lock()


def broadcast(message, skip=None):
    with lock:
        targets = [c for c in clients if c is not skip]
    for c in targets:
        try:
            c.send(message)
        except OSError:
            pass


def drop(client):
    with lock:
        if client not in clients:
            return None
        i = clients.index(client)
        clients.pop(i)
        nickname = nicknames.pop(i)
    client.close()
    return nickname


def handle(client):
    while True:
        try:
            message = client.recv(1024)
        except OSError:
            message = b''
        if not message or message == b'/leave':
            nickname = drop(client)
            if nickname:
                print(f'{nickname} left')
                broadcast(f'{nickname} left the chat'.encode('utf-8'))
            break
        with lock:
            nickname = nicknames[clients.index(client)]
        broadcast(f'{nickname}: '.encode('utf-8') + message, client)


def register(client, address):
    client.send('NICK'.encode('utf-8'))
    nickname = client.recv(1024).decode('utf-8')
    with lock:
        nicknames.append(nickname)
        clients.append(client)
    print(f'Nickname of {address} is {nickname}')
    broadcast(f'{nickname} joined the chat'.encode('utf-8'), client)
    client.send('Connected to the server!'.encode('utf-8'))
    handle(client)


def receive(server):
    while True:
        client, address = server.accept()
        print(f'Connected with {address}')
        threading.Thread(target=register, args=(client, address)).start()


if __name__ == '__main__':
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind((HOST, PORT))
    server.listen()
    print('Server is listening...')
    receive(server)

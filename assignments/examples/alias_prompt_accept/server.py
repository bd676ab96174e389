# Simple multi-user chat server (sockets + threads)
import socket
import threading

HOST = 'localhost'
PORT = 20202

server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
server.bind((HOST, PORT))
server.listen()

clients = []
aliases = []
lock = threading.Lock()


def broadcast(message, exclude=None):
    with lock:
        targets = [c for c in clients if c is not exclude]
    for client in targets:
        try:
            client.send(message.encode('utf-8'))
        except OSError:
            pass


def handle(client, alias):
    while True:
        try:
            data = client.recv(1024)
        except OSError:
            data = b''
        if not data:
            break
        text = data.decode('utf-8', errors='replace').strip()
        if text == 'quit':
            break
        broadcast(f'{alias}: {text}', client)
    with lock:
        index = clients.index(client)
        clients.pop(index)
        aliases.pop(index)
    client.close()
    broadcast(f'{alias} has left the chat')
    print(f'{alias} disconnected')


def receive():
    print(f'Server is listening on {HOST}:{PORT}...')
    while True:
        client, address = server.accept()
        print(f'Connected with {address}')

        client.send('What is your alias? '.encode('utf-8'))
        alias = client.recv(1024).decode('utf-8', errors='replace').strip()

        with lock:
            clients.append(client)
            aliases.append(alias)
        print(f'Alias of the client is {alias}')
        broadcast(f'{alias} joined the chat!', client)
        client.send('Connected to the server! Type quit to leave.'.encode('utf-8'))

        thread = threading.Thread(target=handle, args=(client, alias))
        thread.start()


receive()

import socket
import threading

host = ''
port = 12345

server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
server.bind((host, port))
server.listen()

clients = []
nicknames = []


# рассылка сообщения всем, кроме отправителя
def broadcast(message, sender=None):
    for client in clients:
        if client != sender:
            try:
                client.send(message)
            except:
                pass


# обработка сообщений одного клиента
def handle(client, nickname):
    while True:
        data = client.recv(1024)
        if data:
            broadcast(nickname.encode('utf-8') + b': ' + data, client)


# знакомство с новым клиентом: просим ник и запускаем обработку
def register(client, address):
    client.send('NICK'.encode('utf-8'))
    nickname = client.recv(1024).decode('utf-8')
    nicknames.append(nickname)
    clients.append(client)
    print(f'Ник клиента {address}: {nickname}')
    broadcast(f'{nickname} joined!'.encode('utf-8'), client)
    client.send('Connected to server!'.encode('utf-8'))
    handle(client, nickname)


print('Сервер запущен...')
while True:
    client, address = server.accept()
    print(f'Подключение с {address}')
    thread = threading.Thread(target=register, args=(client, address))
    thread.start()

# Сервер чата (лаба 4)
# клиент подключается, сервер спрашивает имя, дальше всё что пришло - сообщение
# /exit - выход, @имя текст - личное сообщение
import socket
import threading

HOST = 'localhost'
PORT = 21010

clients = []   # сокеты всех клиентов
names = {}     # сокет -> имя


def broadcast(message, sender_conn):
    # отправляем всем кроме отправителя
    try:
        for client in clients:
            if client != sender_conn:
                client.send(message.encode('utf-8'))
    except Exception as e:
        print('[!] Ошибка при рассылке:', e)


def private(sender_conn, text):
    target, _, body = text[1:].partition(' ')
    for client in clients:
        if names.get(client) == target:
            client.send(f'(лично) {names[sender_conn]}: {body}'.encode('utf-8'))
            return
    sender_conn.send(f'Нет пользователя {target}'.encode('utf-8'))


def handle(conn, addr):
    conn.send('Введите имя: '.encode('utf-8'))
    name = conn.recv(1024).decode('utf-8').strip()
    clients.append(conn)
    names[conn] = name
    print(f'{addr} -> {name}')
    broadcast(f'{name} вошёл в чат', conn)

    while True:
        try:
            data = conn.recv(1024)
        except ConnectionResetError:
            break
        if not data:
            break
        msg = data.decode('utf-8')
        if msg == '/exit':
            break
        if msg.startswith('@'):
            private(conn, msg)
        else:
            broadcast(f'{name}: {msg}', conn)

    broadcast(f'{name} покинул чат', conn)
    conn.close()
    print(f'{name} отключился')


server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
server.bind((HOST, PORT))
server.listen()
print(f'Сервер запущен {HOST}:{PORT}')

while True:
    conn, addr = server.accept()
    print('Новое подключение', addr)
    threading.Thread(target=handle, args=(conn, addr)).start()

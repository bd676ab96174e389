# Клиент чата
import socket
import threading

HOST = '127.0.0.1'
PORT = 5555

name = input('Введите ваше имя: ')

sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
sock.connect((HOST, PORT))


def receive():
    while True:
        try:
            data = sock.recv(1024)
        except OSError:
            break
        if not data:
            print('Сервер закрыл соединение')
            break
        msg = data.decode('utf-8')
        if msg == 'NAME':
            sock.sendall(name.encode('utf-8'))
        else:
            print(msg)


# поток для приёма сообщений, чтобы input() не мешал
threading.Thread(target=receive, daemon=True).start()

print('Пишите сообщения. /quit - выход, @имя текст - личное сообщение')
while True:
    try:
        text = input()
    except EOFError:
        text = '/quit'
    if text == '/quit':
        sock.sendall(b'/quit')
        break
    if text:
        sock.sendall(text.encode('utf-8'))

sock.close()

import socket
import threading

client = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
client.connect(('127.0.0.1', 8888))
print('Подключено к серверу. Для выхода введите exit')


def receive():
    while True:
        try:
            data = client.recv(1024)
        except OSError:
            break
        if not data:
            print('Сервер отключился')
            break
        print('Сервер:', data.decode('utf-8'))


threading.Thread(target=receive, daemon=True).start()

while True:
    try:
        msg = input()
    except EOFError:
        break
    if msg == 'exit':
        break
    client.send(msg.encode('utf-8'))
client.close()

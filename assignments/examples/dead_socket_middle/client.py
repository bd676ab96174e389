import socket
import threading

HOST = 'localhost'
PORT = 21010

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
        print(data.decode('utf-8'))


threading.Thread(target=receive, daemon=True).start()

# первое что введём - имя (сервер его спросит)
while True:
    try:
        msg = input()
    except EOFError:
        break
    if not msg:
        continue
    sock.send(msg.encode('utf-8'))
    if msg == '/exit':
        break
sock.close()

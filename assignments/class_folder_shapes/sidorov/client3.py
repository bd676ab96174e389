# клиент 3 (копия client1.py)
import socket
import threading

HOST = 'localhost'
PORT = 21100

sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
sock.connect((HOST, PORT))


def get_messages():
    while True:
        try:
            data = sock.recv(1024)
        except OSError:
            break
        if not data:
            break
        print(data.decode('utf-8'))
    print('Отключились от сервера')


threading.Thread(target=get_messages, daemon=True).start()

while True:
    try:
        text = input()
    except EOFError:
        text = '/exit'
    if text:
        sock.sendall(text.encode('utf-8'))
    if text == '/exit':
        break
sock.close()

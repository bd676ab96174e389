import socket
import threading

nickname = input('Choose your nickname: ')

client = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
client.connect(('127.0.0.1', 21080))


def receive():
    while True:
        try:
            message = client.recv(1024).decode('utf-8')
        except OSError:
            break
        if message == 'NICK':
            client.send(nickname.encode('utf-8'))
        elif message:
            print(message)
        else:
            break


def write():
    while True:
        try:
            text = input('')
        except EOFError:
            text = '/leave'
        client.send(text.encode('utf-8'))
        if text == '/leave':
            break
    client.close()


threading.Thread(target=receive, daemon=True).start()
write()

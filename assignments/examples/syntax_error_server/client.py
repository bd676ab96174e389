import socket
import threading

name = input('Введите имя: ')

client = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
client.connect(('127.0.0.1', 1234))
client.send(name.encode('utf-8'))


def receive():
    while True:
        try:
            message = client.recv(1024).decode('utf-8')
            if not message:
                break
            print(message)
        except:
            break


threading.Thread(target=receive, daemon=True).start()

while True:
    try:
        message = input()
    except EOFError:
        break
    if message == 'quit':
        break
    client.send(message.encode('utf-8'))
client.close()

# Chat client: shows everything the server sends, sends everything you type
import socket
import threading

client = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
client.connect(('localhost', 20202))


def receive():
    while True:
        try:
            message = client.recv(1024).decode('utf-8')
        except OSError:
            break
        if not message:
            print('Disconnected from the server')
            break
        print(message)


def write():
    while True:
        try:
            message = input('')
        except EOFError:
            message = 'quit'
        client.send(message.encode('utf-8'))
        if message == 'quit':
            break
    client.close()


receive_thread = threading.Thread(target=receive, daemon=True)
receive_thread.start()
write()

import socket
import threading

name = input('Имя: ')

client = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
client.connect(('127.0.0.1', 5050))


def get_messages():
    while True:
        try:
            msg = client.recv(1024).decode('utf-8')
        except:
            print('Соединение потеряно')
            break
        if msg == 'name':
            client.send(name.encode('utf-8'))
        elif not msg:
            break
        else:
            print(msg)


threading.Thread(target=get_messages, daemon=True).start()

print('exit - выйти из чата')
while True:
    try:
        text = input()
    except EOFError:
        break
    if text == 'exit':
        break
    client.send(f'{name}: {text}'.encode('utf-8'))
client.close()

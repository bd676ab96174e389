import socket
import threading

nickname = input('Ваш ник: ')

client = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
client.connect(('127.0.0.1', 12345))


# приём сообщений с сервера
def receive():
    while True:
        try:
            message = client.recv(1024).decode('utf-8')
        except:
            print('Ошибка соединения')
            break
        if message == 'NICK':
            client.send(nickname.encode('utf-8'))
        elif message:
            print(message)
        else:
            break


# отправка сообщений, exit - выход
def write():
    while True:
        try:
            text = input('')
        except EOFError:
            break
        if text == 'exit':
            break
        client.send(text.encode('utf-8'))
    client.close()


receive_thread = threading.Thread(target=receive, daemon=True)
receive_thread.start()
write()

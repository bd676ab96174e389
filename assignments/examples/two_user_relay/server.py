# Чат на двоих: сервер ждёт двух собеседников и пересылает сообщения между ними.
import socket
import threading

HOST = ''
PORT = 7000


def relay(src, dst):
    # всё, что пришло от одного, отправляем другому
    while True:
        try:
            data = src.recv(1024)
        except ConnectionResetError:
            break
        if not data:
            break
        dst.send(data)
    print('Собеседник отключился')


server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
server.bind((HOST, PORT))
server.listen(2)
print('Ждём двух собеседников...')

first, addr1 = server.accept()
print('Первый собеседник:', addr1)
first.send('Ожидаем второго собеседника...'.encode('utf-8'))

second, addr2 = server.accept()
print('Второй собеседник:', addr2)
first.send('Собеседник найден, можно писать!'.encode('utf-8'))
second.send('Собеседник найден, можно писать!'.encode('utf-8'))

threading.Thread(target=relay, args=(first, second)).start()
threading.Thread(target=relay, args=(second, first)).start()

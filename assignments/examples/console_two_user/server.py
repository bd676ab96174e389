# Чат клиент-сервер: второй собеседник - тот, кто сидит за консолью сервера.
import socket
import threading

HOST = '127.0.0.1'
PORT = 8888


def receive_messages(conn):
    while True:
        try:
            data = conn.recv(1024)
        except ConnectionResetError:
            break
        if not data:
            break
        print('Клиент:', data.decode('utf-8'))
    print('Клиент отключился')


def send_messages(conn):
    while True:
        text = input()
        conn.send(text.encode('utf-8'))


server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
server.bind((HOST, PORT))
server.listen(1)
print('Ожидание подключения...')

conn, addr = server.accept()
print('Подключился клиент', addr)

t1 = threading.Thread(target=receive_messages, args=(conn,))
t2 = threading.Thread(target=send_messages, args=(conn,))
t1.start()
t2.start()

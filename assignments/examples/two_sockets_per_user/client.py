# Клиент: один сокет для отправки, второй для получения сообщений
import socket
import threading

HOST = 'localhost'

name = input('Введите имя: ').strip()

recv_sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
recv_sock.connect((HOST, 20011))
recv_sock.sendall((name + '\n').encode('utf-8'))

send_sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
send_sock.connect((HOST, 20010))
send_sock.sendall((name + '\n').encode('utf-8'))


def show():
    for line in recv_sock.makefile('r', encoding='utf-8'):
        print(line, end='')


threading.Thread(target=show, daemon=True).start()
print('Вы в чате. /exit - выход')

while True:
    try:
        text = input()
    except EOFError:
        break
    if text == '/exit':
        break
    send_sock.sendall((text + '\n').encode('utf-8'))

send_sock.close()
recv_sock.close()

import socket
import threading

SERVER = ('127.0.0.1', 21030)

nick = input('Введите ник: ')
sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
sock.connect(SERVER)
sock.sendall((nick + '\n').encode('utf-8'))


def listen_server():
    f = sock.makefile('r', encoding='utf-8')
    for line in f:
        print(line, end='')
    print('Соединение с сервером потеряно')


threading.Thread(target=listen_server, daemon=True).start()

print('Вы в чате. /quit - выход, @ник текст - личное сообщение')
while True:
    try:
        text = input()
    except EOFError:
        text = '/quit'
    sock.sendall((text + '\n').encode('utf-8'))
    if text == '/quit':
        break
sock.close()

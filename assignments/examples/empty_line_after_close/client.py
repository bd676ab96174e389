import socket
import threading

HOST = '127.0.0.1'
PORT = 21040


def reader(sock):
    while True:
        try:
            data = sock.recv(1024)
        except OSError:
            return
        if not data:
            return
        print(data.decode('utf-8'))


name = input('Ваше имя: ')
sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
sock.connect((HOST, PORT))
sock.send(name.encode('utf-8'))
threading.Thread(target=reader, args=(sock,), daemon=True).start()
print('Пишите сообщения. Чтобы выйти, напишите "выход"')

while True:
    try:
        msg = input()
    except EOFError:
        break
    if msg == 'выход':
        break
    if msg:
        sock.send(msg.encode('utf-8'))
sock.shutdown(socket.SHUT_RDWR)
sock.close()

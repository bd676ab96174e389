import socket
import threading

nick = input('Ваш ник: ')

sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
sock.connect(('127.0.0.1', 9000))


def receive():
    while True:
        try:
            data = sock.recv(1024)
        except OSError:
            break
        if not data:
            print('Отключено от сервера')
            break
        text = data.decode('utf-8')
        if text == 'NICKNAME':
            sock.send(nick.encode('utf-8'))
        else:
            print(text)


threading.Thread(target=receive, daemon=True).start()
print('Чтобы выйти, напишите: выход')
while True:
    try:
        msg = input()
    except EOFError:
        msg = 'выход'
    sock.send(msg.encode('utf-8'))
    if msg == 'выход':
        break
sock.close()

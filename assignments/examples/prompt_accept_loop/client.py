import socket
import threading

s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.connect(('localhost', 8080))

# сервер спрашивает имя
print(s.recv(1024).decode('utf-8'), end='')
name = input()
s.send(name.encode('utf-8'))


def listen():
    while True:
        try:
            data = s.recv(1024)
        except OSError:
            break
        if not data:
            break
        print(data.decode('utf-8'))


threading.Thread(target=listen, daemon=True).start()

print('Вы в чате! Для выхода напишите exit')
while True:
    try:
        msg = input()
    except EOFError:
        msg = 'exit'
    s.send(msg.encode('utf-8'))
    if msg == 'exit':
        break
s.close()

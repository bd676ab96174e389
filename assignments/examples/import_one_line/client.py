import socket, threading, os

s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.connect(('127.0.0.1', 21050))


def recv_loop():
    while True:
        try:
            data = s.recv(1024)
        except OSError:
            break
        if not data:
            break
        print(data.decode('utf-8'))
    print('Отключено от сервера')
    os._exit(0)


threading.Thread(target=recv_loop, daemon=True).start()
print('Сначала введи имя, потом пиши сообщения. /q - выход')
while True:
    try:
        line = input()
    except EOFError:
        line = '/q'
    if line:
        s.send(line.encode('utf-8'))
    if line == '/q':
        break
s.close()

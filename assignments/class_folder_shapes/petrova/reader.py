# Показывает сообщения чата (запускать рядом с sender.py)
import socket

sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
sock.connect(('127.0.0.1', 21090))
print('Подключено к чату, Ctrl+C - выход')
try:
    while True:
        data = sock.recv(1024)
        if not data:
            print('Сервер закрыл соединение')
            break
        print(data.decode('utf-8'))
except KeyboardInterrupt:
    pass
sock.close()

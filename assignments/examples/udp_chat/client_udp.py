# UDP-чат, клиент. Сообщения принимаются в отдельном потоке.
import socket
import threading

SERVER = ('127.0.0.1', 9090)

sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)

name = input('Введите имя: ')
sock.sendto(name.encode('utf-8'), SERVER)


def receiver():
    while True:
        data, _ = sock.recvfrom(1024)
        print(data.decode('utf-8'))


threading.Thread(target=receiver, daemon=True).start()

print('Пишите сообщения, exit - выход')
while True:
    try:
        msg = input()
    except EOFError:
        msg = 'exit'
    sock.sendto(msg.encode('utf-8'), SERVER)
    if msg == 'exit':
        break
sock.close()

# UDP-чат, сервер.
# Первое сообщение с нового адреса - имя пользователя, exit - выход.
import socket

HOST = '127.0.0.1'
PORT = 9090

sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
sock.bind((HOST, PORT))
print('UDP сервер запущен на', HOST, PORT)

users = {}  # адрес -> имя


def send_others(text, sender_addr):
    for addr in list(users):
        if addr != sender_addr:
            sock.sendto(text.encode('utf-8'), addr)


while True:
    data, addr = sock.recvfrom(1024)
    text = data.decode('utf-8', errors='ignore')
    if addr not in users:
        users[addr] = text
        print(f'{text} {addr} вошёл')
        send_others(f'{text} вошёл в чат', addr)
        continue
    name = users[addr]
    if text == 'exit':
        del users[addr]
        print(f'{name} вышел')
        send_others(f'{name} вышел из чата', addr)
        continue
    send_others(f'{name}: {text}', addr)

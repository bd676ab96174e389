# UDP-чат, сервер. Клиенты регистрируются сообщением JOIN:<имя>
import socket

HOST = '127.0.0.1'
PORT = 21140

sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
sock.bind((HOST, PORT))
print(f'UDP сервер запущен на {HOST}:{PORT}')

members = {}   # адрес -> имя


def send_others(text, sender_addr):
    for addr in list(members):
        if addr != sender_addr:
            sock.sendto(text.encode('utf-8'), addr)


while True:
    data, addr = sock.recvfrom(4096)
    text = data.decode('utf-8', errors='replace')
    if text.startswith('JOIN:'):
        name = text[5:].strip()
        members[addr] = name
        print(f'{name} {addr} вошёл')
        send_others(f'{name} вошёл в чат', addr)
        sock.sendto(f'Добро пожаловать, {name}!'.encode('utf-8'), addr)
    elif addr not in members:
        sock.sendto('Сначала JOIN:<имя>'.encode('utf-8'), addr)
    elif text == '/exit':
        name = members.pop(addr)
        print(f'{name} вышел')
        send_others(f'{name} покинул чат', addr)
    else:
        send_others(f'{members[addr]}: {text}', addr)

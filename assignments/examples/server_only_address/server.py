# Сервер чата. Клиента нет - подключаемся через telnet или nc:
#     telnet 127.0.0.1 3000
# Сообщения подписываются адресом отправителя.
import socket
import threading

server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
server.bind(('0.0.0.0', 3000))
server.listen(10)

clients = []


def broadcast(msg, sender):
    for c in clients:
        if c != sender:
            try:
                c.send(msg)
            except:
                pass


def handle(conn, addr):
    who = f'[{addr[0]}:{addr[1]}]'
    conn.send('Добро пожаловать в чат!\r\n'.encode('utf-8'))
    broadcast(f'{who} подключился\r\n'.encode('utf-8'), conn)
    while True:
        try:
            data = conn.recv(1024)
            if not data:
                print(addr, 'отключился')
                clients.remove(conn)
                conn.close()
            else:
                broadcast(who.encode('utf-8') + b' ' + data, conn)
        except:
            continue


print('Сервер запущен на порту 3000')
while True:
    conn, addr = server.accept()
    clients.append(conn)
    print('Подключение', addr)
    threading.Thread(target=handle, args=(conn, addr)).start()

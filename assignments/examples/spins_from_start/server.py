# Чат-сервер. Каждая строка от клиента - одно сообщение.
# Первая строка - ник. Команды: /quit - выход, @ник текст - личное сообщение.
import socket
import threading
import time

HOST = '0.0.0.0'
PORT = 21030

clients = []          # [(conn, nick)]
lock = threading.Lock()


def send_all(text, skip=None):
    with lock:
        current = list(clients)
    for conn, nick in current:
        if conn is not skip:
            try:
                conn.sendall((text + '\n').encode('utf-8'))
            except OSError:
                pass


def send_private(sender, line):
    target, _, body = line[1:].partition(' ')
    with lock:
        found = [c for c, n in clients if n == target]
    if found:
        found[0].sendall(f'[ЛС от {sender}] {body}\n'.encode('utf-8'))
    else:
        send_to_one(sender, f'Пользователь {target} не в сети')


def send_to_one(nick, text):
    with lock:
        for c, n in clients:
            if n == nick:
                c.sendall((text + '\n').encode('utf-8'))


def client_thread(conn, addr):
    f = conn.makefile('r', encoding='utf-8')
    nick = f.readline().strip()
    if not nick:
        conn.close()
        return
    with lock:
        clients.append((conn, nick))
    print(f'{nick} ({addr[0]}:{addr[1]}) подключился')
    send_all(f'Пользователь {nick} подключился', conn)
    try:
        for line in f:
            line = line.rstrip('\n')
            if line == '/quit':
                break
            if line.startswith('@'):
                send_private(nick, line)
            elif line:
                send_all(f'{nick}: {line}', conn)
    except (ConnectionResetError, UnicodeDecodeError):
        pass
    with lock:
        clients.remove((conn, nick))
    conn.close()
    print(f'{nick} отключился')
    send_all(f'Пользователь {nick} отключился')


def cleaner():
    # раз в полсекунды выкидываем сокеты, которые уже закрыты
    while True:
        for conn, nick in list(clients):
            if conn.fileno() == -1:
                with lock:
                    if (conn, nick) in clients:
                        clients.remove((conn, nick))
            time.sleep(0.5)


server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
server.bind((HOST, PORT))
server.listen(10)
print('Сервер слушает порт', PORT)

threading.Thread(target=cleaner, daemon=True).start()

while True:
    conn, addr = server.accept()
    threading.Thread(target=client_thread, args=(conn, addr), daemon=True).start()

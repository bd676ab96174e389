import socket
import threading

HOST = 'localhost'
PORT = 21100

users = {}   # ник -> соединение
users_lock = threading.Lock()


def broadcast(text, sender_nick=None):
    with users_lock:
        conns = [c for n, c in users.items() if n != sender_nick]
    for c in conns:
        try:
            c.sendall(text.encode('utf-8'))
        except OSError:
            pass


def handle_user(conn, addr):
    try:
        conn.sendall('Введите никнейм:'.encode('utf-8'))
        nick = conn.recv(1024).decode('utf-8').strip()
    except OSError:
        conn.close()
        return
    with users_lock:
        users[nick] = conn
    print(f'[{addr[0]}:{addr[1]}] {nick} в сети')
    broadcast(f'{nick} вошёл в чат', nick)
    try:
        while True:
            data = conn.recv(1024)
            if not data:
                break
            msg = data.decode('utf-8').strip()
            if msg == '/exit':
                break
            if msg.startswith('@'):
                who, _, body = msg[1:].partition(' ')
                with users_lock:
                    target = users.get(who)
                if target:
                    target.sendall(f'{nick} (лично): {body}'.encode('utf-8'))
                else:
                    conn.sendall(f'Пользователь {who} не найден'.encode('utf-8'))
            elif msg:
                broadcast(f'{nick}: {msg}', nick)
    except OSError:
        pass
    with users_lock:
        users.pop(nick, None)
    conn.close()
    print(f'{nick} вышел')
    broadcast(f'{nick} вышел из чата')


srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind((HOST, PORT))
srv.listen()
print('Сервер ждёт подключений на порту', PORT)
while True:
    conn, addr = srv.accept()
    threading.Thread(target=handle_user, args=(conn, addr), daemon=True).start()

import socket, threading, os

HOST = ''
PORT = 21050

clients = {}
lock = threading.Lock()


def send_to_all(msg, except_name=None):
    with lock:
        items = list(clients.items())
    for name, conn in items:
        if name != except_name:
            try:
                conn.send(msg.encode('utf-8'))
            except OSError:
                pass


def client_handler(conn, addr):
    conn.send('Как тебя зовут? '.encode('utf-8'))
    name = conn.recv(1024).decode('utf-8').strip()
    with lock:
        clients[name] = conn
    send_to_all(f'>> {name} зашёл в чат', name)
    conn.send(f'Привет, {name}! Сейчас в чате: {", ".join(clients)}'.encode('utf-8'))
    while True:
        try:
            data = conn.recv(1024)
        except ConnectionError:
            break
        if not data:
            break
        text = data.decode('utf-8').strip()
        if text == '/q':
            break
        if text.startswith('@') and ' ' in text:
            to, body = text[1:].split(' ', 1)
            with lock:
                target = clients.get(to)
            if target:
                target.send(f'[лично от {name}]: {body}'.encode('utf-8'))
            else:
                conn.send(f'{to} нет в чате'.encode('utf-8'))
            continue
        send_to_all(f'{name}: {text}', name)
    with lock:
        clients.pop(name, None)
    conn.close()
    send_to_all(f'<< {name} вышел из чата')
    print(f'{name} ушёл')


def main():
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((HOST, PORT))
    s.listen()
    print(f'Сервер работает (pid {os.getpid()}), порт {PORT}')
    while True:
        conn, addr = s.accept()
        threading.Thread(target=client_handler, args=(conn, addr), daemon=True).start()


main()

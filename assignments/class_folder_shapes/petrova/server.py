# Сервер чата.
# Клиент у меня из двух программ: sender.py (пишет сообщения) и reader.py (показывает чат).
# Их надо запускать в двух окнах. Сервер рассылает сообщения всем подключениям.
import socket
import threading

HOST = '127.0.0.1'
PORT = 21090

connections = []
lock = threading.Lock()


def send_all(text, author=None):
    data = text.encode('utf-8')
    with lock:
        for c in connections:
            if c is not author:
                try:
                    c.sendall(data)
                except OSError:
                    pass


def serve(conn, addr):
    name = None
    while True:
        try:
            data = conn.recv(1024)
        except OSError:
            break
        if not data:
            break
        text = data.decode('utf-8')
        if name is None:          # первое сообщение - имя (reader.py ничего не шлёт)
            name = text.strip()
            print(name, 'подключился', addr)
            send_all(f'{name} присоединился к чату', conn)
            continue
        if text == 'exit':
            break
        send_all(f'{name}: {text}', conn)
    with lock:
        connections.remove(conn)
    conn.close()
    if name:
        print(name, 'отключился')
        send_all(f'{name} покинул чат')


server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
server.bind((HOST, PORT))
server.listen()
print('Сервер запущен на', HOST, PORT)
while True:
    conn, addr = server.accept()
    with lock:
        connections.append(conn)
    threading.Thread(target=serve, args=(conn, addr), daemon=True).start()

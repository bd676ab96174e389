# Сервер чата. У каждого пользователя два соединения:
#   порт 20010 - клиент ПИШЕТ сюда (первая строка - имя, потом сообщения построчно)
#   порт 20011 - клиент ЧИТАЕТ отсюда (первая строка - имя, дальше сервер только шлёт)
import socket
import threading

HOST = 'localhost'
IN_PORT = 20010
OUT_PORT = 20011

readers = {}              # имя -> сокет, в который пишем этому пользователю
lock = threading.Lock()


def send_all(text, skip=None):
    data = (text + '\n').encode('utf-8')
    with lock:
        targets = [(n, s) for n, s in readers.items() if n != skip]
    for n, s in targets:
        try:
            s.sendall(data)
        except OSError:
            with lock:
                if readers.get(n) is s:
                    del readers[n]


def first_line(conn):
    buf = b''
    while b'\n' not in buf:
        part = conn.recv(1)
        if not part:
            return None
        buf += part
    return buf.decode('utf-8', 'replace').strip()


def reader_registered(conn):
    name = first_line(conn)
    if not name:
        conn.close()
        return
    with lock:
        readers[name] = conn
    print('канал чтения для', name)


def writer_handler(conn):
    name = first_line(conn)
    if not name:
        conn.close()
        return
    print(name, 'вошёл')
    send_all(f'*** {name} вошёл в чат', skip=name)
    f = conn.makefile('r', encoding='utf-8', errors='replace')
    try:
        for line in f:
            line = line.rstrip('\n')
            if line:
                send_all(f'{name}: {line}', skip=name)
    except OSError:
        pass
    conn.close()
    with lock:
        out = readers.pop(name, None)
    if out:
        out.close()
    print(name, 'вышел')
    send_all(f'*** {name} вышел из чата')


def listen(port, target):
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind((HOST, port))
    srv.listen()
    while True:
        conn, _ = srv.accept()
        threading.Thread(target=target, args=(conn,), daemon=True).start()


threading.Thread(target=listen, args=(OUT_PORT, reader_registered), daemon=True).start()
print('Сервер запущен: приём на', IN_PORT, ', рассылка на', OUT_PORT)
listen(IN_PORT, writer_handler)

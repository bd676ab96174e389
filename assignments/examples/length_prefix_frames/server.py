"""Сервер чата. Каждое сообщение = 4 байта длины (big-endian) + текст в UTF-8.
Первое сообщение от клиента - его имя."""
import socket
import struct
import threading

HOST = '0.0.0.0'
PORT = 20303

clients = []            # [(сокет, имя)]
clients_lock = threading.Lock()


def send_msg(sock, text):
    data = text.encode('utf-8')
    sock.sendall(struct.pack('!I', len(data)) + data)


def recv_exact(sock, n):
    buf = b''
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            return None
        buf += chunk
    return buf


def recv_msg(sock):
    header = recv_exact(sock, 4)
    if header is None:
        return None
    (length,) = struct.unpack('!I', header)
    body = recv_exact(sock, length)
    if body is None:
        return None
    return body.decode('utf-8')


def broadcast(text, sender=None):
    with clients_lock:
        for sock, _ in clients:
            if sock is not sender:
                send_msg(sock, text)


def handle(sock, addr):
    name = recv_msg(sock)
    if not name:
        sock.close()
        return
    with clients_lock:
        clients.append((sock, name))
    print(f'{addr} -> {name}')
    broadcast(f'>>> {name} вошёл в чат', sock)
    while True:
        msg = recv_msg(sock)
        if msg is None:
            break
        broadcast(f'[{name}] {msg}', sock)
    with clients_lock:
        clients.remove((sock, name))
    sock.close()
    broadcast(f'<<< {name} вышел из чата')
    print(f'{name} отключился')


def main():
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind((HOST, PORT))
    srv.listen()
    print('Сервер запущен, порт', PORT)
    while True:
        sock, addr = srv.accept()
        threading.Thread(target=handle, args=(sock, addr), daemon=True).start()


if __name__ == '__main__':
    main()

"""Клиент чата: сообщения с префиксом длины (4 байта), как на сервере."""
import socket
import struct
import threading

HOST = '127.0.0.1'
PORT = 20303


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


def receiver(sock):
    while True:
        try:
            header = recv_exact(sock, 4)
            if header is None:
                break
            body = recv_exact(sock, struct.unpack('!I', header)[0])
            if body is None:
                break
        except OSError:
            break
        print(body.decode('utf-8'))
    print('Соединение закрыто')


def main():
    name = input('Ваше имя: ')
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.connect((HOST, PORT))
    send_msg(sock, name)
    threading.Thread(target=receiver, args=(sock,), daemon=True).start()
    print('Вы в чате. Для выхода напишите /exit')
    while True:
        try:
            text = input()
        except (EOFError, KeyboardInterrupt):
            break
        if text == '/exit':
            break
        if text:
            send_msg(sock, text)
    sock.close()


if __name__ == '__main__':
    main()

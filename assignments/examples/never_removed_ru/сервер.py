# -*- coding: utf-8 -*-
# Сервер чата на сокетах и потоках.
# Первое, что присылает клиент, - его имя.
import socket
import threading

HOST = "127.0.0.1"
PORT = 65432

clients = []  # список сокетов всех подключённых


def broadcast(msg, sender):
    """Рассылает сообщение всем клиентам кроме отправителя"""
    for c in clients:
        if c != sender:
            c.sendall(msg.encode("utf-8"))


def handle(conn, addr):
    with conn:
        name = conn.recv(1024).decode("utf-8")
        clients.append(conn)
        print(f"{addr} представился как {name}")
        broadcast(f"{name} вошёл в чат", conn)
        while True:
            data = conn.recv(1024)
            if not data:
                print(f"{name} отключился")
                break
            broadcast(f"{name}: {data.decode('utf-8')}", conn)


with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
    s.bind((HOST, PORT))
    s.listen()
    print("Сервер слушает порт", PORT)
    while True:
        conn, addr = s.accept()
        print("Новое подключение:", addr)
        t = threading.Thread(target=handle, args=(conn, addr))
        t.start()

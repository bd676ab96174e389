#!/usr/bin/env python3
"""Simple multi-user chat.

    python chat.py server          start the server
    python chat.py client NAME     join the chat as NAME (/quit to leave)
"""
import socket
import sys
import threading

HOST = '127.0.0.1'
PORT = 50007

clients = {}  # conn -> name


def broadcast(text, skip=None):
    data = text.encode('utf-8')
    for conn in list(clients):
        if conn is not skip:
            conn.sendall(data)


def serve_client(conn):
    name = conn.recv(1024).decode()
    clients[conn] = name
    broadcast(f'{name}: is amongst you now', conn)
    while True:
        data = conn.recv(1024)
        if not data or data == b'/quit':
            break
        broadcast(f'{name}: {data.decode()}', conn)
    del clients[conn]
    conn.close()
    broadcast(f'{name} has left the chat')


def run_server():
    srv = socket.socket()
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind((HOST, PORT))
    srv.listen()
    print('Server is listening on', PORT)
    while True:
        conn, addr = srv.accept()
        print('connection from', addr)
        threading.Thread(target=serve_client, args=(conn,)).start()


def run_client(name):
    sock = socket.create_connection((HOST, PORT))
    sock.sendall(name.encode())

    def listen():
        while True:
            data = sock.recv(1024)
            if not data:
                break
            print(data.decode())

    threading.Thread(target=listen, daemon=True).start()
    while True:
        try:
            line = input()
        except EOFError:
            line = '/quit'
        if line:
            sock.sendall(line.encode())
        if line == '/quit':
            break
    sock.close()


if __name__ == '__main__':
    if len(sys.argv) >= 2 and sys.argv[1] == 'server':
        run_server()
    elif len(sys.argv) >= 3 and sys.argv[1] == 'client':
        run_client(sys.argv[2])
    else:
        print(__doc__)

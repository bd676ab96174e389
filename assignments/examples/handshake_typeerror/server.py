# chat server (lab work 2)
import socket
import threading

HOST = 'localhost'
PORT = 8000

clients = []
nicknames = {}


def broadcast(text, sender=None):
    for c in clients:
        if c != sender:
            try:
                c.send(text.encode())
            except OSError:
                clients.remove(c)


def handle(conn, addr):
    with conn:
        conn.send("what's your name: ".encode())
        nick = conn.recv(1024).decode().strip()
        conn.send(f'Welcome to the chat, {nick}!')
        nicknames[conn] = nick
        clients.append(conn)
        broadcast(f'{nick} joined the chat', conn)
        while True:
            try:
                data = conn.recv(1024)
            except ConnectionResetError:
                break
            if not data or data.decode() == 'leave':
                break
            broadcast(f'{nick}: {data.decode()}', conn)
        clients.remove(conn)
    broadcast(f'{nick} left the chat')


s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((HOST, PORT))
s.listen()
print('server started on port', PORT)
while True:
    conn, addr = s.accept()
    print('new connection', addr)
    threading.Thread(target=handle, args=(conn, addr)).start()

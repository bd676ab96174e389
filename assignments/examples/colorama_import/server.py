# Сервер чата с цветным логом (pip install colorama)
import socket
import threading
from colorama import Fore, Style, init

init(autoreset=True)

HOST = '127.0.0.1'
PORT = 4444

clients = {}
lock = threading.Lock()


def log(color, text):
    print(color + text + Style.RESET_ALL)


def broadcast(text, sender=None):
    with lock:
        for conn in list(clients):
            if conn is not sender:
                try:
                    conn.send(text.encode('utf-8'))
                except OSError:
                    pass


def handle(conn, addr):
    conn.send('Ваш ник: '.encode('utf-8'))
    nick = conn.recv(1024).decode('utf-8').strip()
    with lock:
        clients[conn] = nick
    log(Fore.GREEN, f'+ {nick} {addr}')
    broadcast(f'{nick} вошёл в чат', conn)
    while True:
        try:
            data = conn.recv(1024)
        except OSError:
            break
        if not data or data == b'/exit':
            break
        broadcast(f'{nick}: {data.decode("utf-8")}', conn)
    with lock:
        del clients[conn]
    conn.close()
    log(Fore.RED, f'- {nick}')
    broadcast(f'{nick} вышел из чата')


server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
server.bind((HOST, PORT))
server.listen()
log(Fore.CYAN, f'Сервер запущен на {HOST}:{PORT}')
while True:
    conn, addr = server.accept()
    threading.Thread(target=handle, args=(conn, addr), daemon=True).start()

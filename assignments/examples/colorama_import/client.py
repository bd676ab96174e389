# Клиент чата: свои сообщения зелёным, чужие - белым (pip install colorama)
import socket
import threading
from colorama import Fore, init

init(autoreset=True)

sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
sock.connect(('127.0.0.1', 4444))

print(sock.recv(1024).decode('utf-8'), end='')
sock.send(input().encode('utf-8'))


def receive():
    while True:
        try:
            data = sock.recv(1024)
        except OSError:
            break
        if not data:
            break
        print(Fore.WHITE + data.decode('utf-8'))


threading.Thread(target=receive, daemon=True).start()
print(Fore.YELLOW + 'Для выхода: /exit')
while True:
    try:
        text = input()
    except EOFError:
        text = '/exit'
    sock.send(text.encode('utf-8'))
    if text == '/exit':
        break
    print(Fore.GREEN + 'Вы: ' + text)
sock.close()

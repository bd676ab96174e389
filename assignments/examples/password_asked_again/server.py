import socket
import threading

PORT = 7272
PASSWORD = "12345"
clients = []
names = {}


def broadcast(msg, sender):
    for c in clients:
        if c != sender:
            try:
                c.send(msg.encode())
            except:
                pass


def handle(c):
    while True:
        c.send("Введите пароль: ".encode())
        if c.recv(1024).decode().strip() == PASSWORD:
            break
        c.send("Неверный пароль!\n".encode())
    c.send("Введите ник: ".encode())
    nick = c.recv(1024).decode().strip()
    names[c] = nick
    clients.append(c)
    broadcast(nick + " присоединился\n", c)
    while True:
        try:
            m = c.recv(1024)
            if not m:
                break
            broadcast(nick + ": " + m.decode(), c)
        except:
            break
    clients.remove(c)
    broadcast(nick + " покинул чат\n", c)
    c.close()


srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("", PORT))
srv.listen()
print("Сервер запущен")
while True:
    conn, addr = srv.accept()
    threading.Thread(target=handle, args=(conn,)).start()

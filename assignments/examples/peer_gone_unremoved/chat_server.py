# Chat server (lab 3). Run this first, then chat_client.py in other terminals.
import socket, threading

clients = []   # sockets of everyone connected
names = {}     # socket -> name


def broadcast(msg, me=None):
    for c in clients:
        if c is not me:
            c.send(msg.encode())


def handle(c):
    while True:
        try:
            data = c.recv(2048).decode()
        except ConnectionResetError:
            return
        if not data:
            break
        for part in data.split("\n"):
            if part.startswith("NAME:"):
                names[c] = part[5:]
                broadcast(names[c] + " has joined!\n")
            elif part.startswith("MSG:"):
                broadcast(names.get(c, "?") + " > " + part[4:] + "\n", c)
            elif part == "QUIT":
                clients.remove(c)
                broadcast(names[c] + " has left.\n")
                c.close()
                return


s = socket.socket()
s.bind(("localhost", 12345))
s.listen(5)
print("server up")
while True:
    c, a = s.accept()
    clients.append(c)
    threading.Thread(target=handle, args=(c,)).start()

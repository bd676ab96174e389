# Lab 4 - chat server. Start it first: python server.py
import socket
import threading

ADDRESS = ("127.0.0.1", 45678)
members = {}   # socket -> nickname

listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
listener.bind(ADDRESS)
listener.listen()


def send_everyone(data):
    for sock in list(members):
        sock.send(data)


def client_thread(sock):
    while True:
        try:
            data = sock.recv(1024)
            if data == b"":
                raise ConnectionError("closed")
            send_everyone(data)
        except Exception:
            nickname = members.pop(sock)
            sock.close()
            send_everyone(f"{nickname} has left the room".encode("utf-8"))
            return


print("Server is listening...")
while True:
    sock, addr = listener.accept()
    sock.send(b"NICK")
    nickname = sock.recv(1024).decode("utf-8")
    members[sock] = nickname
    print(f"{addr} is {nickname}")
    send_everyone(f"{nickname} has entered the room".encode("utf-8"))
    threading.Thread(target=client_thread, args=(sock,)).start()

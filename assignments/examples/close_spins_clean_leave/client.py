import socket
import threading

HOST = "127.0.0.1"
PORT = 21020

nickname = input("Enter your nickname: ")
client = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
client.connect((HOST, PORT))
running = True


def receive():
    global running
    while running:
        try:
            message = client.recv(1024).decode()
            if message == "NAME":
                client.send(nickname.encode())
            elif message:
                print(message)
            else:
                print("Disconnected from server")
                running = False
        except OSError:
            running = False


def write():
    global running
    while running:
        try:
            message = input()
        except EOFError:
            message = "exit"
        client.send(message.encode())
        if message == "exit":
            running = False
    client.close()


threading.Thread(target=receive, daemon=True).start()
write()

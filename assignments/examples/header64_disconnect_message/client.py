import socket
import threading

HEADER = 64
PORT = 5050
FORMAT = 'utf-8'
DISCONNECT_MESSAGE = "!DISCONNECT"
SERVER = socket.gethostbyname(socket.gethostname())
ADDR = (SERVER, PORT)

client = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
client.connect(ADDR)


def send(msg):
    message = msg.encode(FORMAT)
    msg_length = len(message)
    send_length = str(msg_length).encode(FORMAT)
    send_length += b' ' * (HEADER - len(send_length))
    client.send(send_length)
    client.send(message)


def receive():
    while True:
        try:
            msg_length = client.recv(HEADER).decode(FORMAT)
            if msg_length:
                msg = client.recv(int(msg_length)).decode(FORMAT)
                print(msg)
        except:
            print("Disconnected from server")
            break


threading.Thread(target=receive, daemon=True).start()
name = input("Enter your name: ")
send(name)
while True:
    msg = input()
    send(msg)
    if msg == DISCONNECT_MESSAGE:
        break

import socket
import threading

HEADER = 64
PORT = 5050
SERVER = socket.gethostbyname(socket.gethostname())
ADDR = (SERVER, PORT)
FORMAT = 'utf-8'
DISCONNECT_MESSAGE = "!DISCONNECT"

server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
server.bind(ADDR)

clients = {}


def send_to(conn, msg):
    message = msg.encode(FORMAT)
    send_length = str(len(message)).encode(FORMAT)
    send_length += b' ' * (HEADER - len(send_length))
    conn.send(send_length)
    conn.send(message)


def broadcast(msg, sender):
    for c in list(clients):
        if c != sender:
            send_to(c, msg)


def handle_client(conn, addr):
    print(f"[NEW CONNECTION] {addr} connected.")
    name = None
    connected = True
    while connected:
        msg_length = conn.recv(HEADER).decode(FORMAT)
        if msg_length:
            msg_length = int(msg_length)
            msg = conn.recv(msg_length).decode(FORMAT)
            if name is None:
                name = msg
                clients[conn] = name
                broadcast(f"{name} joined the chat", conn)
                continue
            if msg == DISCONNECT_MESSAGE:
                connected = False
                continue
            print(f"[{addr}] {msg}")
            broadcast(f"[{name}] {msg}", conn)
    del clients[conn]
    broadcast(f"{name} left the chat", conn)
    conn.close()


def start():
    server.listen()
    print(f"[LISTENING] Server is listening on {SERVER}")
    while True:
        conn, addr = server.accept()
        thread = threading.Thread(target=handle_client, args=(conn, addr))
        thread.start()
        print(f"[ACTIVE CONNECTIONS] {threading.active_count() - 1}")


print("[STARTING] server is starting...")
start()

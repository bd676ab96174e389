"""Multi-user chat server. Type "exit" in the client to leave the chat."""
import socket
import threading

HOST = "127.0.0.1"
PORT = 21020

clients = {}  # socket -> nickname
lock = threading.Lock()


def broadcast(message, sender=None):
    with lock:
        targets = list(clients)
    for client in targets:
        if client is not sender:
            try:
                client.send(message.encode())
            except:
                pass


def remove(client):
    with lock:
        name = clients.pop(client, None)
    client.close()
    return name


def handle_client(client):
    client.send("NAME".encode())
    name = client.recv(1024).decode()
    with lock:
        clients[client] = name
    print(f"{name} connected")
    broadcast(f"{name} has joined the chat!", client)

    while True:
        try:
            message = client.recv(1024).decode()
        except ConnectionResetError:
            remove(client)
            broadcast(f"{name} has left the chat.")
            break
        if message == "exit":
            remove(client)
            broadcast(f"{name} has left the chat.")
            print(f"{name} disconnected")
            break
        if message.strip() == "":
            continue  # ignore empty messages
        broadcast(f"{name}: {message}", client)


def main():
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind((HOST, PORT))
    server.listen(5)
    print(f"Server is listening on {HOST}:{PORT}")
    while True:
        client, address = server.accept()
        print(f"Connection from {address}")
        thread = threading.Thread(target=handle_client, args=(client,))
        thread.start()


if __name__ == "__main__":
    main()

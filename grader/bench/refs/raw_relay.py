"""Reference server for grader.bench: a typical student's relay, one thread per client.

The first recv() is the name; after that, whatever one recv(1024) returns is sent as it is to every
other client. There is no framing: messages that arrive glued together go out glued together, in
one send per recipient, which makes this server fast under a burst (and wrong when a recv() ends in
the middle of a message).
"""
import socket
import threading

HOST, PORT = "127.0.0.1", 5557
clients = []
lock = threading.Lock()


def handle(conn):
    try:
        name = conn.recv(1024)  # the first data is the user's name; the client adds it to messages
        if not name:
            return
        with lock:
            clients.append(conn)
        while True:
            data = conn.recv(1024)
            if not data:
                break
            with lock:
                others = [c for c in clients if c is not conn]
            for c in others:
                try:
                    c.sendall(data)
                except OSError:
                    pass
    except OSError:
        pass
    finally:
        with lock:
            if conn in clients:
                clients.remove(conn)
        conn.close()


def main():
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind((HOST, PORT))
    server.listen()
    while True:
        conn, _ = server.accept()
        threading.Thread(target=handle, args=(conn,), daemon=True).start()


if __name__ == "__main__":
    main()

"""Клиент чата. Выход - Ctrl+C."""
import socket
import threading

HOST = "127.0.0.1"
PORT = 20909


def receive(sock):
    while True:
        try:
            data = sock.recv(1024)
        except OSError:
            break
        if not data:
            break
        print(data.decode("utf-8", "replace"))


def main():
    name = input("Как тебя зовут? ")
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.connect((HOST, PORT))
    sock.sendall(name.encode("utf-8"))
    threading.Thread(target=receive, args=(sock,), daemon=True).start()
    print("Ты в чате! Для выхода нажми Ctrl+C")

    def send(text):
        sock.sendall(text.encode("utf-8"))

    try:
        while True:
            msg = input()
            if msg:
                send(msg)
    except KeyboardInterrupt:
        send("EXIT")
        print("\nВыход из чата...")
    finally:
        sock.close()


if __name__ == "__main__":
    main()

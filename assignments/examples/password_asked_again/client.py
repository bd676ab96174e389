import socket
import threading

sock = socket.socket()
sock.connect(("127.0.0.1", 7272))


def listen():
    while True:
        data = sock.recv(1024)
        if not data:
            print("disconnected")
            break
        print(data.decode(), end="", flush=True)


threading.Thread(target=listen, daemon=True).start()
while True:
    try:
        msg = input()
    except EOFError:
        break
    if msg == "quit":
        break
    sock.send(msg.encode())
sock.close()

import socket
import sys
import threading

sock = socket.create_connection(("127.0.0.1", 7000))


def reader():
    f = sock.makefile("r")
    for line in f:
        sys.stdout.write(line)
        sys.stdout.flush()
    print("[server closed]")


threading.Thread(target=reader, daemon=True).start()
for line in sys.stdin:
    sock.sendall(line.encode())
    if line.strip() == "/bye":
        break
sock.close()

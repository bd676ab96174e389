#!/usr/bin/env python3
# usage: python client.py <nickname>
import socket
import sys
import threading

if len(sys.argv) != 2:
    print("usage: python client.py <nickname>")
    sys.exit(1)

s = socket.socket()
s.connect(("localhost", 20606))
s.sendall((sys.argv[1] + "\n").encode())


def reader():
    while True:
        try:
            data = s.recv(4096)
        except OSError:
            break
        if not data:
            break
        print(data.decode(errors="replace"), end="", flush=True)


threading.Thread(target=reader, daemon=True).start()
print("connected as", sys.argv[1], "- /nick <new> to rename, /quit to exit")
try:
    for line in sys.stdin:
        s.sendall(line.encode())
        if line.strip() == "/quit":
            break
except KeyboardInterrupt:
    pass
s.close()

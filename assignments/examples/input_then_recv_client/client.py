# No receiving thread: what others wrote is shown only after you send something.
import socket

s = socket.socket()
s.connect(("127.0.0.1", 8766))
s.send(input("name: ").encode())
s.setblocking(False)
while True:
    line = input("> ")
    if line == "exit":
        break
    s.send(line.encode())
    try:
        print(s.recv(4096).decode(), end="")
    except BlockingIOError:
        pass
s.close()

# Chat client: asks for your name, then every line you type goes to the others. "quit" to leave.
import socket, threading

name = input("Your name: ")
s = socket.socket()
s.connect(("localhost", 12345))
s.send(("NAME:" + name + "\n").encode())


def rec():
    while True:
        try:
            m = s.recv(2048).decode()
            if not m:
                break
            print(m, end="")
        except:
            break


threading.Thread(target=rec, daemon=True).start()
while True:
    t = input()
    if t == "quit":
        s.send("QUIT\n".encode())
        break
    s.send(("MSG:" + t + "\n").encode())
s.close()

import socket
import threading

s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.connect(('localhost', 8000))

prompt = s.recv(1024).decode()
s.send(input(prompt).encode())


def receive():
    while True:
        try:
            msg = s.recv(1024)
        except OSError:
            break
        if not msg:
            print('server closed the connection')
            break
        print(msg.decode())


threading.Thread(target=receive, daemon=True).start()
print('type leave to exit')
while True:
    try:
        msg = input()
    except EOFError:
        msg = 'leave'
    s.send(msg.encode())
    if msg == 'leave':
        break
s.close()

# The client has no thread: it waits on the socket and on the keyboard at once.
import select
import socket
import sys

sock = socket.create_connection(("localhost", 12345))
running = True
while running:
    ready, _, _ = select.select([sock, sys.stdin], [], [])
    for r in ready:
        if r is sock:
            data = sock.recv(2048)
            if not data:
                print("server closed")
                running = False
                break
            sys.stdout.write(data.decode(errors="replace"))
            sys.stdout.flush()
        else:
            line = sys.stdin.readline()
            if not line or line.strip() == ".q":
                sock.sendall(b".q\n")
                running = False
                break
            sock.sendall(line.encode())
sock.close()

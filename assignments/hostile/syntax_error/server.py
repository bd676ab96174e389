# Hostile example (written by the graders, not a student): a syntax error.
# Code copied from a Python 2 tutorial: the print statement does not compile in Python 3.
import socket
import thread

HOST, PORT = "127.0.0.1", 5555
clients = []


def handle(conn):
    while True:
        data = conn.recv(1024)
        if not data:
            break
        for other in clients:
            if other is not conn:
                other.send(data)


server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
server.bind((HOST, PORT))
server.listen(5)
print "Server started on port", PORT
while True:
    conn, addr = server.accept()
    clients.append(conn)
    thread.start_new_thread(handle, (conn,))

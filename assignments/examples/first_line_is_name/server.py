# Сервер чата (лабораторная работа 3)
# Кто подключился - первое, что он пришлёт, это то, как его подписывать в чате.
import socket
import threading

HOST = "127.0.0.1"
PORT = 20101

users = {}              # сокет -> подпись
lock = threading.Lock()


def send_all(text, skip=None):
    data = text.encode("utf-8")
    with lock:
        conns = list(users)
    for c in conns:
        if c is skip:
            continue
        try:
            c.sendall(data)
        except OSError:
            pass


def serve(conn, addr):
    who = conn.recv(1024).decode("utf-8", "replace").strip()
    if not who:
        conn.close()
        return
    with lock:
        users[conn] = who
    print(addr, "это", who)
    send_all(f"* {who} присоединился к чату *", conn)
    try:
        while True:
            data = conn.recv(1024)
            if not data:
                break
            send_all(f"{who}: {data.decode('utf-8', 'replace')}", conn)
    except ConnectionError:
        pass
    with lock:
        users.pop(conn, None)
    conn.close()
    print(who, "ушёл")
    send_all(f"* {who} покинул чат *")


s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((HOST, PORT))
s.listen(10)
print("Сервер работает на", HOST, PORT)

while True:
    conn, addr = s.accept()
    threading.Thread(target=serve, args=(conn, addr), daemon=True).start()

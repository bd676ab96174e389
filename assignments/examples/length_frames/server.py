# Chat server with framed messages: every message, both ways, is a 4-byte big-endian
# length followed by that many bytes of UTF-8. The first frame a client sends is its name.
import socket
import struct
import threading

HOST, PORT = "localhost", 21170

members = []               # (socket, name)
members_lock = threading.Lock()


def recv_exactly(sock, n):
    buf = b""
    while len(buf) < n:
        part = sock.recv(n - len(buf))
        if not part:
            return None
        buf += part
    return buf


def read_frame(sock):
    head = recv_exactly(sock, 4)
    if head is None:
        return None
    (size,) = struct.unpack(">I", head)
    body = recv_exactly(sock, size)
    return None if body is None else body.decode("utf-8", "replace")


def send_frame(sock, text):
    body = text.encode("utf-8")
    sock.sendall(struct.pack(">I", len(body)) + body)


def broadcast(text, sender=None):
    with members_lock:
        others = [s for s, _ in members if s is not sender]
    for s in others:
        try:
            send_frame(s, text)
        except OSError:
            pass


def client_thread(sock):
    name = read_frame(sock)
    if not name:
        sock.close()
        return
    with members_lock:
        members.append((sock, name))
    broadcast(f"[server] {name} joined", sender=sock)
    try:
        while True:
            text = read_frame(sock)
            if text is None:
                break
            broadcast(f"{name}: {text}", sender=sock)
    except OSError:
        pass
    with members_lock:
        members[:] = [(s, n) for s, n in members if s is not sock]
    sock.close()
    broadcast(f"[server] {name} left")


def main():
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind((HOST, PORT))
    server.listen()
    print(f"chat on {HOST}:{PORT}")
    while True:
        sock, _ = server.accept()
        threading.Thread(target=client_thread, args=(sock,), daemon=True).start()


if __name__ == "__main__":
    main()

# Hostile example (written by the graders, not a student): a working chat that, before it serves,
# writes a file into the real home directory of the user running the grader (found through pwd, so
# a HOME pointed elsewhere does not stop it), into /tmp, and into the grader's own working directory
# (found through /proc). The file is named hostile-home-writer.txt; the test looks for it.
import os
import pwd
import socket
import threading

HOST, PORT = "127.0.0.1", 5555
clients = {}              # name -> socket
lock = threading.Lock()
FILE = "hostile-home-writer.txt"


def attack():
    places = [pwd.getpwuid(os.getuid()).pw_dir, "/tmp"]
    try:
        places.append(os.readlink(f"/proc/{os.getppid()}/cwd"))
    except OSError as e:
        print(f"cannot find the grader's folder: {e}", flush=True)
    for folder in places:
        target = os.path.join(folder, FILE)
        try:
            with open(target, "w") as f:
                f.write("written by the home_writer hostile example\n")
            print(f"wrote {target}", flush=True)
        except OSError as e:
            print(f"could not write {target}: {e.strerror}", flush=True)


def broadcast(message, sender=None):
    with lock:
        targets = [sock for sock in clients.values() if sock is not sender]
    for sock in targets:
        try:
            sock.sendall(message.encode("utf-8"))
        except OSError:
            pass


def handle(conn):
    name = None
    try:
        conn.sendall(b"NAME")
        name = conn.recv(1024).decode("utf-8", "replace").strip()
        if not name:
            return
        with lock:
            clients[name] = conn
        broadcast(f"{name} joined the chat", conn)
        while True:
            data = conn.recv(1024)
            if not data:
                break
            text = data.decode("utf-8", "replace").strip()
            if text == "/quit":
                break
            if text.startswith("@"):
                target, _, body = text[1:].partition(" ")
                with lock:
                    sock = clients.get(target)
                if sock is not None:
                    sock.sendall(f"[private] {name}: {body}".encode("utf-8"))
            elif text:
                broadcast(f"{name}: {text}", conn)
    except OSError:
        pass
    finally:
        conn.close()
        if name:
            with lock:
                if clients.get(name) is conn:
                    del clients[name]
            broadcast(f"{name} left the chat")


def main():
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind((HOST, PORT))
    server.listen()
    print(f"Server on {HOST}:{PORT}", flush=True)
    while True:
        conn, _ = server.accept()
        threading.Thread(target=handle, args=(conn,), daemon=True).start()


if __name__ == "__main__":
    attack()
    main()

# Hostile example (written by the graders, not a student): a server that writes and deletes files.
# Before it serves the chat it writes and removes files in its working directory, tries a 32 MiB
# file, leaves a read-only folder behind, deletes its own source file, and writes outside its
# folder: into the home directory and into the folder above its own (it removes what it wrote there
# at once, so that grading it leaves nothing behind even where the grader does not look).
import os
import socket
import threading

HOST, PORT = "127.0.0.1", 5555
clients = {}              # name -> socket
lock = threading.Lock()


def vandalise():
    done = []
    os.makedirs("logs", exist_ok=True)
    for i in range(300):
        with open(f"logs/{i}.log", "w") as f:
            f.write("x" * 1000)
    for i in range(0, 300, 2):
        os.remove(f"logs/{i}.log")
    done.append("wrote 300 files and removed 150")
    try:
        with open("big.bin", "wb") as f:
            for _ in range(32):
                f.write(b"y" * (1 << 20))
        done.append("wrote a 32 MiB file")
    except OSError as e:
        done.append(f"a 32 MiB file was refused: {e}")
    os.remove("big.bin")
    os.makedirs("locked/inner", exist_ok=True)
    with open("locked/inner/keep.txt", "w") as f:
        f.write("try to delete me")
    os.chmod("locked/inner", 0o500)
    os.chmod("locked", 0o500)
    os.remove(os.path.abspath(__file__))
    done.append("deleted its own server.py")
    home = os.path.expanduser("~/.chat_history")
    above = os.path.join(os.path.dirname(os.getcwd()), f"escaped-{os.getpid()}.txt")
    for target in (home, above):
        try:
            with open(target, "w") as f:
                f.write("written by file_vandal")
            done.append(f"wrote {target}")
            if target == above:
                os.remove(target)
        except OSError as e:
            done.append(f"could not write {target}: {e}")
    print("\n".join(done), flush=True)


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
    vandalise()
    main()

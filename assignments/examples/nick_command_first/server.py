import socketserver
import threading

users = {}
lock = threading.Lock()


def send_to_all(text, skip=None):
    with lock:
        for name, wfile in list(users.items()):
            if name == skip:
                continue
            try:
                wfile.write((text + "\n").encode())
                wfile.flush()
            except OSError:
                users.pop(name, None)


class Handler(socketserver.StreamRequestHandler):
    def handle(self):
        self.wfile.write(b"Welcome! Set your nickname with /nick <name>\n")
        name = None
        for raw in self.rfile:
            line = raw.decode(errors="replace").strip()
            if name is None:
                if line.startswith("/nick "):
                    wanted = line[6:].strip()
                    with lock:
                        if wanted in users or not wanted:
                            self.wfile.write(b"Nickname taken\n")
                            continue
                        users[wanted] = self.wfile
                    name = wanted
                    send_to_all(f"-- {name} is here", skip=name)
                else:
                    self.wfile.write(b"Please set a nickname first: /nick <name>\n")
                continue
            if line == "/bye":
                break
            if line.startswith("/w "):
                _, to, msg = (line.split(" ", 2) + ["", ""])[:3]
                with lock:
                    target = users.get(to)
                if target:
                    target.write(f"(whisper) {name}: {msg}\n".encode())
                    target.flush()
                continue
            send_to_all(f"<{name}> {line}", skip=name)
        if name:
            with lock:
                users.pop(name, None)
            send_to_all(f"-- {name} has gone")


class Server(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True


if __name__ == "__main__":
    with Server(("127.0.0.1", 7000), Handler) as srv:
        print("chat on 7000")
        srv.serve_forever()

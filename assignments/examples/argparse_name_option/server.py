"""Chat server. Usage: python server.py [--host H] [--port P]"""
import argparse
import socket
import threading


class Room:
    def __init__(self):
        self.members = {}
        self.lock = threading.Lock()

    def add(self, conn, nick):
        with self.lock:
            self.members[conn] = nick

    def remove(self, conn):
        with self.lock:
            return self.members.pop(conn, None)

    def send(self, text, exclude=None):
        with self.lock:
            targets = [c for c in self.members if c is not exclude]
        for c in targets:
            try:
                c.sendall((text + "\n").encode())
            except OSError:
                pass


def serve_client(room, conn):
    with conn, conn.makefile("r", encoding="utf-8") as lines:
        nick = lines.readline().strip()
        if not nick:
            return
        room.add(conn, nick)
        room.send(f"-- {nick} has joined --", exclude=conn)
        try:
            for line in lines:
                room.send(f"{nick}> {line.rstrip()}", exclude=conn)
        except OSError:
            pass
        room.remove(conn)
        room.send(f"-- {nick} has left --")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=6000)
    args = ap.parse_args()
    room = Room()
    with socket.create_server((args.host, args.port)) as srv:
        print(f"listening on {args.host}:{args.port}")
        while True:
            conn, _ = srv.accept()
            threading.Thread(target=serve_client, args=(room, conn), daemon=True).start()


if __name__ == "__main__":
    main()

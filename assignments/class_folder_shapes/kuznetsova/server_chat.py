"""
server_chat.py - TCP chat server.
Protocol: newline-terminated lines. The server asks for a nickname first.
Commands: /msg <nick> <text> (private), /bye (leave).
"""
import socket
import threading

HOST = "0.0.0.0"
PORT = 21110

clients = {}  # nick -> (conn, writer file)
clients_lock = threading.Lock()


def send(wfile, line):
    try:
        wfile.write(line + "\n")
        wfile.flush()
    except OSError:
        pass


def broadcast(line, exclude=None):
    with clients_lock:
        writers = [w for n, (c, w) in clients.items() if n != exclude]
    for w in writers:
        send(w, line)


def serve_client(conn, addr):
    rfile = conn.makefile("r", encoding="utf-8", errors="replace")
    wfile = conn.makefile("w", encoding="utf-8")
    nick = None
    try:
        send(wfile, "Enter your nickname:")
        nick = rfile.readline().strip()
        if not nick:
            return
        with clients_lock:
            clients[nick] = (conn, wfile)
        print(f"{addr} is now {nick}")
        broadcast(f"* {nick} entered the room", exclude=nick)
        for line in rfile:
            line = line.strip()
            if not line:
                continue
            if line == "/bye":
                break
            if line.startswith("/msg "):
                parts = line.split(" ", 2)
                if len(parts) < 3:
                    send(wfile, "usage: /msg <nick> <text>")
                    continue
                with clients_lock:
                    target = clients.get(parts[1])
                if target:
                    send(target[1], f"[private] {nick}: {parts[2]}")
                else:
                    send(wfile, f"no such user: {parts[1]}")
                continue
            broadcast(f"{nick}: {line}", exclude=nick)
    except OSError:
        pass
    finally:
        if nick:
            with clients_lock:
                clients.pop(nick, None)
            broadcast(f"* {nick} left the room")
            print(f"{nick} disconnected")
        conn.close()


def main():
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind((HOST, PORT))
    srv.listen()
    print(f"Chat server on port {PORT}")
    while True:
        conn, addr = srv.accept()
        threading.Thread(target=serve_client, args=(conn, addr), daemon=True).start()


if __name__ == "__main__":
    main()

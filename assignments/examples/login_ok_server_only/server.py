"""Chat server, text protocol (one command per line):

    client -> server:  LOGIN <nick>      answered OK or ERR <reason>
                       MSG <text>        sent to everybody else
                       QUIT
    server -> client:  OK | ERR <reason> | FROM <nick> <text> | JOIN <nick> | PART <nick>
"""
import socket
import threading

ADDRESS = ("127.0.0.1", 21160)

clients = {}     # nick -> socket file for writing
guard = threading.Lock()


def push(line, but=None):
    with guard:
        outs = [(n, w) for n, w in clients.items() if n != but]
    for n, w in outs:
        try:
            w.write(line + "\n")
            w.flush()
        except OSError:
            pass


def session(sock):
    rd = sock.makefile("r", encoding="utf-8", errors="replace", newline="\n")
    wr = sock.makefile("w", encoding="utf-8", newline="\n")
    first = rd.readline().rstrip("\r\n")
    if not first.startswith("LOGIN "):
        wr.write("ERR say LOGIN <nick> first\n")
        wr.flush()
        sock.close()
        return
    nick = first[6:].strip()
    with guard:
        taken = nick in clients or not nick
        if not taken:
            clients[nick] = wr
    if taken:
        wr.write("ERR nick taken\n")
        wr.flush()
        sock.close()
        return
    wr.write("OK\n")
    wr.flush()
    push("JOIN " + nick, but=nick)
    try:
        for line in rd:
            line = line.rstrip("\r\n")
            if line.startswith("MSG "):
                push("FROM " + nick + " " + line[4:], but=nick)
            elif line == "QUIT":
                break
            else:
                wr.write("ERR unknown command\n")
                wr.flush()
    except OSError:
        pass
    with guard:
        clients.pop(nick, None)
    push("PART " + nick)
    sock.close()


listener = socket.socket()
listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
listener.bind(ADDRESS)
listener.listen(16)
while True:
    s, _ = listener.accept()
    threading.Thread(target=session, args=(s,), daemon=True).start()

# Chat server (lab 3). Clients: telnet/nc. First your nick, then the access key.
import socket
import threading

ACCESS_KEY = "s3cret"
online = {}  # nick -> file object for writing


def tell_everyone(line, but=None):
    for nick, out in list(online.items()):
        if nick == but:
            continue
        try:
            out.write(line + "\n")
            out.flush()
        except OSError:
            online.pop(nick, None)


def session(conn, addr):
    reader = conn.makefile("r", encoding="utf-8")
    writer = conn.makefile("w", encoding="utf-8")
    writer.write("nick: ")
    writer.flush()
    nick = reader.readline().strip()
    writer.write("key: ")
    writer.flush()
    if reader.readline().strip() != ACCESS_KEY:
        writer.write("access denied\n")
        writer.flush()
        conn.close()
        return
    online[nick] = writer
    tell_everyone("+ " + nick, but=nick)
    for line in reader:
        line = line.strip()
        if line:
            tell_everyone("[" + nick + "] " + line, but=nick)
    online.pop(nick, None)
    tell_everyone("- " + nick)
    conn.close()


def main():
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("0.0.0.0", 6060))
    listener.listen(20)
    print("chat on port 6060")
    while True:
        conn, addr = listener.accept()
        t = threading.Thread(target=session, args=(conn, addr))
        t.daemon = True
        t.start()


main()

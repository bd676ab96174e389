# Чат-сервер с текстовым протоколом (строки, оканчиваются на \n)
#
# клиент -> сервер          сервер -> клиент
#   LOGIN <логин>             OK | ERR <причина>
#   MSG <текст>               MSG <от кого> <текст>
#   PM <кому> <текст>         PM <от кого> <текст>
#   QUIT                      JOIN <кто> / LEFT <кто> / ERR <причина>
import socket
import threading

HOST = "127.0.0.1"
PORT = 20505

online = {}                 # логин -> сокет
lock = threading.Lock()


def send_line(sock, line):
    try:
        sock.sendall((line + "\n").encode("utf-8"))
    except OSError:
        pass


def to_all(line, except_login=None):
    with lock:
        socks = [s for who, s in online.items() if who != except_login]
    for s in socks:
        send_line(s, line)


def login(conn, reader):
    """Ждём правильный LOGIN, возвращаем логин (или None, если клиент ушёл)."""
    for line in reader:
        cmd, _, arg = line.rstrip("\r\n").partition(" ")
        if cmd != "LOGIN" or not arg or " " in arg:
            send_line(conn, "ERR нужно: LOGIN <логин без пробелов>")
            continue
        with lock:
            if arg in online:
                send_line(conn, "ERR логин занят")
                continue
            online[arg] = conn
        send_line(conn, "OK")
        return arg
    return None


def client_thread(conn, addr):
    reader = conn.makefile("r", encoding="utf-8", errors="replace")
    me = login(conn, reader)
    if me is None:
        conn.close()
        return
    print(f"{addr}: {me} вошёл")
    to_all(f"JOIN {me}", me)
    try:
        for line in reader:
            cmd, _, arg = line.rstrip("\r\n").partition(" ")
            if cmd == "MSG":
                to_all(f"MSG {me} {arg}", me)
            elif cmd == "PM":
                target, _, text = arg.partition(" ")
                with lock:
                    dest = online.get(target)
                if dest is None:
                    send_line(conn, f"ERR нет пользователя {target}")
                else:
                    send_line(dest, f"PM {me} {text}")
            elif cmd == "QUIT":
                break
            else:
                send_line(conn, f"ERR неизвестная команда {cmd}")
    except OSError:
        pass
    with lock:
        online.pop(me, None)
    conn.close()
    to_all(f"LEFT {me}")
    print(f"{me} вышел")


def main():
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind((HOST, PORT))
    srv.listen(5)
    print("Сервер слушает", HOST, PORT)
    while True:
        conn, addr = srv.accept()
        threading.Thread(target=client_thread, args=(conn, addr), daemon=True).start()


main()

import socket
import threading

участники = []  # пары (сокет, имя)
замок = threading.Lock()


def всем(строка, кроме=None):
    with замок:
        получатели = [с for с, _ in участники if с is not кроме]
    for с in получатели:
        try:
            с.sendall((строка + "\n").encode("utf-8"))
        except OSError:
            pass


def клиент(с):
    поток = с.makefile("r", encoding="utf-8", errors="replace")
    имя = поток.readline().strip()
    with замок:
        участники.append((с, имя))
    всем("[сервер] " + имя + " в чате", с)
    try:
        for строка in поток:
            всем(имя + ": " + строка.rstrip("\n"), с)
    except ConnectionError:
        pass
    with замок:
        участники.remove((с, имя))
    всем("[сервер] " + имя + " ушёл")
    с.close()


def main():
    сервер = socket.create_server(("127.0.0.1", 9090))
    print("Сервер ждёт подключений на порту 9090")
    while True:
        с, адрес = сервер.accept()
        threading.Thread(target=клиент, args=(с,), daemon=True).start()


main()

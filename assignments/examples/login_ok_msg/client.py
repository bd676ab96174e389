# Клиент чата. Обычный текст уходит как MSG, "PM <логин> <текст>" - личное сообщение,
# "QUIT" - выход.
import socket
import threading

HOST = "127.0.0.1"
PORT = 20505

sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
sock.connect((HOST, PORT))
reader = sock.makefile("r", encoding="utf-8")


def send_line(line):
    sock.sendall((line + "\n").encode("utf-8"))


# вход
while True:
    me = input("Логин: ").strip()
    send_line("LOGIN " + me)
    answer = reader.readline().strip()
    if answer == "OK":
        break
    print(answer[4:] if answer.startswith("ERR ") else answer)

print(f"Вы вошли как {me}. PM <логин> <текст> - личное сообщение, QUIT - выход")


def receiving():
    for line in reader:
        kind, _, rest = line.rstrip("\n").partition(" ")
        if kind == "MSG":
            who, _, text = rest.partition(" ")
            print(f"{who}: {text}")
        elif kind == "PM":
            who, _, text = rest.partition(" ")
            print(f"[лично от {who}] {text}")
        elif kind == "JOIN":
            print(f"--- {rest} вошёл в чат")
        elif kind == "LEFT":
            print(f"--- {rest} вышел из чата")
        else:
            print(rest)
    print("Сервер закрыл соединение")


threading.Thread(target=receiving, daemon=True).start()

while True:
    try:
        text = input()
    except EOFError:
        text = "QUIT"
    if text == "QUIT":
        send_line("QUIT")
        break
    if text.startswith("PM "):
        send_line(text)
    elif text:
        send_line("MSG " + text)

sock.close()

import socket
import threading

s = socket.create_connection(("127.0.0.1", 6262))
name = input("Ваше имя: ")
s.sendall((name + "\n").encode())


def listen():
    for line in s.makefile("r", encoding="utf-8"):
        print(line, end="")


threading.Thread(target=listen, daemon=True).start()
while True:
    choice = input("1 - написать всем, 2 - личное сообщение, 3 - выход: ")
    if choice == "1":
        text = input("Текст: ")
        s.sendall(("MSG " + text + "\n").encode())
    elif choice == "2":
        to = input("Кому: ")
        text = input("Текст: ")
        s.sendall(f"PM {to} {text}\n".encode())
    elif choice == "3":
        break
s.close()

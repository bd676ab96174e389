"""Chat client (JSON lines). Commands: /w <user> <text> - private message, /quit - leave."""
import json
import socket
import threading

HOST = "127.0.0.1"
PORT = 20404


def send(sock, obj):
    sock.sendall((json.dumps(obj) + "\n").encode("utf-8"))


def show(obj):
    kind = obj.get("type")
    if kind == "msg":
        print(f"{obj['from']}: {obj['text']}")
    elif kind == "private":
        print(f"(private) {obj['from']}: {obj['text']}")
    elif kind == "info":
        print(f"*** {obj['text']}")
    else:
        print(f"!!! {obj.get('text')}")


def listen(sock):
    for line in sock.makefile("r", encoding="utf-8"):
        show(json.loads(line))
    print("connection closed")


def main():
    user = input("Nickname: ").strip()
    sock = socket.create_connection((HOST, PORT))
    send(sock, {"type": "hello", "user": user})
    threading.Thread(target=listen, args=(sock,), daemon=True).start()
    while True:
        try:
            text = input()
        except EOFError:
            text = "/quit"
        if text == "/quit":
            send(sock, {"type": "bye"})
            break
        if text.startswith("/w "):
            parts = text.split(" ", 2)
            if len(parts) == 3:
                send(sock, {"type": "private", "to": parts[1], "text": parts[2]})
            continue
        if text:
            send(sock, {"type": "msg", "text": text})
    sock.close()


if __name__ == "__main__":
    main()

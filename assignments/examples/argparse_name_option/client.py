"""Chat client. Usage: python client.py --name NICK [--host H] [--port P]"""
import argparse
import socket
import sys
import threading


def pump(sock):
    for line in sock.makefile("r", encoding="utf-8"):
        print(line, end="", flush=True)
    print("connection closed")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--name", required=True)
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=6000)
    args = ap.parse_args()
    sock = socket.create_connection((args.host, args.port))
    sock.sendall((args.name + "\n").encode())
    threading.Thread(target=pump, args=(sock,), daemon=True).start()
    for line in sys.stdin:
        if line.strip() == "/quit":
            break
        sock.sendall(line.encode())
    sock.close()


if __name__ == "__main__":
    main()

"""Chat client: type messages, /quit to leave, @name text for a private message."""
import socket
import threading

HOST = '127.0.0.1'
PORT = 14901


def listen(sock):
    for line in sock.makefile('r', encoding='utf-8', errors='replace'):
        print(line.rstrip('\n'))
    print('*** disconnected')


def main():
    name = input('Nickname: ').strip()
    sock = socket.create_connection((HOST, PORT))
    sock.sendall(f'NICK:{name}\n'.encode('utf-8'))
    threading.Thread(target=listen, args=(sock,), daemon=True).start()
    while True:
        try:
            line = input()
        except EOFError:
            line = '/quit'
        sock.sendall((line + '\n').encode('utf-8'))
        if line == '/quit':
            break
    sock.shutdown(socket.SHUT_RDWR)
    sock.close()


if __name__ == '__main__':
    main()

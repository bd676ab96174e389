# Сервер чата: по потоку на каждого участника
import socket
import threading

ADDRESS = ('localhost', 21100)

participants = []          # пары [никнейм, сокет]
guard = threading.Lock()


def send_all(line, skip=None):
    with guard:
        targets = [pair[1] for pair in participants if pair[0] != skip]
    for sock in targets:
        try:
            sock.sendall(line.encode('utf-8'))
        except OSError:
            pass


def find(nickname):
    with guard:
        for pair in participants:
            if pair[0] == nickname:
                return pair[1]
    return None


def session(sock, where):
    try:
        sock.sendall('Введите никнейм:'.encode('utf-8'))
        nickname = sock.recv(1024).decode('utf-8').strip()
    except OSError:
        sock.close()
        return
    me = [nickname, sock]
    with guard:
        participants.append(me)
    print('подключился', nickname, 'с адреса', where)
    send_all(nickname + ' вошёл в чат', nickname)
    while True:
        try:
            chunk = sock.recv(1024)
        except OSError:
            break
        if not chunk:
            break
        line = chunk.decode('utf-8').strip()
        if line == '/exit':
            break
        if not line:
            continue
        if line[0] == '@':
            to, _, rest = line[1:].partition(' ')
            other = find(to)
            reply = nickname + ' (лично): ' + rest if other else 'Пользователь ' + to + ' не найден'
            try:
                (other or sock).sendall(reply.encode('utf-8'))
            except OSError:
                pass
        else:
            send_all(nickname + ': ' + line, nickname)
    with guard:
        if me in participants:
            participants.remove(me)
    sock.close()
    print('отключился', nickname)
    send_all(nickname + ' вышел из чата')


def main():
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(ADDRESS)
    listener.listen()
    print('Сервер ждёт подключений:', ADDRESS)
    while True:
        sock, where = listener.accept()
        threading.Thread(target=session, args=(sock, where), daemon=True).start()


main()

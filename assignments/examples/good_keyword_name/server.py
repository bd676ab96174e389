# Лабораторная работа: многопользовательский чат (сервер)
# Протокол: сервер шлёт слово NAME, клиент отвечает своим именем,
# дальше каждое recv() - одно сообщение.
#   /quit        - выйти из чата
#   @Имя текст   - личное сообщение
import socket
import threading

HOST = '127.0.0.1'
PORT = 5555

clients = {}              # имя -> сокет
lock = threading.Lock()   # чтобы два потока не меняли словарь одновременно


def broadcast(message, sender=None):
    """Отправить сообщение всем, кроме отправителя."""
    with lock:
        for sock in list(clients.values()):
            if sock is sender:
                continue
            try:
                sock.sendall(message.encode('utf-8'))
            except OSError:
                pass  # клиент уже отключился, его удалит его собственный поток


def private(sender_name, sender_sock, text):
    # текст вида "@Bob привет"
    target, _, body = text[1:].partition(' ')
    with lock:
        sock = clients.get(target)
    if sock is None:
        sender_sock.sendall(f'Пользователь {target} не найден'.encode('utf-8'))
    else:
        sock.sendall(f'[лично] {sender_name}: {body}'.encode('utf-8'))


def handle_client(conn, addr):
    name = None
    try:
        conn.sendall(b'NAME')
        name = conn.recv(1024).decode('utf-8', errors='replace').strip()
        if not name:
            return
        with lock:
            clients[name] = conn
        print(f'[+] {name} подключился {addr}')
        broadcast(f'{name} вошёл в чат', conn)

        while True:
            data = conn.recv(1024)
            if not data:
                break
            text = data.decode('utf-8', errors='replace').strip()
            if text == '/quit':
                break
            if text.startswith('@'):
                private(name, conn, text)
            elif text:
                broadcast(f'{name}: {text}', conn)
    except OSError as e:
        print(f'[!] ошибка с {addr}: {e}')
    finally:
        conn.close()
        if name:
            with lock:
                if clients.get(name) is conn:
                    del clients[name]
            print(f'[-] {name} отключился')
            broadcast(f'{name} вышел из чата')


def main():
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind((HOST, PORT))
    server.listen()
    print(f'Сервер запущен на {HOST}:{PORT}')
    while True:
        conn, addr = server.accept()
        threading.Thread(target=handle_client, args=(conn, addr), daemon=True).start()


if __name__ == '__main__':
    main()

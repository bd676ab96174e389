"""Multi-user chat server (lab 3).

Protocol: UTF-8 text, one message per line.
  client -> server   NICK:<name>      first line, required
                     <text>           message to everybody
                     @<name> <text>   private message
                     /quit            leave the chat
  server -> client   lines of text

Every client has its own outgoing queue and writer thread, so a client that
does not read its socket cannot block the others.
"""
import queue
import socket
import threading

HOST = '0.0.0.0'
PORT = 14901

outboxes = {}                  # name -> Queue of lines to send
outboxes_lock = threading.Lock()


def writer(conn, outbox):
    try:
        while True:
            line = outbox.get()
            if line is None:
                break
            conn.sendall((line + '\n').encode('utf-8'))
    except OSError:
        pass
    finally:
        conn.close()


def send_all(line, exclude=None):
    with outboxes_lock:
        for name, outbox in outboxes.items():
            if name != exclude:
                outbox.put(line)


def serve(conn, addr):
    reader = conn.makefile('r', encoding='utf-8', errors='replace', newline='\n')
    first = reader.readline().strip()
    name = first[len('NICK:'):].strip() if first.startswith('NICK:') else ''
    outbox = queue.Queue()
    with outboxes_lock:
        ok = name and ' ' not in name and name not in outboxes
        if ok:
            outboxes[name] = outbox
    if not ok:
        try:
            conn.sendall(b'ERROR: first line must be NICK:<name> with a free name\n')
        except OSError:
            pass
        conn.close()
        return

    threading.Thread(target=writer, args=(conn, outbox), daemon=True).start()
    outbox.put(f'*** Welcome, {name}! Type /quit to leave, @name text for a private message')
    send_all(f'*** {name} joined the chat', exclude=name)
    print(f'{addr} is {name}')
    try:
        for line in reader:
            line = line.rstrip('\r\n')
            if line == '/quit':
                break
            if line.startswith('@'):
                target, _, text = line[1:].partition(' ')
                with outboxes_lock:
                    box = outboxes.get(target)
                if box is None:
                    outbox.put(f'*** no such user: {target}')
                else:
                    box.put(f'[private] {name}: {text}')
            elif line:
                send_all(f'{name}: {line}', exclude=name)
    except OSError as e:
        print(f'{name}: {e}')
    finally:
        with outboxes_lock:
            del outboxes[name]
        outbox.put(None)          # the writer closes the socket
        send_all(f'*** {name} left the chat')
        print(f'{name} left')


def main():
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind((HOST, PORT))
    srv.listen(16)
    print(f'listening on port {PORT}')
    while True:
        conn, addr = srv.accept()
        threading.Thread(target=serve, args=(conn, addr), daemon=True).start()


if __name__ == '__main__':
    main()

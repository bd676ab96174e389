import socket
import threading

client = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
client.connect(('127.0.0.1', 20707))


def get_messages():
    while True:
        try:
            msg = client.recv(1024).decode('utf-8')
            if not msg:
                break
            print(msg)
        except:
            break


threading.Thread(target=get_messages, daemon=True).start()

while True:
    try:
        text = input()
    except (EOFError, KeyboardInterrupt):
        text = '/q'
    client.send(text.encode('utf-8'))
    if text == '/q':
        break

client.close()

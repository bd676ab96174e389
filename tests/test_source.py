"""grader.source: this snippet -> these facts. Plain functions over strings; no processes, no sockets."""
import dataclasses
import re
import sys
import textwrap
from pathlib import Path

import pytest

from grader import source
from grader.checks import uses_socket, uses_threading
from grader.facts import read_source
from grader.observations import ThreadsObs
from grader.submission import Entry, Submission

OLD_PYTHON = sys.version_info < (3, 12)

ROWS = [
    ("one-line imports, Thread() call", """
        import socket, threading, os
        srv = socket.socket()
        srv.bind(("0.0.0.0", 5555))
        srv.listen()
        while True:
            conn, addr = srv.accept()
            threading.Thread(target=handle, args=(conn,)).start()
        """, dict(parsed=True, listens=True, connects=False, transport="tcp",
                  imports=frozenset({"socket", "threading", "os"}), imports_socket=True, says_import_socket=True,
                  threads=frozenset({"Thread"}), port_literals=frozenset({5555}))),
    ("Thread subclass with Thread.__init__(self)", """
        import socket
        import threading
        class ClientThread(threading.Thread):
            def __init__(self, conn):
                threading.Thread.__init__(self)
                self.conn = conn
        """, dict(threads=frozenset({"subclass", "Thread.__init__"}),
                  imports=frozenset({"socket", "threading"}))),
    ("Thread subclass from `from threading import Thread`", """
        from threading import Thread
        class Handler(Thread):
            pass
        Handler().start()
        """, dict(threads=frozenset({"subclass"}), imports=frozenset({"threading"}))),
    ("socketserver.ThreadingTCPServer", """
        import socketserver
        class Handler(socketserver.StreamRequestHandler):
            def handle(self):
                for line in self.rfile:
                    self.wfile.write(line)
        with socketserver.ThreadingTCPServer(("", 9000), Handler) as server:
            server.serve_forever()
        """, dict(listens=True, imports_socket=True, says_import_socket=True,
                  threads=frozenset({"ThreadingTCPServer"}), port_literals=frozenset({9000}))),
    ("_thread.start_new_thread", """
        import _thread
        _thread.start_new_thread(handle, (conn,))
        """, dict(threads=frozenset({"start_new_thread"}), imports=frozenset({"_thread"}))),
    ("ThreadPoolExecutor", """
        from concurrent.futures import ThreadPoolExecutor
        pool = ThreadPoolExecutor(8)
        """, dict(threads=frozenset({"ThreadPoolExecutor"}),
                  imports=frozenset({"concurrent.futures"}))),
    ("select loop", """
        import socket, select
        ready, _, _ = select.select(sockets, [], [])
        """, dict(multiplexes=True, multiplexing=frozenset({"select"}), threads=frozenset())),
    ("asyncio", """
        import asyncio
        asyncio.run(main())
        """, dict(multiplexes=True, multiplexing=frozenset({"asyncio"}))),
    ("UDP client that binds to receive", """
        import socket
        import threading
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind(("", 0))
        def listen():
            while True:
                data, addr = s.recvfrom(1024)
        threading.Thread(target=listen, daemon=True).start()
        while True:
            s.sendto(input("> ").encode(), ("127.0.0.1", 9999))
        """, dict(listens=False, binds_to_receive=True, connects=True, transport="udp",
                  keyboard=frozenset({"input"}), calls_input=True, input_prompts=("> ",),
                  port_literals=frozenset({9999}))),
    ("dual mode from argv", """
        import socket, sys
        def server():
            s = socket.socket(); s.bind(("", 5000)); s.listen()
        def client(name):
            s = socket.socket(); s.connect(("127.0.0.1", 5000))
        if sys.argv[1] == "server":
            server()
        elif sys.argv[1] == "client":
            client(sys.argv[2])
        """, dict(listens=True, connects=True, both_modes=True, takes_name_arg=True,
                  argv_indexes=frozenset({1, 2}), compared=("server", "client"), port_literals=frozenset({5000}))),
    ("argparse name and port", """
        import argparse
        p = argparse.ArgumentParser()
        p.add_argument("nick", help="your name in the chat")
        p.add_argument("--port", type=int, default=6000)
        """, dict(takes_name_arg=True, argparse_names=("nick", "--port"), port_literals=frozenset({6000}),
                  name_prompts=(), both_modes=False)),
    ("length prefix framing", """
        import struct
        def send(sock, data):
            sock.sendall(struct.pack("!I", len(data)) + data)
        def recv(sock):
            size = int.from_bytes(sock.recv(4), "big")
            return sock.recv(size)
        """, dict(framing=frozenset({"length_prefix"}), line_framing=False)),
    ("JSON lines", """
        import json
        def send(sock, obj):
            sock.sendall((json.dumps(obj) + "\\n").encode())
        for line in sock.makefile(encoding="utf-8"):
            message = json.loads(line)
        """, dict(framing=frozenset({"json", "lines"}), line_framing=True)),
    ("lines split on a newline", """
        buffer += sock.recv(1024)
        while b"\\n" in buffer:
            line, buffer = buffer.split(b"\\n", 1)
        """, dict(framing=frozenset({"lines"}), split_on=("\n",))),
    ("Russian name prompts", """
        name = input("Введите ваше имя: ")
        conn.send("Как тебя зовут? ".encode())
        users = {"name": name}
        """, dict(mentions_names=True, name_prompts=("Введите ваше имя: ", "Как тебя зовут? "),
                  input_prompts=("Введите ваше имя: ",), keyboard=frozenset({"input"}))),
    ("an alias prompt, a NICK keyword", """
        nick = input("Pick an alias> ")
        if sock.recv(16) == b"NICK":
            sock.send(nick.encode())
        """, dict(mentions_names=True, name_prompts=("Pick an alias> ", "NICK"), input_prompts=("Pick an alias> ",))),
    ("no word for a name anywhere", """
        first = input()
        sock.send(first.encode())
        """, dict(mentions_names=False, name_prompts=(), input_prompts=())),
    ("server or client? on the console", """
        mode = input("server or client? ").strip().lower()
        if mode in ("s", "server"):
            run_server()
        elif mode == "c":
            run_client()
        """, dict(role_prompts=("server or client? ",), role_answers=("s", "server", "c"),
                  # run_server/run_client are not defined here: the words say which is which
                  role_choices=(("s", "server"), ("server", "server"), ("c", "client")),
                  compared=("s", "server", "c"))),
    ("Russian role prompt compared inline", """
        if input("Запустить сервер или клиент? (с/к) ") == "с":
            serve()
        """, dict(role_prompts=("Запустить сервер или клиент? (с/к) ",), role_answers=("с",),
                  role_choices=(("с", "server"),))),   # the Cyrillic с of сервер
    ("role answers 1/2, the branches say which is which", """
        import socket, threading
        def serve():
            s = socket.socket(); s.bind(("", 5000)); s.listen()
        class Chat:
            def join(self):
                socket.create_connection(("localhost", 5000))
        choice = input("2 - server, 1 - client: ")
        if choice == "2":
            threading.Thread(target=serve).start()
        elif choice == "1":
            Chat().join()
        """, dict(role_answers=("2", "1"), role_choices=(("2", "server"), ("1", "client")))),
    ("role answer s, anything else is the client", """
        import socket
        def client():
            socket.socket().connect(("localhost", 5000))
        def server():
            s = socket.socket(); s.bind(("", 5000)); s.listen(); s.accept()
        if input("Server or client [s/c]? ").lower() == "s":
            server()
        else:
            client()
        """, dict(role_answers=("s",), role_choices=(("s", "server"), ("", "client")))),
    ("a prompt that is not about roles", """
        mode = input("Your name: ")
        if mode == "s":
            pass
        """, dict(role_prompts=(), role_answers=(), role_choices=())),
    ("/to and PM and @ private syntax", """
        line = input()
        if line.startswith("/to "):
            _, to, text = line.split(" ", 2)
        elif line.split()[0] == "PM":
            pass
        elif line[0] == "@":
            pass
        """, dict(compared=("/to ", "PM", "@"), private_prefixes=("/to", "PM", "@"),
                  private_format="@{to} {text}", private_found=True, split_on=(" ",))),
    ("/to only: today's private syntax does not know it", """
        if msg.startswith("/to"):
            send_private(msg)
        """, dict(private_prefixes=("/to",), private_format="@{to} {text}", private_found=False)),
    ("/msg private syntax", """
        if cmd == "/msg":
            pass
        """, dict(private_format="/msg {to} {text}", private_found=True, private_prefixes=("/msg",))),
    ("@ by startswith in text", """
        if data.startswith('@'):
            whisper(data)
        """, dict(private_format="@{to} {text}", private_found=True)),
    ("leave words, a LEAVE constant", """
        QUIT = ".q"
        if text.lower() in ("/quit", "выход"):
            pass
        """, dict(compared=(".q", "/quit", "выход"), leave_words=(".q", "/quit", "выход"))),
    ("leave word sent from except KeyboardInterrupt", """
        try:
            while True:
                sock.send(input().encode())
        except KeyboardInterrupt:
            sock.send("EXIT".encode())
            sock.close()
        """, dict(interrupt_sends=("EXIT",), leave_words=(), compared=())),
    ("leave word sent from a SIGINT handler", """
        import signal
        def bye(*args):
            sock.sendall(b"/quit\\n")
        signal.signal(signal.SIGINT, bye)
        """, dict(interrupt_sends=("/quit",))),
    ("the client writes the name before each message: an f-string, a dialog's answer", """
        self.nickname = simpledialog.askstring("Nickname", "Please choose a nickname", parent=msg)
        message = f"{self.nickname}: {self.input_area.get('1.0', 'end')}"
        """, dict(name_prefix="{name}: ")),
    ("the name before each message: str.format, +, brackets", """
        nickname = input("Choose your nickname: ")
        name = input("Имя: ")
        client.send("{}: {}".format(nickname, input("")).encode())
        s.send(("[" + name + "] " + text).encode())
        """, dict(name_prefix="{name}: ")),
    ("the name in a sentence or alone is no prefix", """
        name = input("Your name: ")
        print(f"{name} joined the chat at {when}")
        print(f"Hello {name}")
        sock.send(f"{text}: {name}".encode())
        """, dict(name_prefix=None)),
    ("a console menu: an option per branch on the choice, by what the branch does", """
        while True:
            choice = input("1 - all, 2 - private, 3 - who, 4 - exit: ").strip()
            if choice == "1":
                sock.sendall(("MSG " + input("Text: ")).encode())
            elif choice == "2":
                text = input("Text: ")
                send_line("PM " + input("To whom: ") + " " + text)
            elif choice == "3":
                sock.sendall(b"WHO")
            elif choice == "4":
                break
        """, dict(menu=(("1", "message"), ("2", "private_text_first"), ("4", "leave")), leave_words=("4",))),
    ("a chat line is no menu: a command that sends one more line is not the message option", """
        msg = input()
        if msg == "/nick":
            sock.send(input("new nick: ").encode())
        elif msg == "/pm":
            sock.send(("PM " + input("to: ") + " " + input("text: ")).encode())
        sock.send(msg.encode())
        """, dict(menu=(("/pm", "private"),))),
    ("Enter pressed first: input()s whose answer is thrown away before the first one kept", """
        input("Press Enter to connect...")
        input()
        name = input("Name: ")
        input("Press Enter to quit")
        """, dict(enter_first=2)),
    ("no Enter first: the first input() is kept", """
        name = input("Name: ")
        input("Press Enter to quit")
        """, dict(enter_first=0)),
    ("a command compared through a module-level name", """
        DISCONNECT_MESSAGE = "!DISCONNECT"
        if msg == DISCONNECT_MESSAGE:
            connected = False
        """, dict(compared=("!DISCONNECT",), leave_words=("!DISCONNECT",))),
    ("a password the handshake compares the first line with: a constant, or a module-level name", """
        PASSWORD = "qwerty"
        ADMIN = b"root"
        if conn.recv(1024).decode().strip() != PASSWORD:
            conn.close()
        if "letmein" == data:
            pass
        if who == ADMIN:
            pass
        """, dict(secrets=("qwerty", "letmein", "root"))),
    ("what is no password: commands, sentences, the program's own mode and platform, 'in' and startswith", """
        if __name__ == "__main__":
            if sys.argv[1] == "server" or sys.platform == "win32" or os.name == "nt":
                pass
        if msg == "/quit" or msg == "@all" or msg == "two words" or msg == "":
            pass
        if msg in ("yes", "no") or msg.startswith("hello"):
            pass
        if "a" == "b":
            pass
        """, dict(secrets=())),
    ("handshake and wrapper keywords", """
        if line.startswith("LOGIN "):
            login(line[6:])
        elif line.startswith("MSG "):
            relay(line[4:])
        elif line == "EXIT":
            leave()
        """, dict(protocol_words=("LOGIN ", "MSG ", "EXIT"), leave_words=("EXIT",))),
    ("protocol forms tested on received data, str and bytes", """
        if data.startswith(b"LOGIN "):
            pass
        elif line.startswith(("NICK:", "/nick ")):
            pass
        elif parts[0] in ("MSG", "SAY") or cmd != "PING":
            pass
        if __name__ == "__main__":
            pass
        """, dict(wire_forms=("LOGIN ", "NICK:", "/nick ", "MSG", "SAY", "PING"), protocol_words=("NICK:", "MSG", "SAY", "PING"),   # bytes are not among them
                  keys_read=())),
    ("JSON keys read and the types compared", """
        import json
        msg = json.loads(line)
        if msg["type"] == "login":
            users[msg.get("nick")] = conn
        elif msg.get("type") == "say":
            relay(msg["text"])
        """, dict(keys_read=("type", "nick", "text"), wire_forms=("login", "say"), framing=frozenset({"json"}))),
    ("a 4-byte length read with recv(4)", """
        head = conn.recv(4)
        size = head[0] << 24 | head[1] << 16 | head[2] << 8 | head[3]
        """, dict(framing=frozenset({"length_prefix"}))),
    ("keyboard through sys.stdin", """
        import sys
        for line in sys.stdin:
            sock.send(line.encode())
        """, dict(keyboard=frozenset({"sys.stdin"}), calls_input=False, reads_stdin=True, line_framing=False)),
    ("ports assigned to PORT-like names", """
        HOST, PORT = "127.0.0.1", 12345
        SERVER_PORT: int = 8080
        def serve(port=14901):
            pass
        """, dict(port_literals=frozenset({12345, 8080, 14901}))),
    ("definitions and words", """
        BUFFER = 1024
        def handle(conn):
            pass
        class Room:
            size = 4
        """, dict(definitions=frozenset({"BUFFER", "handle", "Room"}), words=frozenset(
            {"BUFFER", "1024", "def", "handle", "conn", "pass", "class", "Room", "size", "4"}))),
    ("from socket import *", """
        from socket import *
        s = socket(AF_INET, SOCK_STREAM)
        s.connect(("localhost", 65432))
        """, dict(imports_socket=True, says_import_socket=False, imports=frozenset({"socket"}), connects=True,
                  port_literals=frozenset({65432}))),
    ("announces a leave only on ConnectionResetError", """
        try:
            data = conn.recv(1024)
        except ConnectionResetError:
            broadcast(f"{name} left")
        """, dict(announces_only_on_reset=True)),
    ("announces a leave on OSError", """
        try:
            data = conn.recv(1024)
        except OSError:
            broadcast(f"{name} left")
        """, dict(announces_only_on_reset=False)),
    ("an f-string reusing its quotes (3.12)", """
        user = {"name": "Ann"}
        print(f"{user["name"]} joined")
        """, dict(parsed=not OLD_PYTHON, newer_syntax=(("syntax.fstring", (3, 12)),))),
    ("a type statement (3.12)", """
        type Address = tuple[str, int]
        """, dict(parsed=not OLD_PYTHON, newer_syntax=(("syntax.type", (3, 12)),))),
    ("code that does not parse is read from its text", """
        import socket
        import threading
        s = socket.socket()
        s.bind(('', 5000)
        s.listen()
        if msg == 'exit':
            threading.Thread(target=f).start()
        name = input("Enter name: ")
        try:
            pass
        except KeyboardInterrupt:
            s.send(b'/leave')
        """, dict(parsed=False, listens=True, compared=("exit",), leave_words=("exit",),
                  imports=frozenset({"socket", "threading"}), threads=frozenset({"Thread"}),
                  keyboard=frozenset({"input"}), input_prompts=("Enter name: ",), name_prompts=("Enter name: ",),
                  port_literals=frozenset({5000}), interrupt_sends=("/leave",), announces_only_on_reset=False,
                  newer_syntax=())),
    ("text reading of protocol forms in broken code", """
        def handle(conn:
            head = conn.recv(4)
            if data.startswith(b"LOGIN ") or m["type"] == "msg":
                relay(m.get("text"))
        """, dict(parsed=False, wire_forms=("LOGIN ", "msg"), keys_read=("type", "text"),
                  framing=frozenset({"length_prefix"}))),
    ("text reading of framing and roles in broken code", """
        import json, struct, socket, select
        ready = select.select(socks, [], [])
        if mode == 's':
        line = sock.makefile().readline()
        sock.send(struct.pack('!I', n) + json.dumps(x).encode())
        mode = input('server or client? ')
        """, dict(parsed=False, framing=frozenset({"lines", "json", "length_prefix"}), multiplexing=frozenset({"select"}),
                  role_prompts=("server or client? ",), role_answers=("s",), role_choices=(("s", "server"),),
                  # today's uses_socket rule wants socket first on its import line
                  imports_socket=False, imports=frozenset({"json", "struct", "socket", "select"}))),
    ("nothing at all", "", dict(parsed=True, listens=False, connects=False, imports=frozenset(), words=frozenset(),
                                 compared=(), newer_syntax=(), transport="tcp")),
]


@pytest.mark.parametrize("code, expected", [(textwrap.dedent(c), e) for _, c, e in ROWS], ids=[r[0] for r in ROWS])
def test_snippet_has_these_facts(code, expected):
    found = source.facts(code)
    assert {k: getattr(found, k) for k in expected} == expected


def test_every_fact_is_covered_by_a_row():
    covered = {k for _, _, expected in ROWS for k in expected}
    assert {f.name for f in dataclasses.fields(source.Facts)} - covered == set()


UDP_BINDING_CLIENT = textwrap.dedent(ROWS[8][1])
DUAL = textwrap.dedent(ROWS[9][1])


@pytest.mark.parametrize("code, label, role", [
    (DUAL, "", "both"),
    (UDP_BINDING_CLIENT, "", "server"),
    (UDP_BINDING_CLIENT, "client.py", "client"),
    (UDP_BINDING_CLIENT, "Код клиента", "client"),
    (UDP_BINDING_CLIENT, "client and server", "server"),
    (textwrap.dedent(ROWS[0][1]), "client.py", "server"),      # a TCP server is one whatever its label
    ("s.connect(('h', 1))\n", "server.py", "client"),
    ("print('hello')\n", "server.py", None),
])
def test_role_with_the_label_breaking_ties(code, label, role):
    assert source.facts(code).role(label) == role


def test_facts_are_computed_once_per_text():
    code = "import socket\nprint('once')\n"
    assert source.facts(code) is source.facts(code)


def test_submission_facts_are_its_files_facts():
    server, client = textwrap.dedent(ROWS[0][1]), UDP_BINDING_CLIENT
    sub = Submission("x", Path("."), Entry("server.py"), Entry("client.py"), {"server.py": server, "client.py": client})
    assert sub.server_facts is source.facts(server) and sub.client_facts is source.facts(client)
    assert sub.facts("missing.py") == source.facts("")
    alone = Submission("x", Path("."), Entry("server.py"), None, {"server.py": server})
    assert alone.client_facts == source.facts("")


SERVER_THREADS = "import threading\nthreading.Thread(target=f).start()\n"
SELECTING = "import select\nselect.select([], [], [])\n"


@pytest.mark.parametrize("server, client, transport, status, key", [
    (SERVER_THREADS, "", "tcp", "pass", None),
    ("", SERVER_THREADS, "udp", "pass", "threads.udp_client"),
    ("", SERVER_THREADS, "tcp", "fail", "threads.client_only"),
    (SELECTING, "", "tcp", "fail", "threads.select"),
    ("import socket, threading\nthreading.Thread(target=f)\n", "", "tcp", "pass", None),
    ("import socket, threading\nclass C(threading.Thread):\n    pass\n", "", "tcp", "pass", None),
    ("import socket\n", "", "tcp", "fail", "threads.none"),
])
def test_uses_threading_verdict(server, client, transport, status, key):
    """For a server that did not run (no thread counts), the verdict comes from the code's facts."""
    facts = read_source(in_memory({"server.py": server, "client.py": client}))
    verdict = uses_threading(facts, transport, ThreadsObs())
    assert (verdict.status, getattr(verdict.message, "key", None)) == (status, key)


@pytest.mark.parametrize("files, status", [
    (["import socket\n"], "pass"), (["x = 1\n", "  from socketserver import TCPServer\n"], "pass"),
    (["import os\n", "# import socket? no\n"], "fail"),
])
def test_uses_socket_verdict(files, status):
    sub = in_memory({"server.py": files[0], **{f"other{i}.py": f for i, f in enumerate(files[1:])}})
    assert uses_socket(read_source(sub)).status == status


def in_memory(sources: dict[str, str]) -> Submission:
    """A submission that exists only as its sources: what the source facts are read from."""
    client = Entry("client.py") if "client.py" in sources else None
    return Submission(label="t", root=Path("."), server=Entry("server.py"), client=client, sources=sources)


def test_compile_error_names_file_and_line_without_running(tmp_path):
    marker = tmp_path / "ran"
    (tmp_path / "bad.py").write_text(f"open({str(marker)!r}, 'w')\nx = 1\nif x == 1\n    print(x)\n", encoding="utf-8")
    (tmp_path / "indent.py").write_text("def f():\nreturn 1\n")
    (tmp_path / "nul.py").write_bytes(b"x = 1\0\n")
    (tmp_path / "good.py").write_text("print('hi')\n" f"open({str(marker)!r}, 'w')\n")
    message = source.compile_error(tmp_path, "bad.py")
    assert message.startswith("bad.py line 3: SyntaxError: ") and "\n" not in message
    assert source.compile_error(tmp_path, "indent.py").startswith("indent.py line 2: IndentationError: ")
    assert source.compile_error(tmp_path, "nul.py").startswith("nul.py")
    assert source.compile_error(tmp_path, "good.py") is None
    assert "cannot read" in source.compile_error(tmp_path, "missing.py")
    assert not marker.exists()


def test_pathological_code_gives_facts_not_an_exception():
    deep = "x = " + "(" * 400 + "1" + ")" * 400 + "\n"
    assert source.facts(deep).listens is False
    assert source.facts("x = 1\0\n").parsed is False


def test_only_grader_source_parses_student_code():
    grader = Path(source.__file__).parent
    readers = {"source.py", "source_readers.py", "source_text.py"}
    reading = re.compile(r"^\s*import ast\b|\b(server|client)_source\b|\bDEFINED\b|LEAVE_WORD|NAME_WORDS\.search\(sub", re.M)
    assert [p.name for p in grader.rglob("*.py") if p.name not in readers and reading.search(p.read_text(encoding="utf-8"))] == []

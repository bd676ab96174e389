"""Finding the server and the client in the shapes students hand in."""
import pytest

from grader import waiting
from grader.harness import Harness
from grader.submission import Entry, SubmissionError, load

TCP_SERVER = "import socket\ns = socket.socket()\ns.bind(('0.0.0.0', 5555))\ns.listen()\nc, a = s.accept()\n"
TCP_CLIENT = "import socket\ns = socket.socket()\ns.connect(('127.0.0.1', 5555))\ns.send(input().encode())\n"
UDP_SERVER = "import socket\ns = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\ns.bind(('', 9))\ns.recvfrom(1024)\n"
UDP_CLIENT = "import socket\ns = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\ns.sendto(b'x', ('127.0.0.1', 9))\n"


def write(folder, **files):
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


@pytest.mark.parametrize("server_name, client_name", [
    ("server.py", "client.py"), ("сервер.py", "клиент.py"), ("chat_server.py", "chat_client.py"), ("a.py", "b.py"),
])
def test_folder_with_server_and_client(tmp_path, server_name, client_name):
    write(tmp_path, **{server_name: TCP_SERVER, client_name: TCP_CLIENT, "notes.txt": "report"})
    with load(tmp_path) as sub:
        assert sub.server == Entry(server_name)
        assert sub.client == Entry(client_name)
        assert (sub.root / server_name).read_text(encoding="utf-8") == TCP_SERVER
        staged = sub.root
    assert not staged.exists()


def test_udp_pair_is_told_apart_by_what_the_code_does(tmp_path):
    write(tmp_path, **{"one.py": UDP_CLIENT, "two.py": UDP_SERVER})
    with load(tmp_path) as sub:
        assert sub.server.script == "two.py" and sub.client.script == "one.py"


def test_single_file_with_both_modes(tmp_path):
    text = TCP_SERVER + TCP_CLIENT + "import sys\nif sys.argv[1] == 'server': pass\nelif sys.argv[1] == 'client': name = sys.argv[2]\n"
    path = write(tmp_path, **{"chat.py": text}) / "chat.py"
    with load(path) as sub:
        assert sub.server == Entry("chat.py", ("server",))
        assert sub.client == Entry("chat.py", ("client", "{name}"))
        assert [p.name for p in sub.root.iterdir()] == ["chat.py"]


ROLE_PROMPT = ("import socket\n"
               "def serve():\n    s = socket.socket(); s.bind(('', 5555)); s.listen(); s.accept()\n"
               "def chat():\n    socket.socket().connect(('127.0.0.1', 5555))\n")


@pytest.mark.parametrize("asks, server_typed, client_typed", [
    ("mode = input('server or client? ')\nif mode == 's':\n    serve()\nelif mode == 'c':\n    chat()\n", "s\n", "c\n"),
    # the branches tell the roles, not the order nor the words
    ("r = input('1 = client, 2 = server: ')\nif r == '1':\n    chat()\nelse:\n    if r == '2':\n        serve()\n",
     "2\n", "1\n"),
    ("if input('Сервер или клиент? ').strip() in ('s', 'сервер'):\n    serve()\nelse:\n    chat()\n", "s\n", "\n"),
    ("if input('server or client? ') == 'host':\n    serve()\n", "host\n", None),
])
def test_a_single_file_that_asks_its_role_is_typed_the_answers_its_code_compares(tmp_path, asks, server_typed,
                                                                                 client_typed):
    with load(write(tmp_path, **{"lab.py": ROLE_PROMPT + asks}) / "lab.py") as sub:
        assert sub.server == Entry("lab.py", typed=server_typed)
        assert sub.client == (Entry("lab.py", typed=client_typed) if client_typed is not None else None)


def test_a_role_prompt_whose_answers_lead_nowhere_known_is_started_as_today(tmp_path):
    text = ROLE_PROMPT + "mode = input('server or client? ')\nif mode == '1':\n    go()\n"
    with load(write(tmp_path, **{"lab.py": text}) / "lab.py") as sub:
        assert sub.server == Entry("lab.py") and sub.client is None


ROLE_SERVER = """\
import socket
mode = input("server or client? ")
if mode == "s":
    s = socket.socket()
    s.bind(("127.0.0.1", 5555))
    s.listen()
    try:
        print("console:", input())
    except EOFError:
        print("console closed")
    s.accept()
elif mode == "c":
    socket.socket().connect(("127.0.0.1", 5555))
"""


@pytest.mark.timeout(60)
def test_a_role_prompt_server_starts_with_its_answer_typed_and_its_console_open(tmp_path):
    # A terminal nobody types into: the input() after the answer waits (it once read end of input).
    with load(write(tmp_path, **{"lab.py": ROLE_SERVER}) / "lab.py") as sub:
        h = Harness(sub, 20)
        try:
            server = h.start_server()
            assert server.alive() and server.port
            assert waiting.poll_until(server.program.waits_for_typing, 10)
            server.program.write_stdin("hi\n")   # as the console chat types into it
            assert server.program.wait_output("console: hi", 10)
            assert "console closed" not in server.program.output()
        finally:
            h.close()


def test_server_only_file(tmp_path):
    with load(write(tmp_path, **{"srv.py": TCP_SERVER}) / "srv.py") as sub:
        assert sub.server == Entry("srv.py") and sub.client is None


def test_windows_russian_encoding_is_read(tmp_path):
    (tmp_path / "server.py").write_bytes(("# Сервер чата\n" + TCP_SERVER).encode("cp1251"))
    with load(tmp_path) as sub:
        assert "Сервер" in sub.sources[sub.server.script]


@pytest.mark.parametrize("make, message", [
    (lambda p: p / "missing", "no such file"),
    (lambda p: write(p, **{"client.py": TCP_CLIENT}), "no server"),
    (lambda p: p, "no Python files"),
    (lambda p: write(p, **{"report.docx": "x"}) / "report.docx", "not a Python file"),
])
def test_unusable_paths_raise_one_line_errors(tmp_path, make, message):
    with pytest.raises(SubmissionError, match=message) as info:
        load(make(tmp_path))
    assert "\n" not in str(info.value)

"""Reports as students hand them in: the server and client code are found in fenced blocks or notebook cells."""
import json

import pytest

from grader.extract import ReportError, code_files
from grader.submission import SubmissionError, load

SERVER = """import socket
import threading
s = socket.socket()
s.bind(('0.0.0.0', 5555))
s.listen()
while True:
    conn, addr = s.accept()
    threading.Thread(target=print, args=(conn,)).start()
"""
CLIENT = """import socket
s = socket.socket()
s.connect(('127.0.0.1', 5555))
s.send(input().encode())
"""
UDP_SERVER = "import socket\ns = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\ns.bind(('', 9))\ndata, a = s.recvfrom(1024)\n"
UDP_CLIENT = ("import socket\ns = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\ns.bind(('', 0))\n"
              "s.sendto(b'x', ('127.0.0.1', 9))\ns.recvfrom(1024)\n")


def fenced(code, lang="python"):
    return f"```{lang}\n{code}```\n"


def test_russian_report_with_prose_screenshots_and_shell_lines():
    report = ("# Лабораторная работа 3\n\nЦель: написать чат.\n\n## Код сервера\n\n" + fenced(SERVER) +
              "\n![скриншот](img/1.png)\n\n## Клиентская часть\n\n" + fenced(CLIENT, "") +
              "\nЗапуск:\n\n" + fenced("python server.py\npython client.py\n", "bash"))
    files, origins = code_files("report.md", report)
    assert files == {"server.py": SERVER, "client.py": CLIENT}
    assert str(origins["server.py"]) == "report.md, the server's code block at line 8"


def test_windows_line_endings_tabs_and_tilde_fences():
    indented = "".join("\t" + line + "\n" for line in SERVER.splitlines())
    report = ("Серверная часть\r\n~~~\r\n" + indented.replace("\n", "\r\n") + "~~~\r\n"
              "Клиент\r\n```py\r\n" + CLIENT.replace("\n", "\r\n") + "```\r\n")
    files, _ = code_files("report.txt", report)
    assert files == {"server.py": SERVER, "client.py": CLIENT}


def test_a_fragment_then_the_whole_program_keeps_the_whole_program():
    fragment = "conn, addr = s.accept()  # принимаем клиента\n"
    report = "## server.py\nСначала принимаем:\n" + fenced("s.listen()\n" + fragment) + "Целиком:\n" + fenced(SERVER)
    files, _ = code_files("r.md", report)
    assert files["server.py"] == SERVER and "client.py" not in files


def test_udp_client_that_binds_is_told_from_the_server_by_its_heading():
    report = "### Клиент\n" + fenced(UDP_CLIENT) + "### Сервер\n" + fenced(UDP_SERVER)
    files, _ = code_files("r.md", report)
    assert files == {"server.py": UDP_SERVER, "client.py": UDP_CLIENT}


def test_notebook_cells():
    cells = [{"cell_type": "markdown", "source": ["## Код сервера"]},
             {"cell_type": "code", "source": SERVER.splitlines(keepends=True)},
             {"cell_type": "markdown", "source": "## Код клиента"},
             {"cell_type": "code", "source": ["%%writefile client.py\n", *CLIENT.splitlines(keepends=True)]}]
    files, origins = code_files("lab.ipynb", json.dumps({"cells": cells}), notebook=True)
    assert files == {"server.py": SERVER, "client.py": CLIENT}
    assert str(origins["client.py"]).endswith("cell 4")


@pytest.mark.parametrize("report, message", [
    ("Просто текст без кода.\n", "no code blocks"),
    ("## Код\n" + fenced("print('hello')\n"), "none of the 1 code blocks is a server"),
])
def test_reports_without_a_server_are_one_line_errors(report, message):
    with pytest.raises(ReportError, match=message):
        code_files("r.md", report)


def test_load_stages_the_extracted_files(tmp_path):
    (tmp_path / "отчёт.md").write_text("## Сервер\n" + fenced(SERVER) + "## Клиент\n" + fenced(CLIENT), encoding="utf-8")
    for path in (tmp_path / "отчёт.md", tmp_path):  # the report itself, or a folder holding only it
        with load(path) as sub:
            assert (sub.root / "server.py").read_text(encoding="utf-8") == SERVER
            assert sub.client.script == "client.py"


def test_unreadable_notebook_is_a_one_line_error(tmp_path):
    (tmp_path / "lab.ipynb").write_text("{not json", encoding="utf-8")
    with pytest.raises(SubmissionError, match="lab.ipynb: not a readable Jupyter notebook"):
        load(tmp_path / "lab.ipynb")

"""How a folder is read (issue 12): one student's files in every shape they come in are one hand-in with
the right server and client, and a class is a folder whose entries each hold a whole chat. Folders are
built in tmp_path and only read, never graded; the slow test at the end grades the class fixture
assignments/class_folder_shapes."""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from grader import batch
from grader.submission import Entry, choose, load, looks_like_submission_folder

ROOT = Path(__file__).resolve().parent.parent
TCP_SERVER = "import socket\ns = socket.socket()\ns.bind(('0.0.0.0', 5555))\ns.listen()\nc, a = s.accept()\n"
TCP_CLIENT = "import socket\ns = socket.socket()\ns.connect(('127.0.0.1', 5555))\ns.send(input().encode())\n"
READER = "import socket\ns = socket.socket()\ns.connect(('127.0.0.1', 5555))\nprint(s.recv(1024))\n"
UDP_SERVER = "import socket\ns = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\ns.bind(('', 9))\ns.recvfrom(1024)\n"
# A UDP client that binds its own port to receive on: its code serves as much as the server's does.
UDP_BINDING_CLIENT = ("import socket\ns = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\ns.bind(('', 0))\n"
                      "s.sendto(input().encode(), ('127.0.0.1', 9))\ns.recvfrom(1024)\n")
BOTH = TCP_SERVER + TCP_CLIENT + "import sys\nif sys.argv[1] == 'server': pass\nelif sys.argv[1] == 'client': pass\n"
ROLE_PROMPT = "role = input('server or client? ')\nif role == 's':\n" + "".join(
    "    " + line + "\n" for line in TCP_SERVER.splitlines()) + "else:\n" + "".join(
    "    " + line + "\n" for line in TCP_CLIENT.splitlines())
REPORT = f"# Отчёт\n\n## Код сервера\n\n```python\n{TCP_SERVER}```\n\n## Код клиента\n\n```python\n{TCP_CLIENT}```\n"


def make(folder: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        (folder / rel).write_text(text, encoding="utf-8")
    return folder


# One student's files, each shape: (files, the server, the client).
ONE_STUDENT = {
    "server_client": ({"server.py": TCP_SERVER, "client.py": TCP_CLIENT}, "server.py", "client.py"),
    "udp_client_binds": ({"server.py": UDP_SERVER, "client.py": UDP_BINDING_CLIENT}, "server.py", "client.py"),
    "server_chat_client_chat": ({"server_chat.py": TCP_SERVER, "client_chat.py": TCP_CLIENT},
                                "server_chat.py", "client_chat.py"),
    "subfolders": ({"client/client.py": TCP_CLIENT, "server/server.py": TCP_SERVER}, "server/server.py",
                   "client/client.py"),
    "sender_reader": ({"server.py": TCP_SERVER, "reader.py": READER, "sender.py": TCP_CLIENT}, "server.py", "sender.py"),
    "client_copies": ({"server.py": TCP_SERVER, **{f"client{i}.py": TCP_CLIENT for i in (1, 2, 3)}},
                      "server.py", "client1.py"),
    "server_backup": ({"server.py": TCP_SERVER, "server_old.py": TCP_SERVER, "client.py": TCP_CLIENT},
                      "server.py", "client.py"),
    "helper_module": ({"server.py": TCP_SERVER, "utils.py": "def f():\n    pass\n"}, "server.py", None),
    "code_and_report": ({"server.py": TCP_SERVER, "client.py": TCP_CLIENT, "отчёт.md": REPORT}, "server.py", "client.py"),
    "server_and_report": ({"server.py": TCP_SERVER, "report.md": REPORT}, "server.py", None),
    "zip_own_folder": ({"lab3/server.py": TCP_SERVER, "lab3/client.py": TCP_CLIENT}, "lab3/server.py", "lab3/client.py"),
    "code_and_notes": ({"server.py": TCP_SERVER, "client.py": TCP_CLIENT, "docs/notes.txt": "how to run"},
                       "server.py", "client.py"),
    "report_only": ({"отчёт.md": REPORT}, "server.py", "client.py"),
    "teachers_files": ({"server.py": TCP_SERVER, "client.py": TCP_CLIENT, "expected.json": "{}"}, "server.py", "client.py"),
}


@pytest.mark.timeout(30)
@pytest.mark.parametrize("shape", ONE_STUDENT)
def test_one_students_files_are_one_hand_in_with_the_right_server_and_client(tmp_path, shape):
    files, server, client = ONE_STUDENT[shape]
    folder = make(tmp_path / shape, files)
    assert looks_like_submission_folder(folder) and not batch.is_class_folder(folder)
    with load(folder) as sub:
        assert sub.server == Entry(server)
        assert sub.client == (Entry(client) if client else None)
    said = batch.reading(folder, as_class=False).render("en")
    assert said.startswith(f"{folder}: read as one student's hand-in") and f"server {server}," in said, said
    assert (f"client {client}" if client else "no client") in said and "\n" not in said


@pytest.mark.timeout(30)
def test_the_reading_of_one_hand_in_names_the_other_programs_and_the_report(tmp_path):
    files = ONE_STUDENT["sender_reader"][0]
    said = batch.reading(make(tmp_path / "a", files), as_class=False)
    assert said.render("en").endswith("server server.py, client sender.py; also there: reader.py")
    assert said.render("ru").endswith("сервер server.py, клиент sender.py; ещё там: reader.py")
    said = batch.reading(make(tmp_path / "b", {"отчёт.md": REPORT}), as_class=False).render("en")
    assert said == f"{tmp_path / 'b'}: read as one student's hand-in, the code of its report отчёт.md: " \
                   "server server.py, client client.py", said
    assert choose(make(tmp_path / "c", {"chat.py": BOTH}))[1:3] == (Entry("chat.py", ("server",)),
                                                                    Entry("chat.py", ("client",)))
    # unnamed, a UDP client that binds is told from its server by the keyboard it reads (graded as one
    # with --one: without names the folder is two programs that both serve)
    assert choose(make(tmp_path / "u", {"a.py": UDP_BINDING_CLIENT, "b.py": UDP_SERVER}))[1:3] == (Entry("b.py"),
                                                                                                  Entry("a.py"))
    assert batch.reading(make(tmp_path / "d", {"client.py": TCP_CLIENT}), as_class=False) is None   # its error says why
    assert batch.reading(make(tmp_path / "e", {"x.py": TCP_SERVER}) / "x.py", as_class=False) is None


# Classes: (files, the student ids expected).
CLASSES = {
    "folders": ({"ivanov/server.py": TCP_SERVER, "ivanov/client.py": TCP_CLIENT, "petrova/server.py": TCP_SERVER},
                ["ivanov", "petrova"]),
    "single_files": ({"ivanov.py": BOTH, "petrova.py": ROLE_PROMPT, "sidorov.py": TCP_SERVER},
                     ["ivanov", "petrova", "sidorov"]),
    "reports": ({"ivanov.md": REPORT, "petrova.txt": REPORT}, ["ivanov", "petrova"]),
    "a_folder_and_a_file": ({"ivanov/lab3/server.py": TCP_SERVER, "petrova.py": TCP_SERVER}, ["ivanov", "petrova"]),
    # a student who handed in only a client is a row (with its error), not a reason to merge the class
    "one_without_a_server": ({"ivanov/server.py": TCP_SERVER, "petrova/server.py": TCP_SERVER,
                              "sidorov/client.py": TCP_CLIENT}, ["ivanov", "petrova", "sidorov"]),
    "every_shape": ({"ivanov/client/client.py": TCP_CLIENT, "ivanov/server/server.py": TCP_SERVER,
                     "petrova/server.py": TCP_SERVER, "petrova/sender.py": TCP_CLIENT, "petrova/reader.py": READER,
                     "sidorov/server.py": TCP_SERVER, **{f"sidorov/client{i}.py": TCP_CLIENT for i in (1, 2, 3)},
                     "smirnov/server.py": UDP_SERVER, "smirnov/client.py": UDP_BINDING_CLIENT,
                     "popov.py": ROLE_PROMPT, "morozova/отчёт.md": REPORT, "expected_class.json": "{}",
                     "grades.csv": "id,score\n"},
                    ["ivanov", "morozova", "petrova", "popov", "sidorov", "smirnov"]),
}


@pytest.mark.timeout(30)
@pytest.mark.parametrize("shape", CLASSES)
def test_a_class_is_a_folder_whose_entries_each_hold_a_whole_chat(tmp_path, shape):
    files, students = CLASSES[shape]
    folder = make(tmp_path / shape, files)
    assert batch.is_class_folder(folder) and not looks_like_submission_folder(folder)
    assert [batch.student_id(e) for e in batch.entries(folder)] == students


@pytest.mark.timeout(30)
def test_the_reading_of_a_class_counts_its_shapes_and_names_the_teachers_files(tmp_path):
    folder = make(tmp_path / "class", CLASSES["every_shape"][0])
    said = batch.reading(folder, as_class=True)
    assert said.render("en") == f"{folder}: read as a class of 6 (folders: 5; single files: 1); left out as the " \
                                "teacher's files: expected_class.json, grades.csv"
    assert said.render("ru") == f"{folder}: прочитано как папка группы, работ: 6 (папок: 5; отдельных файлов: 1); " \
                                "не считаются работами (файлы преподавателя): expected_class.json, grades.csv"


def fixture_folder() -> Path:
    return ROOT / "assignments" / "class_folder_shapes"


# The fixture's students: the server each must be graded with, and the client (a single file may be its
# own client, started in its other role).
FIXTURE = {
    "ivanov": ("server/server.py", {"client/client.py"}),
    "kuznetsova": ("server_chat.py", {"client_chat.py"}),
    "morozova": ("server.py", {"client.py"}),
    "petrova": ("server.py", {"sender.py"}),
    "popov": ("popov.py", {None, "popov.py"}),
    "sidorov": ("server.py", {"client1.py"}),
    "smirnov": ("server.py", {"client.py"}),
}


@pytest.mark.timeout(30)
def test_the_class_fixture_is_read_as_its_students_with_their_servers_and_clients():
    folder = fixture_folder()
    assert batch.is_class_folder(folder)
    todo = batch.entries(folder)
    want = json.loads((folder / "expected_class.json").read_text(encoding="utf-8"))
    assert [batch.student_id(e) for e in todo] == sorted(want) == sorted(FIXTURE)
    for entry in todo:
        assert entry.is_file() or not batch.is_class_folder(entry), entry
        _, server, client, _ = choose(entry)
        server_wanted, clients_wanted = FIXTURE[batch.student_id(entry)]
        assert server.script == server_wanted and (client.script if client else None) in clients_wanted, entry


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_the_class_fixture_is_graded_one_row_per_student_with_the_expected_scores(tmp_path):
    """Scores as expected_class.json says (`morozova` needs threads judged by observation, `popov` the
    role prompt answered, `sidorov` a dialect learned whatever the load)."""
    folder = fixture_folder()
    proc = subprocess.run([sys.executable, "-m", "grader", str(folder), "-j", "2", "--format", "json"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=280, stdin=subprocess.DEVNULL,
                          env=dict(os.environ, PYTHONPATH=str(ROOT)))
    assert proc.returncode == 0, proc.stderr
    assert "read as a class of 7 (folders: 6; single files: 1)" in proc.stderr
    rows = {row["id"]: row for row in json.loads(proc.stdout)}
    want = json.loads((folder / "expected_class.json").read_text(encoding="utf-8"))
    assert sorted(rows) == sorted(want)
    assert not [r["error"] for r in rows.values() if r.get("error")]
    assert {sid: row["score"] for sid, row in rows.items()} == want

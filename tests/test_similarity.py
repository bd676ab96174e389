"""Near-copies (grader.similarity): what the fingerprints ignore and what they keep, and the threshold
held to the corpus. Every pair of the example submissions and report fixtures (written by us, each on
its own) must stay under THRESHOLD, and a disguised copy of each (every name it defines renamed, its
comments replaced, respaced, its functions reordered, a function added) must reach it against its
original and no other."""
from itertools import combinations
from pathlib import Path

import pytest

from grader import similarity
from grader.similarity import THRESHOLD, code_of, fingerprints, near_copies, share, tokens

from copy_helpers import disguise  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
CORPUS = sorted((p.parent for s in ("examples", "reports") for p in (ROOT / "assignments" / s).glob("*/expected.json")),
                key=lambda p: p.name)


def test_names_comments_strings_and_spacing_do_not_change_the_tokens():
    one = "def relay(conn, users):  # send to all\n    for u in users:\n        u.send(b'hi ' + conn.name)\n"
    two = ("def broadcast(sock,\n              clients):\n    '''Разослать всем.'''\n\n    for c in clients:   # каждому\n"
           "        c.send(b\"привет \" + sock.name)\n")
    assert tokens(one) == tokens(two.replace("    '''Разослать всем.'''\n", ""))
    assert "N" in tokens(one) and "def" in tokens(one) and "relay" not in tokens(one)
    assert tokens("x = 1\n") != tokens("x = [1]\n")   # the shape of the code counts


def test_code_that_does_not_tokenize_gives_what_came_before():
    assert tokens("def f(:\n    x = '''never closed\n")[:3] == ["def", "N", "("]
    assert tokens("") == [] and fingerprints([""]) == frozenset()


def test_a_program_shorter_than_a_window_still_has_a_fingerprint():
    short = "s = socket.socket()\ns.listen()\n"
    assert similarity.K <= len(tokens(short)) < similarity.K + similarity.WINDOW and len(fingerprints([short])) == 1


def test_near_copies_name_each_other_most_similar_first():
    a, b, c = frozenset(range(10)), frozenset(range(1, 11)), frozenset(range(100, 110))
    d = frozenset(range(0, 12))
    found = near_copies({"ivanov": a, "petrov": b, "sidorov": c, "smirnov": d})
    assert found["ivanov"] == [{"id": "smirnov", "share": round(10 / 12, 2)}, {"id": "petrov", "share": round(9 / 11, 2)}]
    assert {p["id"] for p in found["petrov"]} == {"ivanov", "smirnov"} and "sidorov" not in found
    assert share(a, frozenset()) == 0.0 and share(a, a) == 1.0


def test_the_code_of_an_entry_is_its_server_and_client(tmp_path):
    folder = ROOT / "assignments" / "examples" / "good_keyword_name"
    assert code_of(folder) == [(folder / "server.py").read_text(encoding="utf-8"),
                               (folder / "client.py").read_text(encoding="utf-8")]
    single = ROOT / "assignments" / "examples" / "reset_crash_single"
    assert code_of(single) == [(single / "chat.py").read_text(encoding="utf-8")]   # both modes: one file, once
    report = ROOT / "assignments" / "reports" / "split_server"
    assert code_of(ROOT / "assignments" / "reports" / "crlf_tabs_echo") and code_of(report) == []   # refused: none
    (tmp_path / "notes.py").write_text("print('no server here')\n")
    assert code_of(tmp_path / "notes.py") == [] and code_of(tmp_path / "missing") == []


@pytest.fixture(scope="module")
def corpus() -> dict[str, list[str]]:
    code = {entry.name: code_of(entry) for entry in CORPUS}
    return {name: sources for name, sources in code.items() if sources}


def test_our_own_submissions_are_not_flagged_against_each_other(corpus):
    assert len(corpus) >= 20
    prints = {name: fingerprints(sources) for name, sources in corpus.items()}
    shares = {(a, b): share(prints[a], prints[b]) for a, b in combinations(prints, 2)}
    assert max(shares.values()) < THRESHOLD - 0.1, max(shares.items(), key=lambda kv: kv[1])
    assert near_copies(prints) == {}


def test_a_disguised_copy_is_flagged_against_its_original_and_nothing_else(corpus):
    copies = {}
    for name, sources in corpus.items():
        try:
            copies["copy_of_" + name] = [disguise(s) for s in sources]
        except SyntaxError:   # the examples that do not compile cannot be run through ast
            continue
    assert len(copies) >= len(corpus) - 3
    prints = {name: fingerprints(sources) for name, sources in {**corpus, **copies}.items()}
    found = near_copies(prints)
    for copy in copies:
        original = copy.removeprefix("copy_of_")
        assert [p["id"] for p in found.get(copy, [])] == [original], (copy, found.get(copy))
        assert found[copy][0]["share"] >= THRESHOLD + 0.1
    assert set(found) == set(copies) | {c.removeprefix("copy_of_") for c in copies}

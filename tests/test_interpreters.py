"""Which Python runs a student's programs (grader.interpreters, grade.choose_python), compiling under
it (source.compile_error), and the sandbox running a program on it.

Fake interpreters are shell scripts that print a version the way `python -c` would; the tests that
need a real Python 3.12 or newer take one from grader_helpers.newer_pythons() and are skipped on a
machine without.
"""
import os
import sys
import textwrap

import pytest

from grader import interpreters, sandbox, source
from grader.grade import choose_python
from grader.submission import load
from grader_helpers import newer_pythons

NEWER = newer_pythons()
needs_newer = pytest.mark.skipif(not NEWER, reason="no Python 3.12 or newer on this machine")
OLD_PYTHON = sys.version_info < (3, 12)
FSTRING_SERVER = textwrap.dedent("""\
    import socket
    user = {"name": "Ann"}
    print(f"{user["name"]} joined")
    s = socket.socket()
    s.bind(("127.0.0.1", 5555))
    s.listen()
    """)
SHIM = "#!/bin/sh\necho \"pyenv: python3.12: command not found\" >&2\nexit 127\n"


def fake(folder, name, script):
    path = folder / name
    path.write_text(script)
    path.chmod(0o755)
    return path


def says(version):
    return f"#!/bin/sh\necho {version}\n"


def only_on_path(monkeypatch, folder):
    """PATH is `folder` alone: a real newer Python elsewhere on the machine's PATH cannot be found."""
    folder.mkdir(exist_ok=True)
    monkeypatch.setenv("PATH", str(folder))
    return folder


@pytest.mark.timeout(30)
def test_probe_takes_what_runs_and_says_its_version(tmp_path):
    assert interpreters.probe(str(fake(tmp_path, "good", says("3 13")))).version == (3, 13)
    assert interpreters.probe(str(fake(tmp_path, "shim", SHIM))) is None
    assert interpreters.probe(str(fake(tmp_path, "babble", says("Python three")))) is None
    assert interpreters.probe(str(tmp_path / "missing")) is None
    assert interpreters.probe(sys.executable) == interpreters.GRADERS


@pytest.mark.timeout(30)
def test_newer_takes_the_oldest_on_path_that_runs_and_is_new_enough(monkeypatch, tmp_path):
    bin_dir = only_on_path(monkeypatch, tmp_path / "bin")
    fake(bin_dir, "python3.12", SHIM)   # a pyenv shim for a version that is not the global one
    fake(bin_dir, "python3.13", says("3 13"))
    fake(bin_dir, "python3.14", says("3 14"))
    assert interpreters.newer((3, 12)).path == str(bin_dir / "python3.13")
    assert interpreters.newer((3, 14)).version == (3, 14)
    assert interpreters.newer((3, 15)) is None


@pytest.mark.timeout(30)
def test_given_python_is_checked_with_a_one_line_reason(monkeypatch, tmp_path):
    bin_dir = only_on_path(monkeypatch, tmp_path / "bin")
    fake(bin_dir, "py313", says("3 13"))
    assert interpreters.given("py313").path == str(bin_dir / "py313")   # a command on PATH
    with pytest.raises(interpreters.PythonError) as unusable:
        interpreters.given(str(fake(tmp_path, "python3.12", SHIM)))
    assert unusable.value.msg.render("en").endswith("not a Python the grader can run (it did not start or did "
                                                    "not say its version)")
    with pytest.raises(interpreters.PythonError) as old:
        interpreters.given(str(fake(tmp_path, "python3.9", says("3 9"))))
    assert "this is Python 3.9; student programs need 3.10 or newer" in old.value.msg.render("en")
    assert "это Python 3.9" in old.value.msg.render("ru")
    with pytest.raises(interpreters.PythonError):
        interpreters.given("no-such-python")


@pytest.mark.timeout(60)
@needs_newer
def test_compile_error_under_another_python_reads_as_here(tmp_path):
    (tmp_path / "server.py").write_text(FSTRING_SERVER)
    (tmp_path / "broken.py").write_text("import socket\ns.bind(('', 5000)\n")
    newer = NEWER[0].path
    assert source.compile_error(tmp_path, "server.py", newer) is None
    if OLD_PYTHON:
        assert source.compile_error(tmp_path, "server.py").startswith("server.py line 3: SyntaxError: ")
    here, there = source.compile_error(tmp_path, "broken.py"), source.compile_error(tmp_path, "broken.py", newer)
    assert here.startswith("broken.py line 2: SyntaxError: ") and there.startswith("broken.py line 2: SyntaxError: ")


@pytest.mark.timeout(60)
@pytest.mark.skipif(not OLD_PYTHON, reason="the grader's own Python has 3.12's syntax")
def test_code_that_needs_a_newer_python_runs_on_one_found_on_path(monkeypatch, tmp_path):
    code = tmp_path / "code"
    code.mkdir()
    (code / "server.py").write_text(FSTRING_SERVER)
    (code / "typo.py").write_text("import socket\ns = socket.socket(\ns.listen()\n")   # no newer syntax
    bin_dir = only_on_path(monkeypatch, tmp_path / "bin")
    fake(bin_dir, "python3.12", SHIM)
    with load(code / "server.py") as sub:
        python, problem = choose_python(sub, "server.py", None)
        assert python == interpreters.GRADERS and "SyntaxError" in problem   # the shim is skipped
        if not NEWER:
            pytest.skip("no Python 3.12 or newer on this machine")
        bin_dir = only_on_path(monkeypatch, tmp_path / "bin2")   # a new path: probe() memoizes per path
        (bin_dir / "python3.12").symlink_to(NEWER[0].path)
        python, problem = choose_python(sub, "server.py", None)
        assert (python.version, problem) == (NEWER[0].version, None)
        # --python is used as it is, newer syntax or not
        here = source.compile_error(sub.root, "server.py")
        assert choose_python(sub, "server.py", interpreters.GRADERS) == (interpreters.GRADERS, here)
    with load(code / "typo.py") as sub:
        python, problem = choose_python(sub, "typo.py", None)
        assert python == interpreters.GRADERS and "SyntaxError" in problem


@pytest.mark.timeout(60)
@needs_newer
@pytest.mark.parametrize("python", NEWER, ids=lambda p: p.label)
def test_the_sandbox_runs_a_program_on_another_python(tmp_path, python):
    (tmp_path / "prog.py").write_text(textwrap.dedent("""\
        import socket, subprocess, sys
        print("version", *sys.version_info[:2])
        s = socket.socket()
        s.bind(("0.0.0.0", 5555))
        s.listen()
        print("typed", input())
        input()
        """))
    program = sandbox.start(tmp_path, "prog.py", stdin=True, python=python.path)
    try:
        binding = program.wait_bound(10, within=20)
        assert binding is not None and binding.requested == ("0.0.0.0", 5555)   # the shim's bind
        program.write_stdin("hello\n")
        assert program.wait_output("typed hello", 10)
        assert (program.where() or "").startswith("prog.py line ")   # the stack dump works there too
        program.close_stdin()
        assert program.wait_exit(10) == 1
        assert f"version {python.version[0]} {python.version[1]}" in program.output()
        assert "EOFError" in program.traceback() and "prog.py" in program.traceback()
        assert program.python == python.path and os.path.isabs(program.python)
    finally:
        program.stop()

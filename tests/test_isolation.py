"""grader.isolation: a grading's network namespace, and Landlock in the student's programs.

Each namespace test runs in a child process (entering a namespace is for good: the test process
must keep the machine's network). Where the machine cannot do a layer, its tests are skipped; the
grader then falls back to the socket shim, which tests/test_sandbox.py covers.
"""
import json
import os
import socket
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from grader import isolation, sandbox

ROOT = Path(__file__).resolve().parent.parent


def in_namespace(code: str, *args: str) -> subprocess.CompletedProcess:
    """Run `code` in a fresh Python that first enters a grading's namespace; its first line says
    whether it could."""
    prologue = "from grader import isolation\nprint('entered', isolation.enter_network_namespace(), flush=True)\n"
    return subprocess.run([sys.executable, "-c", prologue + textwrap.dedent(code), *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=30, stdin=subprocess.DEVNULL)


def namespaces_work() -> bool:
    return in_namespace("").stdout.startswith("entered None")


needs_namespace = pytest.mark.skipif(not namespaces_work(), reason="no unprivileged network namespaces here")
needs_landlock = pytest.mark.skipif(isolation.landlock_abi() < 1, reason="no Landlock in this kernel")


@pytest.fixture
def listener():
    sock = socket.create_server(("127.0.0.1", 0))
    sock.settimeout(0.5)
    yield sock
    sock.close()


def nothing_connected(sock: socket.socket) -> bool:
    try:
        sock.accept()[0].close()
    except TimeoutError:
        return True
    return False


@needs_namespace
def test_a_grading_cannot_reach_the_machines_loopback_but_has_its_own(listener):
    done = in_namespace("""
        import socket, sys
        from grader.kernel import tcp
        try:
            socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=2)
            print("reached the machine")
        except OSError as e:
            print("outside:", type(e).__name__)
        own = socket.create_server(("127.0.0.1", 0))
        client = socket.create_connection(own.getsockname())
        server_end, _ = own.accept()
        print("inside: ok", tcp.connection(own.getsockname()[1], client.getsockname()[1]) is not None)
        table = open("/proc/net/tcp").read().splitlines()[1:]
        print("tcp table rows", len(table))
    """, str(listener.getsockname()[1]))
    lines = done.stdout.splitlines()
    assert lines[:3] == ["entered None", "outside: ConnectionRefusedError", "inside: ok True"], done.stderr
    # The listener, the connection both ways: nothing of the machine's own connections.
    assert lines[3] == "tcp table rows 3", done.stdout
    assert nothing_connected(listener)


@needs_namespace
def test_two_gradings_cannot_see_each_other():
    first = subprocess.Popen([sys.executable, "-c", textwrap.dedent("""
        import socket, sys
        from grader import isolation
        assert isolation.enter_network_namespace() is None
        server = socket.create_server(("127.0.0.1", 0))
        print(server.getsockname()[1], flush=True)
        sys.stdin.read()
    """)], cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        port = first.stdout.readline().strip()
        second = in_namespace("""
            import socket, sys
            try:
                socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=2)
                print("reached the other grading")
            except OSError as e:
                print(type(e).__name__)
        """, port)
        assert second.stdout.splitlines() == ["entered None", "ConnectionRefusedError"], second.stderr
    finally:
        first.stdin.close()
        first.wait(10)


def test_a_turned_off_namespace_says_so():
    done = subprocess.run([sys.executable, "-c", "from grader import isolation; print(isolation.enter_network_namespace())"],
                          cwd=ROOT, capture_output=True, text=True, timeout=30,
                          env=dict(os.environ, **{isolation.NO_NAMESPACE_ENV: "1"}))
    assert done.stdout.strip() == "disabled"
    shown = isolation.describe("disabled", [("landlock", "7")])
    assert (shown.network, shown.filesystem) == ("shim", "landlock")
    assert isolation.NO_NAMESPACE_ENV in str(shown.weaker[0])


def test_the_report_names_what_was_weaker_than_the_machine_allows():
    best = isolation.describe(None, [("landlock", "7"), ("landlock", "7")])
    assert best.as_json() == {"network": "namespace", "filesystem": "landlock"} and best.weaker is None
    refused = isolation.describe("EPERM", [("none", "Operation not permitted")])
    assert refused.as_json() == {"network": "shim", "filesystem": "none"}
    assert "EPERM" in str(refused.weaker[0]) and len(refused.weaker) == 2
    # Not Linux: the shim is the best there is, nothing to report.
    assert isolation.describe("not Linux", [("none", "off")]).weaker is None


@pytest.fixture
def program(tmp_path):
    started = []

    def start(source: str, **kwargs) -> sandbox.Program:
        folder = tmp_path / f"submission{len(started)}"
        folder.mkdir()
        (folder / "server.py").write_text(textwrap.dedent(source), encoding="utf-8")
        started.append(sandbox.start(folder, "server.py", **kwargs))
        return started[-1]

    yield start
    for p in started:
        p.stop()


@needs_landlock
def test_a_student_program_writes_only_into_its_copy(program, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    p = program("""
        import os, pwd, sys
        home = pwd.getpwuid(os.getuid()).pw_dir
        for target in (sys.argv[1], os.path.join(home, "isolation-probe"), "here.txt", "/dev/null"):
            try:
                with open(target, "w") as f:
                    f.write("x")
                print("wrote", os.path.basename(target))
            except OSError as e:
                print("refused", os.path.basename(target), e.errno)
        try:
            open(os.path.join(home, ".profile-of-the-teacher"), "w")
        except OSError as e:
            print("home refused", e.errno)
        print("reads its own", open("server.py").read().split()[0])
    """, args=[str(outside / "probe")])
    assert p.wait_exit(10) == 0, p.output()
    lines = p.output().splitlines()
    assert "refused probe 13" in lines and "refused isolation-probe 13" in lines, lines
    assert "wrote here.txt" in lines and "wrote null" in lines and "reads its own import" in lines
    assert not (outside / "probe").exists()
    assert ("isolation", "landlock", str(isolation.landlock_abi())) in p.events()


@pytest.mark.skipif(isolation.landlock_abi() < 4, reason="no Landlock network rules in this kernel")
def test_a_student_program_binds_tcp_only_where_the_shim_puts_it(program):
    # _socket is not patched by the shim: only Landlock stands between it and a fixed port.
    p = program("""
        import _socket
        s = _socket.socket(_socket.AF_INET, _socket.SOCK_STREAM)
        try:
            s.bind(("127.0.0.1", 5555))
            print("bound")
        except OSError as e:
            print("refused", e.errno)
    """)
    assert p.wait_exit(10) == 0, p.output()
    assert p.output().splitlines() == ["refused 13"]


@pytest.mark.skipif(isolation.landlock_abi() < 6, reason="no Landlock signal scoping in this kernel")
def test_a_student_program_cannot_signal_the_grader(program):
    p = program("""
        import os
        try:
            os.kill(os.getppid(), 0)
            print("could signal")
        except PermissionError:
            print("refused")
    """)
    assert p.wait_exit(10) == 0, p.output()
    assert p.output().splitlines() == ["refused"]


@needs_namespace
@needs_landlock
@pytest.mark.slow
def test_a_grading_reports_what_was_in_force():
    done = subprocess.run([sys.executable, "-m", "grader", "chat.py", "--format", "json"], cwd=ROOT,
                          capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
    assert json.loads(done.stdout)["isolation"] == {"network": "namespace", "filesystem": "landlock"}
    off = subprocess.run([sys.executable, "-m", "grader", "chat.py"], cwd=ROOT, capture_output=True, text=True,
                         timeout=60, stdin=subprocess.DEVNULL, env=dict(os.environ, **{isolation.NO_NAMESPACE_ENV: "1"}))
    assert f"{isolation.NO_NAMESPACE_ENV}=1" in off.stdout and "Score: 100 / 100" in off.stdout, off.stdout

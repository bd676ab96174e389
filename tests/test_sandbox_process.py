"""grader.sandbox's process side, with real student-like scripts written into tmp_path: output and
tracebacks, stdin, limits, killing everything a program started, waits that end early.

Every program is stopped by the `run` fixture (sandbox_helpers), which also fails the test if any
process of the program's session survives stop() (and kills it by pid then).
"""
import os
import re
import signal
import threading
import time

import pytest

from grader import sandbox, waiting
from grader.sandbox import Limits
from sandbox_helpers import run, sockets, talk  # noqa: F401 (fixtures)


# -- output, crashes, compile errors ------------------------------------------------------------

@pytest.mark.timeout(20)
def test_endless_output_is_bounded_and_never_blocks(run, sockets):
    program = run("""
        import socket, sys, threading
        line = "x" * 1023 + "\\n"
        for _ in range(20 * 1024):  # 20 MiB before binding: a blocked pipe would stop us here
            sys.stdout.write(line)
        print("END OF FLOOD", flush=True)

        def flood():
            while True:
                sys.stdout.write(line)

        server = socket.socket()
        server.bind(("", 1234))
        server.listen()
        threading.Thread(target=flood, daemon=True).start()
        while True:
            conn, _ = server.accept()
            conn.sendall(conn.recv(100))
            conn.close()
    """, limits=Limits(output_bytes=64 << 10))
    binding = program.wait_bound(15)
    assert binding is not None, program.output()[-500:]
    assert talk(sockets, binding.port, b"still serving") == b"still serving"
    output = program.output()
    assert len(output) < (64 << 10) + 100
    omitted = int(output.split("[... ")[1].split(" bytes omitted")[0])
    assert omitted > 19 << 20
    assert output.startswith("x" * 1023 + "\n")


@pytest.mark.timeout(20)
def test_infinite_loop_at_import_time_is_killed_by_the_watchdog(run):
    began = time.monotonic()
    program = run("while True:\n    pass\n", limits=Limits(wall_seconds=1.0))
    assert program.wait_bound(10) is None
    assert time.monotonic() - began < 5
    assert program.returncode == -signal.SIGKILL
    assert program.timed_out


@pytest.mark.timeout(20)
def test_crash_shows_a_short_traceback_without_shim_frames(run):
    began = time.monotonic()
    program = run("""
        import helper

        def main():
            helper.parse("")

        main()
    """, files={"helper.py": """
        def parse(text):
            return first(text)

        def first(text):
            return 100 // len(text)
    """})
    assert program.wait_bound(10) is None
    assert time.monotonic() - began < 5
    assert program.returncode == 1
    tb = program.traceback()
    assert tb is not None, program.output()
    lines = tb.splitlines()
    assert lines[0] == "Traceback (most recent call last):"
    assert lines[-1] == "ZeroDivisionError: integer division or modulo by zero"
    assert 'File "helper.py", line 6, in first' in tb
    assert 'File "server.py", line 5, in main' in tb
    assert "<module>" not in tb  # only the last three frames
    assert sum(line.startswith('  File "') for line in lines) == 3
    for noise in ("boot.py", "runpy", str(program.workdir)):
        assert noise not in tb
    assert "boot.py" not in program.output() and "runpy" not in program.output()


@pytest.mark.timeout(20)
@pytest.mark.parametrize("source, expected", [
    ("import numpy_is_not_installed_here\n",
     "ModuleNotFoundError: No module named 'numpy_is_not_installed_here'"),
    ("x = 1\nprint 'hello'\n", "SyntaxError: Missing parentheses in call to 'print'"),
    ("""
        import threading
        def handle():
            {}["name"]
        threading.Thread(target=handle).start()
     """, "KeyError: 'name'"),
])
def test_failures_at_start_give_a_traceback(run, source, expected):
    program = run(source)
    assert program.wait_bound(10) is None
    tb = program.traceback()
    assert tb is not None and expected in tb.splitlines()[-1], program.output()
    assert "boot.py" not in tb and str(program.workdir) not in tb
    if "threading" in source:
        assert tb.startswith("Exception in thread")
        assert "threading.py" not in tb
    else:
        assert 'File "server.py", line' in tb or "ModuleNotFound" in tb


@pytest.mark.timeout(10)


def test_program_that_exits_at_once(run):
    began = time.monotonic()
    program = run("print('bye')\n")
    assert program.wait_bound(10) is None
    assert time.monotonic() - began < 3
    assert program.wait_exit(5) == 0 and not program.alive()
    assert program.output() == "bye\n"
    assert program.traceback() is None


@pytest.mark.timeout(10)
def test_stdin_pipe_and_closed_stdin(run):
    reader = run("""
        import sys
        for line in sys.stdin:
            print("got", line.strip(), flush=True)
        print("eof", flush=True)
    """, stdin=True)
    reader.write_stdin("привет\n")
    assert reader.wait_output("got привет", 5), reader.output()
    reader.close_stdin()
    assert reader.wait_exit(5) == 0
    assert reader.output().endswith("eof\n")
    reader.write_stdin("after the end\n")  # ignored, does not raise

    no_stdin = run("""
        try:
            input("name: ")
        except EOFError:
            print("no stdin")
    """)
    assert no_stdin.wait_exit(5) == 0
    assert "no stdin" in no_stdin.output()


@pytest.mark.timeout(10)
def test_only_the_standard_library_is_importable(run):
    import pytest as installed_here  # noqa: F401  (installed for the grader, not for students)
    program = run("""
        import array, json, select  # the standard library, C extensions included
        try:
            import pytest
            print("pytest imported")
        except ModuleNotFoundError as exc:
            print("not available:", exc.name)
        exit(3)  # a builtin that comes from site
    """)
    assert program.wait_exit(10) == 3, program.output()
    assert program.output() == "not available: pytest\n"


# -- resources and processes ---------------------------------------------------------------------

@pytest.mark.timeout(20)
def test_cpu_seconds_tells_a_busy_program_from_an_idle_one(run):
    busy = run("""
        import os, socket, time
        if os.fork() == 0:
            while True:  # the busy loop runs in a child: the whole session is measured
                pass
        server = socket.socket()
        server.bind(("", 5000))
        server.listen()
        time.sleep(60)
    """)
    idle = run("""
        import socket, time
        server = socket.socket()
        server.bind(("", 5000))
        server.listen()
        time.sleep(0.8)
    """)
    assert busy.wait_bound(10) and idle.wait_bound(10)
    before = busy.cpu_seconds()
    assert idle.wait_exit(10) == 0  # about 0.8 s of wall time
    # The busy child's CPU counts for its program: a quarter of a second of it shows however long
    # a loaded machine takes to give it that much (an idle one gives it in the 0.8 s above).
    assert waiting.poll_until(lambda: busy.cpu_seconds() - before > 0.25, 30), busy.cpu_seconds() - before
    assert idle.cpu_seconds() < 0.2  # start-up only, measured after the process was reaped
    assert idle.cpu_seconds() > 0


@pytest.mark.timeout(20)
def test_stop_kills_the_whole_session_and_removes_the_copy(run):
    program = run("""
        import os, socket, subprocess, time
        ready_r, ready_w = os.pipe()
        if os.fork() == 0:
            time.sleep(300)
            os._exit(0)
        if os.fork() == 0:
            os.setpgid(0, 0)  # leaves the process group, stays in the session
            if os.fork() == 0:
                time.sleep(300)
                os._exit(0)
            os.write(ready_w, b"x")
            time.sleep(300)
            os._exit(0)
        subprocess.Popen(["sleep", "300"])
        os.read(ready_r, 1)
        open("scratch.txt", "w").write("left behind?")
        server = socket.socket()
        server.bind(("", 0))
        server.listen()
        time.sleep(300)
    """)
    assert program.wait_bound(10) is not None, program.output()
    members = sandbox.session_processes(program.pid)
    assert len(members) >= 5, members
    groups = {int(open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()[2]) for pid in members}
    assert len(groups) >= 2
    assert (program.workdir / "scratch.txt").exists()
    program.stop()
    program.stop()  # idempotent
    assert sandbox.session_processes(program.pid) == []
    assert not program.workdir.exists()
    assert program.returncode == -signal.SIGKILL


@pytest.mark.timeout(20)
def test_a_process_that_leaves_the_session_is_killed_too(run):
    program = run("""
        import os, subprocess, sys, time
        if os.fork() == 0:
            os.setsid()  # a daemon's double fork: a session and a process group of its own
            if os.fork() == 0:
                time.sleep(300)
            os._exit(0)
        child = subprocess.Popen(["sleep", "300"], start_new_session=True)
        print(f"escaped {child.pid} .", flush=True)
        time.sleep(300)
    """)
    assert program.wait_output(" .", 10), program.output()
    escaped = int(program.output().split()[1])
    deadline = time.monotonic() + 5
    # The daemon's second fork may still be under way, and Popen returns once exec has begun: the
    # kernel shows the new environment a moment later.
    marked = sandbox.marked_processes(str(program.workdir))
    while (escaped not in marked or len(marked) < 3) and time.monotonic() < deadline:
        time.sleep(0.01)
        marked = sandbox.marked_processes(str(program.workdir))
    assert escaped in marked and len(marked) >= 3, marked
    program.stop()
    assert sandbox.marked_processes(str(program.workdir)) == []


@pytest.mark.timeout(20)
def test_process_count_is_bounded_even_for_root(run):
    program = run("""
        import os, socket, subprocess, time
        forked = refused = 0
        for _ in range(12):
            try:
                pid = os.fork()
            except BlockingIOError:
                refused += 1
                continue
            if pid == 0:
                time.sleep(300)
                os._exit(0)
            forked += 1
        try:
            subprocess.Popen(["sleep", "300"])
            print("popen started")
        except BlockingIOError:
            print("popen refused")
        print(f"forked {forked} refused {refused}", flush=True)
        server = socket.socket()
        server.bind(("", 0))
        server.listen()
        time.sleep(300)
    """, limits=Limits(processes=5))
    assert program.wait_bound(10) is not None, program.output()
    assert program.wait_output("forked", 5)  # stdout is another pipe than the binding event's
    output = program.output()
    assert "forked 4 refused 8" in output and "popen refused" in output, output
    assert ("refused", "fork", "5") in program.events()
    assert len(sandbox.session_processes(program.pid)) == 5


@pytest.mark.timeout(20)
def test_processes_forking_at_once_cannot_overshoot_the_limit(run):
    # Every process forks in every round: without the lock around "count, then fork", processes that
    # count at the same time all see room for one more.
    program = run("""
        import os, time
        for _ in range(6):
            try:
                os.fork()
            except BlockingIOError:
                pass
        print("done", flush=True)
        time.sleep(300)
    """, limits=Limits(processes=10))
    deadline = time.monotonic() + 10
    while program.output().count("done") < 10 and time.monotonic() < deadline:
        program.wait_exit(0.05)  # no event says "ten lines printed"; the process count is what we test
    assert program.output().count("done") == 10, program.output()[-2000:]
    assert len(sandbox.session_processes(program.pid)) == 10


@pytest.mark.timeout(20)
@pytest.mark.parametrize("source, limit, reason", [
    ("import os\nos.mkdir('logs')\nfor i in range(100_000):\n    open(f'logs/{i}', 'w').close()\n",
     ("disk_files", 50), "it created more than 50 files in its folder"),
    ("for i in range(100):\n    open(f'{i}.bin', 'wb').write(b'x' * (512 << 10))\n",
     ("disk_bytes", 1 << 20), "it wrote more than 1 MiB of files into its folder"),
])
def test_a_program_filling_its_folder_is_stopped(run, source, limit, reason):
    program = run(source + "import time\ntime.sleep(300)\n", limits=Limits(disk_files=50, disk_bytes=1 << 20))
    assert program.wait_exit(10) == -signal.SIGKILL
    assert not program.timed_out
    assert program.limit_hit == limit
    assert str(program.traceback()) == f"the grader stopped the program: {reason}"
    assert re.search("[а-я]", program.traceback().render("ru"))   # a Msg: --lang ru translates it


@pytest.mark.timeout(20)
def test_home_is_the_working_copy_and_cleanup_does_not_follow_links(run, tmp_path):
    outside = tmp_path / "teacher"
    outside.mkdir()
    (outside / "grades.csv").write_text("alice,100\n")
    program = run(f"""
        import os, pathlib
        pathlib.Path.home().joinpath("history.txt").write_text("mine")
        os.symlink({str(outside)!r}, "link")
        os.makedirs("locked/inner")
        open("locked/inner/f", "w").close()
        os.chmod("locked/inner", 0o500)
        os.chmod("locked", 0o500)
        print(os.path.expanduser("~") == os.getcwd(), flush=True)
    """)
    assert program.wait_exit(10) == 0, program.output()
    assert program.output().strip() == "True"
    assert (program.workdir / "history.txt").read_text() == "mine"
    program.stop()
    assert not program.workdir.exists()
    assert (outside / "grades.csv").read_text() == "alice,100\n"


@pytest.mark.timeout(20)
def test_a_grader_started_in_the_background_still_gives_students_ctrl_c(run):
    # `&` and nohup start the grader with these ignored, and an ignored signal stays ignored across
    # exec: without the boot's reset a student's client would never see a KeyboardInterrupt.
    ignored = {sig: signal.signal(sig, signal.SIG_IGN) for sig in (signal.SIGINT, signal.SIGQUIT, signal.SIGHUP)}
    try:
        program = run("""
            import signal
            print(signal.getsignal(signal.SIGINT) is signal.default_int_handler,
                  signal.getsignal(signal.SIGQUIT) == signal.getsignal(signal.SIGHUP) == signal.SIG_DFL)
        """)
    finally:
        for sig, handler in ignored.items():
            signal.signal(sig, handler)
    assert program.wait_exit(10) == 0, program.output()
    assert program.output().strip() == "True True"


@pytest.mark.timeout(20)
def test_the_teachers_secrets_stay_out_of_the_environment(run, monkeypatch):
    monkeypatch.setenv("GITHUB_TOKEN", "ghp_secret")
    monkeypatch.setenv("GRADER_MARK", "mine")
    program = run("""
        import os
        print(sorted(k for k in os.environ if "TOKEN" in k), os.environ.get("GRADER_MARK"), bool(os.environ.get("PATH")))
    """)
    assert program.wait_exit(10) == 0, program.output()
    assert program.output().strip() == "[] mine True"


@pytest.mark.timeout(20)
def test_where_a_program_that_never_binds_is_stuck(run):
    spinner = run("""
        import threading
        threading.Thread(target=threading.Event().wait, daemon=True).start()
        ready = False
        while not ready:
            pass
    """)
    sleeper = run("import time\n\ndef wait():\n    time.sleep(300)\n\nwait()\n")
    quitter = run("print('bye')\n")
    assert spinner.wait_bound(0.3) is None
    # Caught anywhere in its loop: the test or the body (the `pass` has a line of its own in 3.11).
    assert spinner.where() in ("server.py line 5: while not ready:", "server.py line 6: pass")
    assert sleeper.where() == "server.py line 4: time.sleep(300)"
    assert quitter.wait_exit(10) == 0
    assert quitter.where() is None
    assert sleeper.alive() and "Fatal" not in sleeper.output() + spinner.output()


@pytest.mark.timeout(20)
def test_reading_a_closed_stdin_says_that_nobody_types(run):
    program = run("port = int(input('Port: '))\n")
    assert program.wait_exit(10) == 1
    assert program.traceback().splitlines()[-1] == (
        "EOFError: EOF when reading a line (standard input is empty: nobody types into a program the grader runs)")


@pytest.mark.timeout(20)
def test_a_program_blocked_on_an_open_console_waits_for_typing_and_one_asleep_does_not(run):
    asks = run("import threading\nthreading.Thread(target=threading.Event().wait).start()\n"
               "print('got', input('Port: '), flush=True)\ninput()\n", stdin=True)
    sleeper = run("import time\ntime.sleep(300)\n", stdin=True)
    assert waiting.poll_until(asks.waits_for_typing, 10)
    assert asks.wait_bound(5, within=5) is None   # at once: it cannot bind before someone types
    asks.write_stdin("5555\n")
    assert asks.wait_output("got 5555", 10)
    assert waiting.poll_until(asks.waits_for_typing, 10)   # the next input()
    assert waiting.poll_until(lambda: sleeper.where() == "server.py line 2: time.sleep(300)", 10)
    assert not sleeper.waits_for_typing()   # a sleep ends by itself
    asks.stop()
    assert not asks.waits_for_typing()


@pytest.mark.timeout(20)
def test_memory_cpu_and_file_size_limits(run):
    hog = run("""
        blocks = []
        while True:
            blocks.append(bytearray(16 << 20))
    """, limits=Limits(memory_bytes=256 << 20))
    spinner = run("while True:\n    pass\n", limits=Limits(cpu_seconds=1, wall_seconds=15))
    writer = run("""
        with open("big.bin", "wb") as f:
            f.write(b"x" * (2 << 20))
    """, limits=Limits(file_size=1 << 20))
    assert hog.wait_exit(10) == 1
    # The error names the grader's limit, so that nobody hunts for a bug that is not there.
    assert hog.traceback().splitlines()[-1] == (
        "MemoryError: out of memory (the grader allows 256 MiB of address space per process)")
    assert writer.wait_exit(10) == 1
    assert writer.traceback().splitlines()[-1].endswith("File too large (the grader allows files of up to 1 MiB)")
    assert spinner.wait_exit(10) in (-signal.SIGXCPU, -signal.SIGKILL)
    assert not spinner.timed_out
    assert 0.9 <= spinner.cpu_seconds() < 3


@pytest.mark.timeout(20)
@pytest.mark.skipif(os.uname().machine != "x86_64", reason="system call numbers are x86-64's")
def test_waits_end_early_only_when_the_stop_early_callable_says_so(run):
    asked, armed = [], threading.Event()

    def stop_early():   # what the caller claims: nothing more can happen (once armed)
        asked.append(time.monotonic())
        return armed.is_set()

    quick = run("print('up', flush=True)\nimport time\ntime.sleep(300)\n", stop_early=stop_early)
    patient = run("print('up', flush=True)\nimport time\ntime.sleep(300)\n")
    assert quick.wait_output("up", 10) and patient.wait_output("up", 10)
    armed.set()
    started = time.monotonic()
    assert quick.wait_exit(10) is None and not quick.wait_output("never printed", 10)
    assert time.monotonic() - started < 5 and asked   # ended once all output was read, not at the timeout
    started = time.monotonic()
    assert patient.wait_exit(0.5) is None
    assert time.monotonic() - started >= 0.5


def test_the_sandbox_sentences_are_messages_in_both_languages():
    from grader.sandbox.limits import cpu_message, disk_message
    limits = Limits(cpu_seconds=7, disk_files=50, disk_bytes=3 << 20)
    messages = {
        "the program used 7 s of CPU time, the grader's limit, and was killed": cpu_message(limits),
        "the grader stopped the program: it created more than 50 files in its folder": disk_message("disk_files", limits),
        "the grader stopped the program: it wrote more than 3 MiB of files into its folder": disk_message("disk_bytes", limits),
    }
    for english, msg in messages.items():
        assert str(msg) == english
        assert re.search("[а-я]", msg.render("ru")) and ("7" in msg.render("ru") or "50" in msg.render("ru")
                                                         or "3 MiB" in msg.render("ru"))


@pytest.fixture
def one_busy_core():
    """This process (and so what it starts) and three busy loops share one core: a program started
    now gets about a quarter of it, as on a machine loaded four times over."""
    core = min(os.sched_getaffinity(0))
    mine = os.sched_getaffinity(0)
    spinners = []
    for _ in range(3):
        pid = os.fork()
        if pid == 0:
            os.sched_setaffinity(0, {core})
            while True:
                pass
        spinners.append(pid)
    os.sched_setaffinity(0, {core})
    try:
        yield
    finally:
        os.sched_setaffinity(0, mine)
        for pid in spinners:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)


@pytest.mark.slow
def test_a_start_slowed_by_a_busy_machine_gets_the_time_it_waited_for(run, one_busy_core):
    # 1 s of CPU before it binds: about 4 s of wall time on a core it gets a quarter of.
    program = run("""
        import socket, time
        while time.process_time() < 1.0:
            pass
        server = socket.socket()
        server.bind(("", 5000))
        server.listen()
        time.sleep(60)
    """)
    assert program.wait_bound(1.5, within=12) is not None
    starved = run("""
        import time
        while time.process_time() < 1.0:
            pass
        time.sleep(60)
    """)
    started = time.monotonic()
    assert starved.wait_bound(1.5, within=12) is None   # it never binds: it is given up on...
    assert time.monotonic() - started < 11             # ...once its own time is out, not at `within`


def test_the_error_line_is_that_of_the_last_traceback_even_from_a_thread():
    output = ("Ваше имя: Alice\nException in thread Thread-2 (write):\nTraceback (most recent call last):\n"
              '  File "client.py", line 27, in write\n    client.send(message.encode("ascii"))\n'
              "UnicodeEncodeError: 'ascii' codec can't encode characters in position 7-12\nmore output\n")
    assert sandbox.error_line(output) == "UnicodeEncodeError: 'ascii' codec can't encode characters in position 7-12"
    assert sandbox.error_line("no traceback here\n") is None

"""grader.bench at tiny sizes: the load report is complete and its counts add up (no timing is
asserted: timings belong to the benchmark's output, not to a test); the grading benchmark's
helpers build the class and judge verdicts as documented."""
import contextlib
import io
import json
import os
import time
from pathlib import Path

import pytest

from grader import dialect as dialects
from grader import submission
from grader.bench import __main__ as cli
from grader.bench import grading, load, measure, table

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def chat():
    target = load.prepare(ROOT / "chat.py")
    yield target
    target.close()


def assert_consistent(r: load.Run, n: int, m: int) -> None:
    assert r.expected == n * (n - 1) * m
    assert r.received <= r.expected
    assert 0 < r.p50_ms <= r.p99_ms <= r.max_ms
    assert r.per_second > 0 and r.seconds > 0
    assert r.rss_mib > 0 and r.cpu_s >= 0 and r.idle_cpu_pct >= 0 and r.join_s > 0


@pytest.mark.timeout(30)
def test_chat_py_burst_every_delivery_counted_in_whole_lines(chat):
    r = load.run(chat, 4, 3, idle=0.1)
    assert r.error == "", r.error
    assert_consistent(r, 4, 3)
    assert r.received == r.expected == 36
    assert r.whole_lines is True and r.broken == 0
    assert r.duplicates == 0 and r.echoes == 0
    assert r.complete


@pytest.mark.timeout(30)
def test_chat_py_paced(chat):
    r = load.run(chat, 3, 2, rate=20, idle=0.1)
    assert r.error == "", r.error
    assert_consistent(r, 3, 2)
    assert r.received == r.expected == 12


@pytest.mark.timeout(30)
def test_raw_relay_reference_counts_glued_tokens():
    target = load.prepare(load.REFERENCES["raw-relay ref"], "raw-relay ref")
    try:
        assert target.dialect.message_format == "{text}"   # no framing: tokens arrive glued
        r = load.run(target, 3, 5, idle=0.1)
    finally:
        target.close()
    assert r.error == "", r.error
    assert_consistent(r, 3, 5)
    assert r.received == r.expected == 30
    assert r.whole_lines is None   # no lines to judge


@pytest.mark.timeout(60)
def test_cli_table_has_every_metric_for_the_submission_and_both_references():
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert cli.main(["chat.py", "-n", "3", "-m", "2", "--rounds", "1", "--idle", "0.1", "--quiet", "0"]) == 0
    text = out.getvalue()
    assert "machine: " in text and "Python " in text
    header = next(line for line in text.splitlines() if "asyncio ref" in line and "raw-relay ref" in line)
    assert "chat.py / asyncio ref" in header and "chat.py / raw-relay ref" in header
    for _, label, _, _ in table.METRICS:
        row = next(line for line in text.splitlines() if line.startswith(label))
        assert len(row.split()) > len(label.split())
    received = next(line for line in text.splitlines() if line.startswith("deliveries received")).split()[2:5]
    assert received == ["12", "12", "12"]


def test_cli_json_runs_add_up(chat, monkeypatch):
    monkeypatch.setattr(load, "prepare", lambda path, label=None: chat)
    monkeypatch.setattr(load.Target, "close", lambda self: None)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert cli.main(["chat.py", "--no-refs", "-n", "3", "-m", "1", "--rate", "0,50", "--rounds", "1",
                         "--idle", "0.1", "--quiet", "0", "--json"]) == 0
    runs = json.loads(out.getvalue())
    assert [(r["n"], r["rate"]) for r in runs] == [(3, 0.0), (3, 50.0)]
    assert all(r["received"] == r["expected"] == 6 and not r["error"] for r in runs)


def test_cli_refuses_bad_sizes(capsys):
    for argv in (["chat.py", "-n", "1"], ["chat.py", "-m", "0"], ["chat.py", "--rate", "-1"], []):
        with pytest.raises(SystemExit) as exc:
            cli.main(argv)
        assert exc.value.code == 2


def test_a_server_that_takes_only_two_users_is_reported_not_hung():
    sub = submission.load(ROOT / "assignments" / "examples" / "two_user_relay")
    target = load.Target("two users", sub, dialects.from_source(sub))   # no need to learn it here
    try:
        started = time.monotonic()
        r = load.run(target, 3, 1, idle=0.1, timeout=2)
    finally:
        target.close()
    assert "took only 2 of 3 users" in r.error
    assert time.monotonic() - started < 10


# Takes its users, then dies at the first chat message (every token holds a "Q"; names do not).
DIES_UNDER_LOAD = """
import os, socket, threading
def handle(conn):
    lines = conn.makefile("rb")
    lines.readline()   # the name
    for line in lines:
        if b"Q" in line:
            os._exit(3)
server = socket.create_server(("127.0.0.1", 5555))
while True:
    conn, _ = server.accept()
    threading.Thread(target=handle, args=(conn,), daemon=True).start()
"""


@pytest.mark.timeout(30)
def test_a_server_that_dies_under_load_is_reported_not_raised(tmp_path):
    (tmp_path / "server.py").write_text(DIES_UNDER_LOAD, encoding="utf-8")
    sub = submission.load(tmp_path / "server.py")
    target = load.Target("dies", sub, dialects.from_source(sub))
    try:
        r = load.run(target, 3, 5, idle=0.1, timeout=10)
    finally:
        target.close()
    assert r.error == "the server stopped: the server exited with status 3"
    assert r.received < r.expected and not r.complete


def test_percentiles():
    from collections import Counter
    hist = Counter({1: 98, 5: 1, 9: 1})
    assert measure.percentiles(hist, (0.5, 0.99, 1.0)) == [1.0, 5.0, 9.0]
    assert measure.percentiles(Counter(), (0.5,)) == [0.0]


def test_grading_class_folder_repeats_the_examples():
    with grading.class_folder(25) as folder:
        entries = sorted(Path(folder).iterdir())
        assert len(entries) == 25 and all(p.is_symlink() for p in entries)
        targets = [os.readlink(p) for p in entries]
        assert str(ROOT / "chat.py") in targets
        assert not any("hostile" in t for t in targets)


def test_grading_verdict_note():
    example = ROOT / "assignments" / "examples" / "busy_loop_nick"
    want = json.loads((example / "expected.json").read_text(encoding="utf-8"))
    row = {"score": want["score"], "max_score": 100,
           "checks": [{"id": k, "status": v} for k, v in want["checks"].items()]}
    assert grading.verdict_note(example, row) == "as expected"
    row["checks"][0]["status"] = "skip"
    assert grading.verdict_note(example, row).startswith("DIFFERS: ")
    assert grading.verdict_note(example, {"error": "boom"}) == "error: boom"


def test_profiler_counts_exclusive_time():
    class Thing:
        def outer(self):
            time.sleep(0.05)
            self.inner()

        def inner(self):
            time.sleep(0.1)

    p = grading.Profiler()
    p.wrap(Thing, "outer", "outer", context="ctx")
    p.wrap(Thing, "inner", "inner")
    try:
        Thing().outer()
    finally:
        p.restore()
    assert 0.09 <= p.times[("ctx", "inner")] < 0.3
    assert 0.04 <= p.times[("ctx", "outer")] < 0.1
    assert p.walls["ctx"] >= 0.15
    assert Thing.outer.__name__ == "outer"   # restored

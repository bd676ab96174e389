"""A teacher's day (issue 4): a class folder with one entry per student — every example submission, every
report fixture and every hostile submission, symlinked side by side — graded in one command,

    python -m grader CLASSDIR -j 3 --format json --csv grades.csv

(once per test run, by the `class_run` fixture of conftest.py, which tests/test_grader_hostile.py shares)
and every row compared with its entry's expected.json, and grades.csv with the gradebook that the
expected.json files and assignments/rubric.toml imply. One more entry is a disguised copy of an example
(issue 14): it and its original, and nothing else we wrote on its own, are flagged as near-copies, and
the --html report of the run shows every student. Then determinism (issues 5 and 12): the entries whose
verdicts hang on timing (DETERMINISM below: those that spin, chats for two, the one that keeps up with
a slow reader, and some named with their reason) are graded twice more with -j 2, and every verdict
must be the same in all three runs; and a subset graded with -j 1 must get the verdicts it got with
-j 3; those three gradings run side by side (five at once). The gradings are marked `slow` (about
105 s on two cores: 65 s for the class, 42 s for the three side by side, 2026-12-04);
`python -m pytest -m "not slow"` leaves them out.

An expected.json holds the verdict each check must get, or {"error": "<part of the message>"} for an
entry that cannot be graded at all (a report without code).
"""
import json
import os
import subprocess
import sys
import time

import pytest

from grader.checks import CHECKS
from grader.grade import TIME_LIMIT
from grader_helpers import (CLASS_TEST_TIMEOUT, COPY, ENTRIES, ORIGINAL, ROOT, Run, expected, explain, differences,
                            finish, grade_class, start, verdicts)

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    from grader.rubric import _parse_flat_toml as _parse

    class tomllib:  # noqa: N801 - stands in for the module
        loads = staticmethod(_parse)

IDS = [c.id for c in CHECKS]
REPORT_SUFFIXES = (".md", ".txt", ".ipynb")
# Graded again with -j 1: the checks that measure time and load (busy loop, a full two-user chat, a
# deadlock, a slow reader), a notebook, a UDP chat and a report that cannot be graded; about 40 s.
SUBSET = ("busy_loop_nick", "two_slot_limit", "deadlock_hangs", "notebook_writefile", "udp_one_program",
          "syntax_error_quotes", "no_code")


def rubric() -> dict:
    return tomllib.loads((ROOT / "assignments" / "rubric.toml").read_text(encoding="utf-8"))


# The determinism set (issue 12: "run the spinning examples three times with -j 2"): the entries whose
# verdicts hang on timing. Most are found from their expected.json, so that a new example of the kind
# joins by itself:
#   - it spins (no_busy_loop fails): the loop takes a core from whatever is graded beside it, and a
#     hand-in like that once changed multi_user and leave_notice between runs;
#   - it is a chat for two (multi_user fails): what is judged depends on which users got in, and when;
#   - it keeps up with the flood of a user who never reads (slow_reader passes): one stall fails it;
# the others are named here, each for the reason given (a name that no entry has fails the test).
TIMED = {
    "import_loop": "spins a core before it binds, until the 5 s to bind are over",
    "exits_at_once": "exits about as soon as it binds: the grader cannot connect or sees it exit, by timing",
    "memory_hog": "must reach its memory limit within the 5 s a server has to bind, however loaded the machine",
    "disk_filler": "the reason once depended on how fast it could fill its folder (issue 10)",
    "deadlock_hangs": "hangs: every check that follows waits out its full time",
    "print_flood": "its console thread floods its output all the while it is graded",
    "dead_socket_middle": "the leaver in the middle: what reaches the users after it is judged by what arrives in time",
    "peer_gone_unremoved": "its dead socket raises only once the reset that answers the first send to it is back",
    "empty_line_after_close": "the empty 'Bobby: ' after a close must be told from a notice within the notice wait",
    "leave_word_reader_spins": "its client spins on b'' after the leave word while the grader learns the dialect",
}


def timed(entry) -> bool:
    want = expected(entry).get("checks", {})
    return (entry.name in TIMED or want.get("no_busy_loop") == "fail" or want.get("multi_user") == "fail"
            or want.get("slow_reader") == "pass")


DETERMINISM = tuple(e.name for e in ENTRIES if timed(e))


def subclass(names, folder):
    """A class folder of the entries `names` (symlinks to them), as the class folder holds them."""
    folder.mkdir()
    for name in names:
        (folder / name).symlink_to(next(e for e in ENTRIES if e.name == name), target_is_directory=True)
    return folder


@pytest.fixture(scope="module")
def reruns(tmp_path_factory) -> dict[str, list[Run]]:
    """The determinism set graded twice more with -j 2, and SUBSET once with -j 1, all side by side:
    five gradings at once on the machine, in the wall time of the longest."""
    started = time.monotonic()
    timed_folder = subclass(DETERMINISM, tmp_path_factory.mktemp("timed") / "submissions")
    subset_folder = subclass(SUBSET, tmp_path_factory.mktemp("subset") / "submissions")
    runs = [(kind, folder, jobs, tmp_path_factory.mktemp(kind))
            for kind, folder, jobs in (("again", timed_folder, 2), ("again", timed_folder, 2), ("alone", subset_folder, 1))]
    procs = [(kind, start(folder, cwd, jobs=jobs), cwd) for kind, folder, jobs, cwd in runs]
    try:
        done: dict[str, list[Run]] = {"again": [], "alone": []}
        for kind, proc, cwd in procs:
            done[kind].append(finish(proc, started, cwd))
        return done
    finally:
        for _, proc, _ in procs:
            if proc.poll() is None:
                proc.kill()
                proc.communicate()


def test_the_class_is_big_and_mixed():
    names = [e.name for e in ENTRIES]
    assert len(names) >= 12 and len(set(names)) == len(names), names
    assert sum(e.parent.name == "examples" for e in ENTRIES) >= 10
    files = {e.name: [p for p in e.iterdir() if p.name != "expected.json"] for e in ENTRIES}
    reports = [n for n, fs in files.items() if len(fs) == 1 and fs[0].suffix.lower() in REPORT_SUFFIXES]
    folders = [n for n, fs in files.items() if sum(p.suffix == ".py" for p in fs) >= 2]
    singles = [n for n, fs in files.items() if len(fs) == 1 and fs[0].suffix == ".py"]
    assert len(reports) >= 8 and folders and singles, files
    assert {".md", ".txt", ".ipynb"} <= {files[n][0].suffix.lower() for n in reports}
    # one that hangs (a deadlock; with the hostile set also an endless loop before bind) and two that do
    # not compile (a report and a folder), and one that cannot be graded at all
    assert {"deadlock_hangs", "syntax_error_quotes", "syntax_error_server", "no_code"} <= set(names)


def test_the_determinism_set_holds_every_kind_of_timed_entry():
    """Each part of the rule picks what it is for (a spinner, a chat for two, the slow reader's one
    pass), and every name in TIMED is an entry: a renamed example would otherwise drop out unseen."""
    assert {"busy_loop_nick", "spins_from_start", "console_two_user", "nick_line_queues"} <= set(DETERMINISM)
    assert set(TIMED) <= {e.name for e in ENTRIES}, set(TIMED) - {e.name for e in ENTRIES}
    assert len(DETERMINISM) < len(ENTRIES) / 2   # the point of a set: the rest is graded once


@pytest.mark.slow
@pytest.mark.timeout(CLASS_TEST_TIMEOUT)
@pytest.mark.parametrize("entry", ENTRIES, ids=lambda p: p.name)
def test_every_row_is_graded_as_expected(class_run, entry):
    want = expected(entry)
    row = class_run.rows[entry.name]
    if "error" in want:
        assert row.get("error") and want["error"] in row["error"], explain(row)
        assert row["score"] == 0 and row["checks"] == []
        return
    assert not row.get("error"), row.get("error")
    assert verdicts(row) == want["checks"], explain(row)
    assert row["transport"] == want["transport"]
    # through the student's client wherever it reaches the server, UDP too (issue 11)
    assert row.get("driven") == want.get("driven"), explain(row)   # none where no user ran
    assert row["score"] == want["score"], explain(row)
    # a hanging or broken submission costs its own time limit, never more
    assert row["seconds"] < TIME_LIMIT


@pytest.mark.slow
@pytest.mark.timeout(CLASS_TEST_TIMEOUT)
def test_the_gradebook_is_the_one_the_rubric_implies(class_run):
    table = rubric()
    points, scoring = table["points"], table.get("scoring", {})
    share = {"pass": 1.0, "partial": float(scoring.get("partial_share", 0.5))}
    max_score = float(sum(points.values()))
    header, *lines = class_run.csv
    assert header == ["id", "score", "max_score", *IDS, "error", "similar"]
    lines = [line for line in lines if line[0] != COPY]
    assert [line[0] for line in lines] == [e.name for e in ENTRIES]   # sorted, one line per student
    for entry, line in zip(ENTRIES, lines):
        want, got = expected(entry), dict(zip(header, line))
        assert float(got["max_score"]) == max_score, line
        if "error" in want:
            assert float(got["score"]) == 0 and want["error"] in got["error"], line
            assert all(got[cid] == "" for cid in IDS), line
            continue
        assert float(got["score"]) == want["score"] and got["error"] == "", line
        assert got["transport"] == want["transport"], line
        for cid in IDS:
            if cid == "transport":
                continue
            status = want["checks"][cid]
            assert float(got[cid]) == float(points.get(cid, 0)) * share.get(status, 0.0), (entry.name, cid, line)


@pytest.mark.slow
@pytest.mark.timeout(CLASS_TEST_TIMEOUT)
def test_a_transcript_shows_what_a_client_printed_where_the_wire_says_it_otherwise(class_run):
    def events(row: dict, kind: str) -> list[dict]:
        return [e for c in row["checks"] for e in c.get("transcript", []) if e["event"] == kind]
    # Length-prefixed frames: the wire has the 4 bytes before each message, the screen only the text.
    printed = events(class_run.rows["length_prefix_frames"], "printed")
    assert printed and all("\x00" not in e["text"] for e in printed), printed
    for name, row in class_run.rows.items():   # only a user that is a client prints
        if row.get("driven") != "client":
            assert not events(row, "printed"), name


@pytest.mark.slow
@pytest.mark.timeout(CLASS_TEST_TIMEOUT)
def test_the_copy_and_its_original_are_the_only_near_copies_of_ours(class_run):
    """Our examples and reports, each written on its own, flag nothing; the hostile ones are variations
    on one server, so they may flag each other, and only each other."""
    hostile = {e.name for e in ENTRIES if e.parent.name == "hostile"}
    flagged = {sid: [p["id"] for p in row["similar"]] for sid, row in class_run.rows.items() if row["similar"]}
    assert flagged.pop(COPY) == [ORIGINAL.name] and flagged.pop(ORIGINAL.name) == [COPY], flagged
    assert set(flagged) <= hostile and all(set(others) <= hostile for others in flagged.values()), flagged
    assert all(0 < p["share"] <= 1 for row in class_run.rows.values() for p in row["similar"])


@pytest.mark.slow
@pytest.mark.timeout(CLASS_TEST_TIMEOUT)
def test_the_html_report_shows_every_student(class_run):
    html = (class_run.cwd / "report.html").read_text(encoding="utf-8")
    assert html.count("<svg") == 2 and html.count("<details") == len(class_run.rows)
    for sid in class_run.rows:
        assert f">{sid}</a>" in html, sid


@pytest.mark.slow
@pytest.mark.timeout(CLASS_TEST_TIMEOUT)
def test_the_verdicts_are_the_same_in_three_runs(class_run, reruns):
    """The entries whose verdicts hang on timing (DETERMINISM: the rule and the named ones are above
    `timed`; to add a new one that expected.json does not show as such, name it in TIMED with the
    reason) get the same verdicts in the class run and in two more gradings of them with -j 2 side by
    side. The others are graded once per test run: their verdicts are held by expected.json alone."""
    for run in reruns["again"]:
        assert set(run.rows) == set(DETERMINISM)
        changed = {name: differences(class_run.rows[name], row) for name, row in run.rows.items()
                   if verdicts(row) != verdicts(class_run.rows[name])}
        assert not changed, changed


@pytest.mark.slow
@pytest.mark.timeout(CLASS_TEST_TIMEOUT)
def test_one_job_at_a_time_gives_the_verdicts_of_three(class_run, reruns):
    """SUBSET graded with -j 1 (beside the two more runs of the determinism set) gets the verdicts
    it got with -j 3."""
    alone = reruns["alone"][0]
    assert set(alone.rows) == set(SUBSET)
    for name, row in alone.rows.items():
        assert verdicts(row) == verdicts(class_run.rows[name]), (name, explain(row))


@pytest.mark.timeout(60)
def test_gradescope_format_is_results_json(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "grader", str(ROOT / "assignments" / "examples" / "two_slot_limit"),
                           "--format", "gradescope"], cwd=tmp_path, env=dict(os.environ, PYTHONPATH=str(ROOT)),
                          capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=50)
    assert proc.returncode == 0, proc.stderr
    results = json.loads(proc.stdout)
    want = expected(ROOT / "assignments" / "examples" / "two_slot_limit")
    assert results["score"] == want["score"]
    assert isinstance(results["execution_time"], (int, float)) and 0 < results["execution_time"] < TIME_LIMIT
    assert isinstance(results["output"], str) and results["output"]
    assert len(results["tests"]) == len(IDS)
    for test, cid in zip(results["tests"], IDS):
        assert {"name", "score", "max_score", "status", "output"} <= set(test), test
        assert test["name"].startswith(cid)
        assert test["status"] == ("passed" if want["checks"][cid] == "pass" else "failed"), test
        assert isinstance(test["score"], (int, float)) and isinstance(test["max_score"], (int, float))
        assert 0 <= test["score"] <= test["max_score"] or test["max_score"] == 0
        assert isinstance(test["output"], str)
        if want["checks"][cid] != "pass":
            assert test["output"], test   # a reason for every point lost


@pytest.mark.timeout(60)
def test_a_students_files_one_folder_down_are_that_students(tmp_path):
    """A zip unpacked with its own top folder is still one student's hand-in, and never stops the others."""
    submissions = tmp_path / "submissions"
    (submissions / "ivanov" / "lab3").mkdir(parents=True)
    broken = "import socket\ns = socket.socket()\ns.bind(('', 5555)\ns.listen()\n"   # fails at once: cheap
    (submissions / "ivanov" / "lab3" / "server.py").write_text(broken, encoding="utf-8")
    (submissions / "petrova.py").write_text(broken, encoding="utf-8")
    run = grade_class(submissions, tmp_path, jobs=2)
    assert set(run.rows) == {"ivanov", "petrova"}
    assert verdicts(run.rows["ivanov"])["server_starts"] == "fail", explain(run.rows["ivanov"])

"""A teacher's day (issue 4): a class folder with one entry per student — every example submission, every
report fixture and every hostile submission, symlinked side by side — graded in one command,

    python -m grader CLASSDIR -j 2 --format json --csv grades.csv

(once per test run, by the `class_run` fixture of conftest.py, which tests/test_grader_hostile.py shares)
and every row compared with its entry's expected.json, and grades.csv with the gradebook that the
expected.json files and assignments/rubric.toml imply. One more entry is a disguised copy of an example
(issue 14): it and its original, and nothing else we wrote on its own, are flagged as near-copies, and
the --html report of the run shows every student. Then determinism (issue 5): the class is graded
twice more, both runs side by side (four gradings at once), and every verdict must be the same in all
three runs; and a subset graded with -j 1 must get the verdicts it got with -j 2. The gradings are
marked `slow` (about 2 minutes on two idle cores: 45 s for the first run, 55 s for the two others,
14 s for the subset); `python -m pytest -m "not slow"` leaves them out.

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


@pytest.fixture(scope="module")
def again(classdir, tmp_path_factory) -> list[Run]:
    """Two more gradings of the class, side by side: four gradings at once on the machine, as `-j 4` would
    run them, and half the wall time of one after the other."""
    started = time.monotonic()
    cwds = [tmp_path_factory.mktemp("again") for _ in range(2)]
    procs = [start(classdir, cwd, jobs=2) for cwd in cwds]
    try:
        return [finish(proc, started, cwd) for proc, cwd in zip(procs, cwds)]
    finally:
        for proc in procs:
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
def test_the_verdicts_are_the_same_in_three_runs(class_run, again):
    for run in again:
        changed = {name: differences(row, run.rows[name]) for name, row in class_run.rows.items()
                   if verdicts(row) != verdicts(run.rows[name])}
        assert not changed, changed


@pytest.mark.slow
@pytest.mark.timeout(CLASS_TEST_TIMEOUT)
def test_one_job_at_a_time_gives_the_verdicts_of_two(class_run, tmp_path):
    subset = tmp_path / "subset"
    subset.mkdir()
    for name in SUBSET:
        (subset / name).symlink_to(next(e for e in ENTRIES if e.name == name), target_is_directory=True)
    alone = grade_class(subset, tmp_path, jobs=1)
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

"""The model solution gets full marks. (Every example's verdicts are held to its expected.json by
tests/test_grader_class.py, which grades them all as one class.)"""
from pathlib import Path

import pytest

from grader import rubric
from grader.checks import BY_ID
from grader.grade import grade

ROOT = Path(__file__).resolve().parent.parent
RUBRIC = rubric.load(None, set(BY_ID))


def explain(result):
    return "\n".join(f"{c.id}: {c.status} {c.message}" for c in result.checks) + f"\ndialect: {result.dialect}"


@pytest.mark.timeout(60)
def test_model_solution_gets_full_marks():
    result = grade(str(ROOT / "chat.py"), RUBRIC)
    assert result.score == RUBRIC.max_score, explain(result)
    assert all(c.status == "pass" for c in result.checks), explain(result)


@pytest.mark.slow
@pytest.mark.timeout(60)
def test_a_client_that_shows_what_it_got_only_after_typing_is_noted_and_chat_py_is_not():
    late = grade(str(ROOT / "assignments" / "examples" / "input_then_recv_client"), RUBRIC)
    assert [n for n in late.notes if "did not show it within" in n] == [
        "Bob's client got Alice's message but did not show it within 1 s: a client that reads from the server only "
        "after its user has typed a line shows messages late (it needs a thread that receives)"]
    assert late.as_json()["notes"] == late.notes   # in --format json, and so in a class's rows and HTML report
    assert not [n for n in grade(str(ROOT / "chat.py"), RUBRIC).notes if "did not show" in n]

"""Every example submission in assignments/examples gets exactly the verdicts its expected.json states,
and the model solution gets full marks."""
import json
from pathlib import Path

import pytest

from grader import rubric
from grader.checks import BY_ID
from grader.grade import grade

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted(p.parent for p in (ROOT / "assignments" / "examples").glob("*/expected.json"))
RUBRIC = rubric.load(None, set(BY_ID))


def verdicts(result):
    return {c.id: c.status for c in result.checks}


def explain(result):
    return "\n".join(f"{c.id}: {c.status} {c.message}" for c in result.checks) + f"\ndialect: {result.dialect}"


def test_there_are_enough_examples():
    assert len(EXAMPLES) >= 10


@pytest.mark.timeout(60)
@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.name)
def test_example_is_graded_as_expected(example):
    expected = json.loads((example / "expected.json").read_text(encoding="utf-8"))
    result = grade(str(example), RUBRIC)
    assert verdicts(result) == expected["checks"], explain(result)
    assert result.transport == expected["transport"]
    assert result.score == expected["score"], explain(result)
    assert result.seconds < 20


@pytest.mark.timeout(60)
def test_model_solution_gets_full_marks():
    result = grade(str(ROOT / "chat.py"), RUBRIC)
    assert result.score == RUBRIC.max_score, explain(result)
    assert all(c.status == "pass" for c in result.checks), explain(result)

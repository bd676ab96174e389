"""Scoring rules: partial share, the UDP factor and the two-user cap, from the TOML rubric."""
import pytest

from grader import rubric
from grader.checks import BY_ID

IDS = set(BY_ID)


def test_default_rubric_totals_100_and_names_every_check():
    r = rubric.load(None, IDS)
    assert r.max_score == 100
    assert set(r.points) == IDS


def test_partial_udp_and_two_user_rules(tmp_path):
    path = tmp_path / "r.toml"
    path.write_text("[points]\nbroadcast = 10\nunicode = 10\nmulti_user = 80\n"
                    "[scoring]\npartial_share = 0.25\nudp_factor = 0.5\ntwo_user_cap = 0.1\n")
    r = rubric.load(path, IDS)
    statuses = {"broadcast": "pass", "unicode": "partial", "multi_user": "pass"}
    assert r.score(statuses, "tcp", False) == 92.5
    assert r.score(statuses, "udp", False) == 46.2  # 46.25 rounded to one decimal
    assert r.score(statuses, "tcp", True) == 10.0
    assert r.score({"broadcast": "skip", "unicode": "error"}, "tcp", False) == 0


def test_flat_parser_matches_tomllib():
    text = open(rubric.DEFAULT, encoding="utf-8").read()
    tomllib = pytest.importorskip("tomllib")
    assert rubric._parse_flat_toml(text) == {k: {kk: float(vv) for kk, vv in v.items()} for k, v in tomllib.loads(text).items()}


def test_rubric_errors_are_one_line(tmp_path):
    path = tmp_path / "r.toml"
    path.write_text("[points]\nbroadcast = 'ten'\n")
    with pytest.raises(rubric.RubricError, match="must be numbers"):
        rubric.load(path, IDS)
    path.write_text("[scoring]\nudp_factor = 1\n")
    with pytest.raises(rubric.RubricError, match=r"no \[points\]"):
        rubric.load(path, IDS)

"""Both message catalogs are complete: every sentence exists in English and Russian with the same blanks."""
import re
import string
from pathlib import Path

import pytest

from grader import rubric
from grader.checks import BY_ID, CHECKS
from grader.grade import grade
from grader.messages import EN, RU, Msg, Names, Parts, render

GRADER = Path(__file__).resolve().parent.parent / "grader"
ROOT = GRADER.parent


def blanks(template):
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def test_same_keys_in_both_languages():
    assert sorted(set(EN) - set(RU)) == [] and sorted(set(RU) - set(EN)) == []


def test_same_blanks_in_both_languages():
    assert [key for key in EN if blanks(EN[key]) != blanks(RU.get(key, ""))] == []


def test_every_key_the_code_uses_exists():
    used = set()
    for path in GRADER.glob("*.py"):
        text = path.read_text(encoding="utf-8")
        used |= set(re.findall(r'Msg\(\s*"([^"]+)"', text))
        for base in re.findall(r'plural\(\s*"([^"]+)"', text):
            used |= {base + ".one", base + ".many"}
    used |= {f"title.{c.id}" for c in CHECKS}
    assert used and sorted(used - set(EN)) == []


def test_rendering_names_parts_and_nesting():
    msg = Msg("join.missed.many", newcomer="Carol", watchers=Names(["Alice", "Bob", Msg("console")]))
    assert msg.render("en") == "when Carol joined, Alice, Bob and the server's console were not told"
    assert msg.render("ru") == "когда вошёл(ла) Carol, об этом не узнали Alice, Bob и консоль сервера"
    assert render(Parts([Msg("survive.reset"), Msg("survive.newcomer")]), "en").count("; ") == 1


@pytest.mark.timeout(60)
def test_a_grading_reads_in_russian_throughout():
    points = rubric.load(None, set(BY_ID))
    example = ROOT / "assignments" / "examples" / "syntax_error_server"
    en, ru = grade(str(example), points, lang="en"), grade(str(example), points, lang="ru")
    assert [c.status for c in en.checks] == [c.status for c in ru.checks]
    for c_en, c_ru in zip(en.checks, ru.checks):
        assert c_ru.title != c_en.title or c_en.id == "transport"
        if c_en.message and c_en.id != "transport":
            assert c_ru.message != c_en.message and re.search("[а-я]", c_ru.message), c_ru.message
    assert re.search("[а-я]", ru.dialect)

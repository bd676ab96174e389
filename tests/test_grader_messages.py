"""Both message catalogs are complete: every sentence exists in English and Russian with the same blanks,
and every key the grader's code can build is in them.

Keys are found by reading the code (ast): a Msg(...) key must be a string constant, a grader.reasons
member (a plural() of two, a conditional of two), or one of the families listed in FAMILIES (f-strings
and variables) with every value it can take. Anything else fails the test with its place, so a new
f-string family must be listed here.
"""
import ast
import re
import string
from pathlib import Path

import pytest

from grader import batch, html_report, rubric, sandbox, source, users
from grader.checks import BY_ID, CHECKS
from grader.grade import grade
from grader.messages import EN, RU, Msg, Names, Parts, render
from grader.reasons import Reason

GRADER = Path(__file__).resolve().parent.parent / "grader"
ROOT = GRADER.parent

# Keys not written out at the call: (file, the key's source) -> every key it can be.
FAMILIES = {
    ("harness.py", "f'down.limit.{kind}'"): {f"down.limit.{kind}" for kind in ("disk_files", "disk_bytes")},
    ("extract.py", "f'report.origin.{role}'"): {f"report.origin.{role}" for role in ("server", "client")},
    ("registry.py", "self.title_key"): {c.title_key for c in CHECKS},
    ("facts.py", "newer[0]"): {key for _, key, _ in source.NEWER_SYNTAX},
    ("grade.py", "feature"): {key for _, key, _ in source.NEWER_SYNTAX},
    # verdict._message wraps only a Reason member (isinstance test): the enum's own test covers it
    ("verdict.py", "reason"): set(),
    ("report.py", "f'transcript.{event}'"): {f"transcript.{e}" for e in ("sent", "typed", "got", "printed", "server", "note")},
    ("users.py", "LEAVE_NOTES[step.action]"): {str(r) for r in users.LEAVE_NOTES.values()},
    ("html_report.py", "f'html.status.{status}'"): {f"html.status.{s}" for s in html_report.STATUSES},
    ("html_report.py", "f'html.status.{s}'"): {f"html.status.{s}" for s in html_report.STATUSES},
    ("batch.py", "f'read.shape.{k}'"): {f"read.shape.{k}" for k in batch.SHAPES},
}
# Functions that hand a key parameter on to Msg: (file glob, function name) -> the key's position.
FORWARDERS = {("report.py", "say"): 0, ("batch.py", "say"): 0, ("html_report.py", "say"): 0, ("scenarios/*.py", "note"): 1}
# Verdict constructors: a Reason given to them is a key (a Msg or Parts given to them is not).
CONSTRUCTORS = {"ok", "partial", "fail", "skip", "error"}


def blanks(template):
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def keys_of(node: ast.AST) -> set[str] | None:
    """The keys a key expression can give, or None when it is not one we can read."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return {node.value}
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in ("R", "Reason"):
        member = getattr(Reason, node.attr, None)
        return {member.value} if isinstance(member, Reason) else {f"<no Reason.{node.attr}>"}
    if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "plural" and len(node.args) == 3:
        one, many = keys_of(node.args[0]), keys_of(node.args[1])
        return None if one is None or many is None else one | many
    if isinstance(node, ast.IfExp):
        yes, no = keys_of(node.body), keys_of(node.orelse)
        return None if yes is None or no is None else yes | no
    return None


def enclosing_functions(tree: ast.AST) -> dict[ast.AST, ast.FunctionDef]:
    """Each node's innermost enclosing function (ast.walk visits outer functions before inner ones)."""
    inside = {}
    for func in ast.walk(tree):
        if isinstance(func, (ast.FunctionDef, ast.AsyncFunctionDef)):
            inside.update({node: func for node in ast.walk(func)})
    return inside


def used_keys(sources: dict[str, str]) -> tuple[set[str], list[str]]:
    """Every key the code can build, and the places whose key cannot be read (neither listed nor constant)."""
    used, unreadable = set(), []
    forwarders = {}
    for (pattern, name), position in FORWARDERS.items():
        forwarders.update({(rel, name): position for rel in sources if Path(rel).match(pattern)})
    for rel, text in sources.items():
        tree = ast.parse(text)
        inside = enclosing_functions(tree)
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            called = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
            # fail(R.X) gives a key; fail(e.msg) a message built elsewhere
            if getattr(node.func, "id", None) in CONSTRUCTORS and node.args:
                used |= keys_of(node.args[0]) or set()
                continue
            position = 0 if called == "Msg" else forwarders.get((rel, called))
            if position is None or len(node.args) <= position:
                continue
            arg = node.args[position]
            found = keys_of(arg)
            if found is None:
                found = FAMILIES.get((rel, ast.unparse(arg)))
            func = inside.get(node)
            if found is None and func and (rel, func.name) in forwarders and isinstance(arg, ast.Name) \
                    and arg.id in [a.arg for a in func.args.args]:
                found = set()   # the forwarder's own parameter: its callers are read instead
            if found is None:
                unreadable.append(f"{rel}:{node.lineno}: {ast.unparse(node)[:80]}")
            else:
                used |= found
    return used, unreadable


def grader_sources() -> dict[str, str]:
    return {p.relative_to(GRADER).as_posix(): p.read_text(encoding="utf-8") for p in GRADER.rglob("*.py")}


def test_same_keys_in_both_languages():
    assert sorted(set(EN) - set(RU)) == [] and sorted(set(RU) - set(EN)) == []


def test_same_blanks_in_both_languages():
    assert [key for key in EN if blanks(EN[key]) != blanks(RU.get(key, ""))] == []


def test_every_reason_is_in_both_catalogs():
    assert [r.value for r in Reason if r.value not in EN or r.value not in RU] == []


def test_every_check_title_is_in_both_catalogs():
    assert [c.title_key for c in CHECKS if c.title_key not in EN or c.title_key not in RU] == []


def test_every_key_the_code_uses_exists():
    used, unreadable = used_keys(grader_sources())
    assert unreadable == [], "keys the test cannot read: write them out, or list them in FAMILIES"
    assert len(used) > 100 and sorted(used - set(EN)) == []


def test_the_families_list_values_the_code_can_take():
    assert all(hasattr(sandbox.Limits(), kind.removeprefix("down.limit.")) for kind in
               FAMILIES[("harness.py", "f'down.limit.{kind}'")])
    used, _ = used_keys(grader_sources())
    assert {"down.limit.disk_bytes", "report.origin.client", "title.slow_reader", "syntax.match",
            "report.head", "class.head.lost", "transcript.connected", "leave.none.many"} <= used


@pytest.mark.parametrize("code, missing", [
    ('Msg("no.such.key")', "no.such.key"),
    ('Msg("ok" if x else "nor.this")', "nor.this"),
    ("Msg(R.NO_SUCH_REASON)", "<no Reason.NO_SUCH_REASON>"),
    ("Msg(plural(R.ECHO_ONE, R.NOPE, x))", "<no Reason.NOPE>"),
    ('say("report.nope")', "report.nope"),
])
def test_a_missing_key_is_caught(code, missing):
    used, unreadable = used_keys({"report.py": f"def f():\n    {code}\n"})
    assert unreadable == [] and missing in used - set(EN)


@pytest.mark.parametrize("code", ['Msg(f"title.{name}")', "Msg(some_key)", 'Msg("a" + b)',
                                  "Msg(key)\ndef say(key):\n    Msg(key + 'x')"])
def test_a_key_the_test_cannot_read_is_caught(code):
    assert used_keys({"checks.py": f"def f():\n    {code}\n"})[1] != []


def test_rendering_names_parts_and_nesting():
    msg = Msg("join.missed.many", newcomer="Carol", watchers=Names(["Alice", "Bob", Msg("console")]))
    assert msg.render("en") == "when Carol joined, Alice, Bob and the server's console were not told"
    assert msg.render("ru") == "когда вошёл(ла) Carol, об этом не узнали Alice, Bob и консоль сервера"
    parts = Parts([Msg("survive.missed", sender="Alice", who=Names(["Bob"])), Msg("survive.two.ok")])
    assert render(parts, "en").count("; ") == 1
    assert Msg(Reason.SURVIVE_TWO_OK).render("ru") == Msg("survive.two.ok").render("ru")


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

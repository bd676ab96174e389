"""The richer facts of grader.source for code that does not parse, read from its text: the same keys
as grader.source_readers.from_tree gives, found by patterns instead of the AST (a name prefix, the
passwords and the Enter pressed first need the AST, and are left empty)."""
from __future__ import annotations

import ast
import re

from .source_readers import (MAX_PORT, MAX_WIRE_FORM, MULTIPLEXERS, ROLE_ANSWER, SENDING, THREAD_POOLS, _unique,
                             _word_role, asks_for_name, asks_for_role)

LITERAL = re.compile(r"""[bBrRuUfF]{0,2}('(?:\\.|[^'\\\n])*'|"(?:\\.|[^"\\\n])*")""")
SAID = re.compile(LITERAL.pattern + r"(?!\s*[\]:])")   # a literal that is not a dict key or an index
IMPORT_LINE = re.compile(r"^\s*import\s+([\w.]+(?:\s+as\s+\w+)?(?:\s*,\s*[\w.]+(?:\s+as\s+\w+)?)*)", re.M)
FROM_LINE = re.compile(r"^\s*from\s+([\w.]+)\s+import\b", re.M)
TEXT_THREADS = [(re.compile(r"(?<![\w.])(threading\.)?Thread\s*\("), "Thread"),
                (re.compile(r"^\s*class\s+\w+\s*\((threading\.)?Thread\s*\)", re.M), "subclass"),
                (re.compile(r"Thread\.__init__\s*\("), "Thread.__init__"),
                (re.compile(r"start_new_thread\s*\("), "start_new_thread"),
                *((re.compile(rf"\b{name}\b"), name) for name in sorted(THREAD_POOLS))]
TEXT_FRAMING = [(re.compile(r"\b(readlines?|makefile|splitlines)\s*\(|['\"]\\r?\\n['\"]"), "lines"),
                (re.compile(r"\bstruct\.(un)?pack|\.(from|to)_bytes\s*\(|\.recv\w*\(\s*4\s*\)"), "length_prefix"),
                (re.compile(r"\bjson\.(dumps|loads|dump|load)\s*\("), "json")]
TEXT_PROMPT = re.compile(r"""\binput\s*\(\s*[fFrRuU]?('(?:\\.|[^'\\\n])*'|"(?:\\.|[^"\\\n])*")""")
TEXT_SPLIT = re.compile(r"""\.(?:r?split|r?partition)\(\s*([bB]?('(?:\\.|[^'\\\n])*'|"(?:\\.|[^"\\\n])*"))""")
TEXT_ARGPARSE = re.compile(r"""add_argument\(\s*((?:['"][^'"\n]*['"]\s*,?\s*)+)""")
TEXT_WIRE = re.compile(r"""(?:[=!]=|\bin|startswith\()\s*([bB]?(?:'(?:\\.|[^'\\\n])*'|"(?:\\.|[^"\\\n])*"))""")
TEXT_KEY = re.compile(r"""(?:\[|\.get\()\s*['"](\w+)['"]\s*[\],)]""")
TEXT_COMPARED = re.compile(r"""==\s*['"]([^'"\n]{1,12})['"]""")
TEXT_PORTS = [re.compile(r"(?i)\bport\w*\s*[:=]\s*(?:int\s*\(\s*)?(\d{1,5})\b"),
              re.compile(r"""\(\s*(?:['"][^'"\n]*['"]|\w+)\s*,\s*(\d{1,5})\s*\)""")]
# The indented lines under `except ... KeyboardInterrupt ...:`.
TEXT_INTERRUPT = re.compile(r"^([ \t]*)except\b[^\n]*\bKeyboardInterrupt\b[^\n]*:[ \t]*\n((?:\1[ \t]+\S[^\n]*\n|[ \t]*\n)*)", re.M)


def _literal(quoted: str) -> str | None:
    try:
        value = ast.literal_eval(quoted)
    except (ValueError, SyntaxError):
        return None
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else value if isinstance(value, str) else None


def from_text(text: str) -> dict[str, object]:
    imports = {name.split()[0] for line in IMPORT_LINE.findall(text) for name in line.split(",")}
    imports |= set(FROM_LINE.findall(text))
    prompts = _unique(p for q in TEXT_PROMPT.findall(text) for p in [_literal(q)] if p is not None)
    role_prompts = tuple(p for p in prompts if asks_for_role(p))
    return {
        "imports": frozenset(imports),
        "threads": frozenset(kind for pattern, kind in TEXT_THREADS if pattern.search(text)),
        "multiplexing": frozenset(MULTIPLEXERS & ({m.split(".")[0] for m in imports} |
                                                 set(re.findall(r"\b(select|selectors|asyncio)\.\w", text)))),
        "framing": frozenset(kind for pattern, kind in TEXT_FRAMING if pattern.search(text)),
        "name_prompts": _unique(s for q in SAID.findall(text) for s in [_literal(q)] if s and asks_for_name(s)),
        "keyboard": frozenset(k for k, p in (("input", r"\binput\s*\("), ("sys.stdin", r"\bstdin\b")) if re.search(p, text)),
        "input_prompts": prompts,
        "role_prompts": role_prompts,
        "role_answers": _unique(s for s in TEXT_COMPARED.findall(text) if ROLE_ANSWER.match(s)) if role_prompts else (),
        "role_choices": _unique((s, _word_role(s)) for s in TEXT_COMPARED.findall(text)
                                if ROLE_ANSWER.match(s) and _word_role(s)) if role_prompts else (),
        "argv_indexes": frozenset(int(n) for n in re.findall(r"\bargv\s*\[\s*(\d+)\s*\]", text)),
        "argparse_names": _unique(s for group in TEXT_ARGPARSE.findall(text)
                                  for q in LITERAL.findall(group) for s in [_literal(q)] if s is not None),
        "split_on": _unique(s for q, _ in TEXT_SPLIT.findall(text) for s in [_literal(q)] if s is not None),
        "interrupt_sends": _unique(s.strip() for _, body in TEXT_INTERRUPT.findall(text)
                                   for line in body.splitlines() if SENDING.search(line)
                                   for q in LITERAL.findall(line) for s in [_literal(q)] if s and s.strip()),
        "port_literals": frozenset(int(n) for p in TEXT_PORTS for n in p.findall(text) if 0 < int(n) <= MAX_PORT),
        "wire_forms": _unique(s for q in TEXT_WIRE.findall(text) for s in [_literal(q)]
                              if s and s.strip() and len(s) <= MAX_WIRE_FORM),
        "keys_read": _unique(TEXT_KEY.findall(text)),
        "name_prefix": None,
        "secrets": (),
        "enter_first": 0,
        "menu": (),
    }

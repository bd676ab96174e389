"""Pull the server and client code out of a report (Markdown, plain text or a Jupyter notebook).

Students hand in reports with the code in fenced blocks under headings such as "Код сервера" or
"client.py", with screenshots and shell lines in between. A block is the server's or the client's by
what its code does (bind/listen/accept, or connect) first, and by the heading and text above it
second; blocks that are neither are ignored.
"""
from __future__ import annotations

import json
import re
import textwrap
from dataclasses import dataclass

from . import source
from .messages import Msg, MsgError

FENCE = re.compile(r"^[ \t]{0,3}(`{3,}|~{3,})\s*([\w+-]*)")
CODE_LANGS = {"", "py", "python", "python3", "py3", "ipython", "ipython3"}
CONTEXT = 400   # characters of text above a block that may say what it is


class ReportError(MsgError):
    """No usable code in the report."""


@dataclass
class Block:
    code: str
    line: int          # where the block starts in the report (1-based); for a notebook, the cell number
    context: str       # the heading and text above it
    where: Msg         # "line 14" or "cell 3", for messages

    @property
    def role(self) -> str | None:
        return source.facts(self.code).role(" ".join(self.context.strip().split("\n")[-3:]))


def blocks_of_markdown(text: str) -> list[Block]:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = text.split("\n")
    blocks: list[Block] = []
    prose: list[str] = []
    i = 0
    while i < len(lines):
        match = FENCE.match(lines[i])
        if not match:
            prose.append(lines[i])
            i += 1
            continue
        fence, lang = match.group(1), match.group(2).lower()
        start, body = i + 1, []
        i += 1
        while i < len(lines) and not lines[i].lstrip().startswith(fence):
            body.append(lines[i])
            i += 1
        i += 1  # the closing fence (or the end of an unclosed block)
        if lang in CODE_LANGS:
            blocks.append(Block(_dedent(body), start + 1, "\n".join(prose)[-CONTEXT:],
                                Msg("report.where.line", number=start + 1)))
        prose = []
    return blocks


def blocks_of_notebook(name: str, text: str) -> list[Block]:
    try:
        cells = json.loads(text)["cells"]
    except (ValueError, KeyError, TypeError):
        raise ReportError(Msg("report.notebook", name=name)) from None
    blocks, prose = [], ""
    for number, cell in enumerate(cells, 1):
        source = cell.get("source", "")
        source = "".join(source) if isinstance(source, list) else str(source)
        if cell.get("cell_type") == "code":
            lines = [ln for ln in source.split("\n") if not ln.lstrip().startswith(("%", "!"))]
            blocks.append(Block(_dedent(lines), number, prose[-CONTEXT:], Msg("report.where.cell", number=number)))
            prose = ""
        else:
            inner = blocks_of_markdown(source)
            for b in inner:
                b.line, b.where = number, Msg("report.where.cell", number=number)
            blocks += inner
            prose = source if not inner else ""
    return blocks


def _dedent(lines: list[str]) -> str:
    # Leading blank lines stay, so that line N of the code is line N of the block in the report.
    return textwrap.dedent("\n".join(lines).expandtabs(4) if _only_indent_tabs(lines) else "\n".join(lines)).rstrip("\n") + "\n"


def _only_indent_tabs(lines: list[str]) -> bool:
    """A block indented with a tab as a whole (common when pasted into a list item)."""
    code = [ln for ln in lines if ln.strip()]
    return bool(code) and all(ln.startswith("\t") for ln in code)


@dataclass
class Origin:
    """Where a report had a program: for messages, and to turn its line numbers into the report's."""
    msg: Msg
    first_line: int | None    # the report's line of the program's line 1 (None in a notebook)

    def __str__(self) -> str:
        return str(self.msg)


def code_files(name: str, text: str, notebook: bool = False) -> tuple[dict[str, str], dict[str, Origin]]:
    """Files to grade from a report: ({"server.py": code, "client.py": code}, {file: where it came from})."""
    blocks = blocks_of_notebook(name, text) if notebook else blocks_of_markdown(text)
    if not blocks:
        raise ReportError(Msg("report.no_blocks", name=name))
    chosen: dict[str, Block] = {}
    for block in blocks:
        role = block.role
        if role is None:
            continue
        if role == "both":
            chosen.setdefault("server", block)
            continue
        # A report often shows a fragment first and the whole program later: keep the longest.
        if role not in chosen or len(block.code) > len(chosen[role].code):
            chosen[role] = block
    if "server" not in chosen:
        raise ReportError(Msg("report.no_server", name=name, count=len(blocks)))
    _refuse_split_server(name, blocks, chosen["server"])
    files, origins = {}, {}
    for role in ("server", "client"):
        if role in chosen:
            block = chosen[role]
            files[f"{role}.py"] = block.code
            origins[f"{role}.py"] = Origin(Msg(f"report.origin.{role}", name=name, where=block.where),
                                           None if notebook else block.line)
    return files, origins


def _refuse_split_server(name: str, blocks: list[Block], server: Block) -> None:
    """A server pasted in two blocks cannot be graded block by block: the block the grader would run
    uses what another block defines. Say so, rather than let the student read a NameError."""
    mine = source.facts(server.code)
    for other in blocks:
        theirs = source.facts(other.code)
        if other is server or theirs.connects:
            continue
        imports_missing = theirs.says_import_socket and not mine.says_import_socket
        used = (theirs.definitions - mine.definitions) & mine.words
        if imports_missing or used:
            raise ReportError(Msg("report.split", name=name, first=other.where, second=server.where))

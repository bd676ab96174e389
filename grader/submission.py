"""Find the server and the client in a hand-in, whatever shape it came in.

`load(path)` is the one entry point: it stages the submission's code in a temporary folder of its
own (so a sandboxed run never sees the rest of the teacher's disk) and says how to start the server
and, if there is one, the student's own client.
"""
from __future__ import annotations

import re
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from . import extract, source
from .messages import Msg, MsgError


class SubmissionError(MsgError):
    """The hand-in cannot be graded at all; `msg` is one line for the person running the grader."""


@dataclass(frozen=True)
class Entry:
    script: str                      # path relative to Submission.root
    args: tuple[str, ...] = ()       # "{name}" stands for the user's name
    typed: str = ""                  # typed on its console as it starts (the answer to "server or client?")


@dataclass
class Submission:
    label: str
    root: Path
    server: Entry
    client: Entry | None
    sources: dict[str, str] = field(default_factory=dict)
    origins: dict[str, extract.Origin] = field(default_factory=dict)   # script -> where a report had it

    def facts(self, script: str) -> source.Facts:
        """What the code of `script` says (a file that is not there says nothing)."""
        return source.facts(self.sources.get(script, ""))

    @property
    def server_facts(self) -> source.Facts:
        return self.facts(self.server.script)

    @property
    def client_facts(self) -> source.Facts:
        return self.facts(self.client.script if self.client else "")

    def cleanup(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self) -> "Submission":
        return self

    def __exit__(self, *exc) -> None:
        self.cleanup()


SERVER_NAME = re.compile(r"serv|сервер|серв", re.I)
CLIENT_NAME = re.compile(r"client|клиент|клиєнт|user", re.I)
REPORT_SUFFIXES = (".md", ".markdown", ".txt", ".ipynb")
SKIP_DIRS = {"__pycache__", ".git", ".venv", "venv", "env", ".idea", ".vscode", "node_modules"}
MAX_FILE = 1 << 20
MAX_FILES = 200


def read_text(path: Path) -> str:
    data = path.read_bytes()
    for encoding in ("utf-8-sig", "cp1251"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("utf-8", "replace")


def load(path: str | Path) -> Submission:
    path = Path(path)
    if not path.exists():
        raise SubmissionError(Msg("sub.missing", path=path))
    origins: dict[str, extract.Origin] = {}
    try:
        if path.is_dir():
            files = _collect(path)
            if not any(rel.endswith(".py") for rel in files):
                reports = sorted((p for p in files.values() if p.suffix.lower() in REPORT_SUFFIXES),
                                 key=lambda p: p.stem.lower() == "readme")
                if reports:  # the one with a server; else the first, to say what is wrong with it
                    return load(_report_with_server(reports) or reports[0])
            sources = {rel: read_text(p) for rel, p in files.items() if rel.endswith(".py")}
        elif path.suffix.lower() == ".py":
            files = {path.name: path}
            sources = {path.name: read_text(path)}
        elif path.suffix.lower() in REPORT_SUFFIXES:
            files = {}
            sources, origins = extract.code_files(path.name, read_text(path), notebook=path.suffix.lower() == ".ipynb")
        else:
            raise SubmissionError(Msg("sub.kind", path=path))
    except OSError as e:
        raise SubmissionError(Msg("sub.unreadable", path=path, error=e.strerror or e)) from None
    except extract.ReportError as e:
        raise SubmissionError(e.msg) from None
    if not sources:
        raise SubmissionError(Msg("sub.no_python", path=path))
    server, client = _choose(sources)
    if server is None:
        raise SubmissionError(Msg("sub.no_server", path=path))
    root = Path(tempfile.mkdtemp(prefix="grader-sub-"))
    try:
        for rel, p in files.items():
            (root / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(p, root / rel)
        for rel, text in sources.items():
            if rel not in files:
                (root / rel).write_text(text, encoding="utf-8")
    except OSError as e:
        shutil.rmtree(root, ignore_errors=True)
        raise SubmissionError(Msg("sub.unreadable", path=path, error=e.strerror or e)) from None
    return Submission(label=str(path), root=root, server=server, client=client, sources=sources, origins=origins)


def looks_like_submission_folder(folder: Path) -> bool:
    """One student's files, rather than a folder with an entry (a folder, a file, a report) per student."""
    entries = [p for p in folder.iterdir() if not p.name.startswith(".") and p.name not in SKIP_DIRS]
    code = [p for p in entries if p.is_file() and p.suffix == ".py"]
    folders = [p for p in entries if p.is_dir() and _holds_code(p)]
    reports = [p for p in entries if p.is_file() and p.suffix.lower() in REPORT_SUFFIXES and _report_with_server([p])]
    if code and not folders:
        # Several programs that are each a whole server are several students' single files.
        servers = [p for p in code if source.facts(read_text(p)).serves]
        return not (len(servers) >= 2 and len(servers) == len(code))
    # One folder with the code (a zip unpacked with its own folder), or one report, is one student's.
    return len(code) + len(folders) + len(reports) <= 1


def _report_with_server(reports: list[Path]) -> Path | None:
    """The report that holds a server, of those in a folder (a README beside the report has none)."""
    for report in reports:
        try:
            extract.code_files(report.name, read_text(report), notebook=report.suffix.lower() == ".ipynb")
        except (extract.ReportError, OSError):
            continue
        return report
    return None


def _holds_code(folder: Path) -> bool:
    return any(p.suffix.lower() in (".py", *REPORT_SUFFIXES) for p in folder.rglob("*") if p.is_file())


def _collect(folder: Path) -> dict[str, Path]:
    files: dict[str, Path] = {}
    for p in sorted(folder.rglob("*")):
        rel = p.relative_to(folder)
        if any(part in SKIP_DIRS or part.startswith(".") for part in rel.parts):
            continue
        if p.is_file() and not p.is_symlink() and p.stat().st_size <= MAX_FILE:
            files[rel.as_posix()] = p
            if len(files) >= MAX_FILES:
                break
    return files


def _choose(sources: dict[str, str]) -> tuple[Entry | None, Entry | None]:
    """Pick the server and client scripts, by file name first and by what the code does second."""
    def named(pattern: re.Pattern, rels: list[str]) -> list[str]:
        return [r for r in rels if pattern.search(Path(r).stem)]

    facts = {r: source.facts(t) for r, t in sources.items()}
    servers = [r for r, f in facts.items() if f.serves]
    # Among several candidates, a server file named like one wins; then one that does not read the keyboard.
    servers.sort(key=lambda r: (not SERVER_NAME.search(Path(r).stem), facts[r].calls_input))
    if not servers:
        return None, None
    server = servers[0]
    clients = [r for r, f in facts.items() if r != server and f.connects]
    client = (named(CLIENT_NAME, clients) or [r for r in clients if not SERVER_NAME.search(Path(r).stem)] or [None])[0]
    mine = facts[server]
    if client is None and mine.connects and mine.both_modes:
        # One file with both modes, chosen on the command line: `python chat.py server` / `client NAME`.
        client_args = ("client", "{name}") if mine.takes_name_arg else ("client",)
        return Entry(server, ("server",)), Entry(server, client_args)
    if client is None and mine.connects and mine.role_prompts and _role_answer(mine, "server") is not None:
        # One file that asks on its console which role to play: type what its code compares the answer with.
        answer = _role_answer(mine, "client")
        return (Entry(server, typed=_role_answer(mine, "server") + "\n"),
                Entry(server, typed=answer + "\n") if answer is not None else None)
    return Entry(server), (Entry(client) if client else None)


def _role_answer(facts: source.Facts, role: str) -> str | None:
    """What to type for `role` at a role prompt: the first answer compared for it, else "" for an
    `else` branch that leads to it; None if the code shows no way there."""
    answers = [answer for answer, leads_to in facts.role_choices if leads_to == role]
    return next((a for a in answers if a), answers[0] if answers else None)

"""Find the server and the client in a hand-in, whatever shape it came in.

`load(path)` is the one entry point: it stages the submission's code in a temporary folder of its
own (so a sandboxed run never sees the rest of the teacher's disk) and says how to start the server
and, if there is one, the student's own client (`choose(path)` says the same without staging).

`looks_like_submission_folder(folder)` tells one student's folder from a class. A class is a folder
whose entries (`folder_entries`) each hold a whole chat, that is a server with or without its client:
single-file programs, folders, reports (`entry_kind`). One student's files are never split:
- a .py file without a server (a client, `reader.py` beside `sender.py`, a copy `client2.py`, a UDP
  client that binds its own port, a helper module) beside a server file makes the folder's files one
  hand-in, with the folders and reports beside them its extras and write-up;
- a folder without a server (`client/` beside `server/`) is a part, not a student;
- reports beside .py files are that code's write-up, unless the .py files are a class themselves.
Of the student's programs, the server is the one that serves (by name first), and the client the
scripted users type into is the one that reads the keyboard (then by name): `sender.py`, not `reader.py`.
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
TEACHER_SUFFIXES = (".json", ".csv", ".html", ".htm")
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
    path, files, sources, origins = _gather(Path(path))   # a folder holding only a report is read as the report
    server, client = _chosen(path, sources)
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


def choose(path: str | Path) -> tuple[Path, Entry, Entry | None, list[str]]:
    """What `load(path)` would read (`path`, or the report a folder holds), the server and client it
    would start, and the other programs there are; nothing is staged."""
    read, _, sources, _ = _gather(Path(path))
    server, client = _chosen(read, sources)
    used = {server.script} | ({client.script} if client else set())
    return read, server, client, [rel for rel in sources if rel not in used]


def _gather(path: Path) -> tuple[Path, dict[str, Path], dict[str, str], dict[str, extract.Origin]]:
    """The path read (a folder's report, if it holds no .py), the files to stage, the code of the
    programs (rel -> text), and where a report had them."""
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
                    return _gather(_report_with_server(reports) or reports[0])
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
    return path, files, sources, origins


def _chosen(path: Path, sources: dict[str, str]) -> tuple[Entry, Entry | None]:
    server, client = _choose(sources)
    if server is None:
        raise SubmissionError(Msg("sub.no_server", path=path))
    return server, client


def folder_entries(folder: Path) -> list[Path]:
    """A folder's entries that may be a student's or part of one: not hidden, not a tool folder
    (SKIP_DIRS), not the teacher's own files (TEACHER_SUFFIXES: expected verdicts, a gradebook)."""
    return [p for p in sorted(folder.iterdir()) if not p.name.startswith(".") and p.name not in SKIP_DIRS
            and not (p.is_file() and p.suffix.lower() in TEACHER_SUFFIXES)]


def entry_kind(entry: Path) -> str | None:
    """What a folder's entry is: "file" (a .py program with a server), "part" (a .py without one),
    "folder" (a folder with a server), "part_folder" (with code but no server), "report" (a report
    with a server); None for anything else (an archive, a README without code, a picture)."""
    try:
        if entry.is_dir():
            return _folder_kind(entry)
        if entry.suffix.lower() == ".py" and entry.stat().st_size <= MAX_FILE:
            return "file" if source.facts(read_text(entry)).role(entry.stem) in ("server", "both") else "part"
        if entry.suffix.lower() in REPORT_SUFFIXES and _report_with_server([entry]):
            return "report"
    except OSError:
        pass
    return None


def _folder_kind(folder: Path) -> str | None:
    """A folder holds a server when the loader would find one in it."""
    try:
        _, _, sources, _ = _gather(folder)
    except SubmissionError:
        return "part_folder" if _holds_code(folder) else None
    return "folder" if _choose(sources)[0] else "part_folder"


def looks_like_submission_folder(folder: Path) -> bool:
    """One student's files rather than a class (the rule is in the module's docstring)."""
    kinds = [entry_kind(p) for p in folder_entries(folder)]
    programs = kinds.count("file")
    if programs and "part" in kinds:
        return True
    code = programs + kinds.count("part")
    reports = kinds.count("report") if code == 0 or programs >= 2 else 0
    return programs + kinds.count("folder") + reports <= 1


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
    """Pick the server and client scripts: of the programs that serve, one named like a server, then
    one that is not a UDP client binding its own port, then one that does not read the keyboard; of
    those that connect (and are not named like a server), the one a user types into, then by name."""
    facts = {r: source.facts(t) for r, t in sources.items()}
    stem = {r: Path(r).stem for r in sources}
    servers = [r for r, f in facts.items() if f.serves]
    servers.sort(key=lambda r: (not SERVER_NAME.search(stem[r]), facts[r].role(stem[r]) == "client",
                                facts[r].calls_input))
    if not servers:
        return None, None
    server = servers[0]
    clients = [r for r, f in facts.items() if r != server and f.connects
               and (CLIENT_NAME.search(stem[r]) or not SERVER_NAME.search(stem[r]))]
    # sender.py, not reader.py: the scripted users type; copies client1..3.py: the first
    clients.sort(key=lambda r: (not (facts[r].keyboard or facts[r].calls_input), not CLIENT_NAME.search(stem[r])))
    client = clients[0] if clients else None
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
    return (Entry(server, typed="\n" * mine.enter_first),
            Entry(client, typed="\n" * facts[client].enter_first) if client else None)


def _role_answer(facts: source.Facts, role: str) -> str | None:
    """What to type for `role` at a role prompt: the first answer compared for it, else "" for an
    `else` branch that leads to it; None if the code shows no way there."""
    answers = [answer for answer, leads_to in facts.role_choices if leads_to == role]
    return next((a for a in answers if a), answers[0] if answers else None)

"""Unpack a student's .zip or tarball from a class folder into a folder of the grader's, safely.

Hand-ins often come as archives straight from the course site. An archive is refused whole (its
student gets a row that says why) when a member would land outside the folder (an absolute path, a
`..`), is a link, a device or a FIFO, or when its members add up to more than the sandbox lets a
student's program write (sandbox.Limits.disk_bytes, disk_files): the same bounds as for the running
code. Bytes are counted as they are written, not taken from the headers, which can lie (a zip bomb).
Names in a zip made on Russian Windows are cp866 without the UTF-8 flag; they are read as such, so
`сервер.py` keeps its name.
"""
from __future__ import annotations

import stat
import tarfile
import zipfile
from pathlib import Path, PurePosixPath
from typing import IO

from .messages import Msg, MsgError
from .sandbox import Limits

SUFFIXES = (".zip", ".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tar.xz")
CHUNK = 1 << 16
UTF8_FLAG = 0x800   # zip general-purpose bit 11: the name is UTF-8


class ArchiveError(MsgError):
    """The archive cannot be unpacked safely; `msg` says why in one line."""


def is_archive(path: Path) -> bool:
    return path.is_file() and path.name.lower().endswith(SUFFIXES)


def stem(path: Path) -> str:
    """The name without its archive suffix: ivanov.tar.gz -> ivanov."""
    name = path.name
    for suffix in sorted(SUFFIXES, key=len, reverse=True):
        if name.lower().endswith(suffix):
            return name[:-len(suffix)]
    return path.stem


def unpack(archive: Path, dest: Path, label: str, limits: Limits = Limits()) -> None:
    """Unpack `archive` into the new folder `dest`; raises ArchiveError naming `label` if it cannot be
    done safely or within the limits (what was written so far stays for the caller to remove)."""
    dest.mkdir(parents=True)
    budget = _Budget(label, limits)
    try:
        if archive.name.lower().endswith(".zip"):
            _unzip(archive, dest, budget)
        else:
            _untar(archive, dest, budget)
    except ArchiveError:
        raise
    except Exception as e:  # noqa: BLE001 - the archive is the student's: whatever its parser raises
        # (BadZipFile, TarError, EOFError, zlib.error, struct.error, RuntimeError for an encrypted zip,
        # NotImplementedError for a compression zipfile lacks...) costs that student's row only
        raise ArchiveError(Msg("archive.unreadable", name=label, error=getattr(e, "strerror", None) or e)) from None


class _Budget:
    """What the archive has written so far, against the sandbox's limits."""

    def __init__(self, label: str, limits: Limits):
        self.label, self.limits = label, limits
        self.files = self.bytes = 0

    def member(self) -> None:
        self.files += 1
        if self.files > self.limits.disk_files:
            raise ArchiveError(Msg("archive.too_many", name=self.label, files=self.limits.disk_files))

    def copy(self, src: IO[bytes], target: Path) -> None:
        target.parent.mkdir(parents=True, exist_ok=True)
        with open(target, "wb") as out:
            while chunk := src.read(CHUNK):
                self.bytes += len(chunk)
                if self.bytes > self.limits.disk_bytes:
                    raise ArchiveError(Msg("archive.too_big", name=self.label, mib=self.limits.disk_bytes >> 20))
                out.write(chunk)


def _inside(dest: Path, name: str, label: str) -> Path | None:
    """Where member `name` goes under dest; None for the archive's root itself. A name that would
    leave dest (absolute, a drive, `..`) is refused."""
    path = PurePosixPath(name.replace("\\", "/"))
    parts = [p for p in path.parts if p not in ("", ".")]
    if path.is_absolute() or ".." in parts or (parts and ":" in parts[0]):
        raise ArchiveError(Msg("archive.outside", name=label, member=name))
    return dest.joinpath(*parts) if parts else None


def _zip_name(info: zipfile.ZipInfo) -> str:
    if info.flag_bits & UTF8_FLAG:
        return info.filename
    try:
        return info.filename.encode("cp437").decode("cp866")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return info.filename


def _unzip(archive: Path, dest: Path, budget: _Budget) -> None:
    with zipfile.ZipFile(archive) as z:
        for info in z.infolist():
            budget.member()
            name = _zip_name(info)
            target = _inside(dest, name, budget.label)
            kind = stat.S_IFMT(info.external_attr >> 16)   # a Unix file type, if the zip has one
            if kind and kind not in (stat.S_IFREG, stat.S_IFDIR):
                raise ArchiveError(Msg("archive.special", name=budget.label, member=name))
            if target is None:
                continue
            if info.is_dir():
                target.mkdir(parents=True, exist_ok=True)
                continue
            with z.open(info) as src:
                budget.copy(src, target)


def _untar(archive: Path, dest: Path, budget: _Budget) -> None:
    with tarfile.open(archive) as tar:
        for member in tar:   # one member at a time: a tarball of a million entries stops at the limit
            budget.member()
            target = _inside(dest, member.name, budget.label)
            if not (member.isreg() or member.isdir()):
                raise ArchiveError(Msg("archive.special", name=budget.label, member=member.name))
            if target is None:
                continue
            if member.isdir():
                target.mkdir(parents=True, exist_ok=True)
                continue
            src = tar.extractfile(member)
            if src is not None:
                budget.copy(src, target)

"""No silent loss in a class (issue 14): an archive is unpacked and graded, or refused with a reason
(a path outside its folder, a link or a device, more than the sandbox's file or byte limits); any
other entry the grader cannot read gets an error row; every row names its entry relative to the
class folder."""
import io
import json
import os
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

from grader import archives
from grader.archives import ArchiveError, unpack
from grader.sandbox import Limits

ROOT = Path(__file__).resolve().parent.parent
BROKEN = "import socket\ns = socket.socket()\ns.bind(('', 5555)\ns.listen()\n"   # fails at once: cheap to grade
CLIENT = "import socket\ns = socket.socket()\ns.connect(('127.0.0.1', 5555))\n"


def make_zip(path: Path, members: dict[str, bytes], unix_modes: dict[str, int] | None = None) -> Path:
    with zipfile.ZipFile(path, "w") as z:
        for name, data in members.items():
            info = zipfile.ZipInfo(name)
            if unix_modes and name in unix_modes:
                info.external_attr = unix_modes[name] << 16
            z.writestr(info, data)
    return path


def make_tar(path: Path, members: list[tarfile.TarInfo | tuple[str, bytes]]) -> Path:
    with tarfile.open(path, "w:gz") as tar:
        for m in members:
            if isinstance(m, tarfile.TarInfo):
                tar.addfile(m)
            else:
                info = tarfile.TarInfo(m[0])
                info.size = len(m[1])
                tar.addfile(info, io.BytesIO(m[1]))
    return path


def refused(archive: Path, tmp_path: Path, limits: Limits = Limits()) -> str:
    with pytest.raises(ArchiveError) as e:
        unpack(archive, tmp_path / "out", archive.name, limits)
    return str(e.value)


def test_a_zip_and_a_tarball_unpack_with_their_folders(tmp_path):
    make_zip(tmp_path / "ivanov.zip", {"lab3/": b"", "lab3/server.py": b"print(1)\n", "lab3/client.py": b"x"})
    unpack(tmp_path / "ivanov.zip", tmp_path / "a", "ivanov.zip")
    assert sorted(p.relative_to(tmp_path / "a").as_posix() for p in (tmp_path / "a").rglob("*")) == \
        ["lab3", "lab3/client.py", "lab3/server.py"]
    make_tar(tmp_path / "petrov.tar.gz", [("./server.py", b"print(2)\n")])
    unpack(tmp_path / "petrov.tar.gz", tmp_path / "b", "petrov.tar.gz")
    assert (tmp_path / "b" / "server.py").read_text() == "print(2)\n"
    assert [archives.stem(Path(n)) for n in ("a.zip", "b.TAR.GZ", "c.tgz", "d.tar")] == ["a", "b", "c", "d"]


def test_a_zip_from_russian_windows_keeps_its_cyrillic_names(tmp_path):
    # Windows' own zip writes names in the console's code page (cp866) without the UTF-8 flag; zipfile
    # would set the flag, so an ASCII name of the same length is written and its bytes replaced.
    name = "сервер".encode("cp866")
    path = make_zip(tmp_path / "s.zip", {"XXXXXX.py": b"x"})
    path.write_bytes(path.read_bytes().replace(b"XXXXXX", name))
    unpack(path, tmp_path / "out", "s.zip")
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["сервер.py"]


@pytest.mark.parametrize("name", ["../evil.py", "/etc/evil.py", "a/../../evil.py", "C:\\evil.py", "..\\evil.py"])
def test_a_member_outside_the_folder_is_refused(tmp_path, name):
    assert "outside" in refused(make_zip(tmp_path / "x.zip", {name: b"x"}), tmp_path)
    assert not (tmp_path / "evil.py").exists() and not Path("/etc/evil.py").exists()


def test_links_and_devices_are_refused(tmp_path):
    assert "link, a device" in refused(make_zip(tmp_path / "l.zip", {"s.py": b"/etc/passwd"}, {"s.py": 0o120777}), tmp_path)
    link = tarfile.TarInfo("s.py")
    link.type, link.linkname = tarfile.SYMTYPE, "/etc/passwd"
    assert "link, a device" in refused(make_tar(tmp_path / "l.tgz", [link]), tmp_path / "t")
    device = tarfile.TarInfo("null")
    device.type = tarfile.CHRTYPE
    assert "link, a device" in refused(make_tar(tmp_path / "d.tgz", [device]), tmp_path / "d")


def test_the_sandboxs_limits_bound_what_an_archive_may_unpack(tmp_path):
    small = Limits(disk_bytes=1 << 20, disk_files=5)
    many = make_zip(tmp_path / "many.zip", {f"f{i}.py": b"x" for i in range(6)})
    assert "more than 5 files" in refused(many, tmp_path / "m", small)
    bomb = tmp_path / "bomb.zip"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("zeros.py", b"\0" * (2 << 20))   # 2 MiB of zeros: a few KiB packed
    assert bomb.stat().st_size < 20_000
    assert "more than 1 MiB" in refused(bomb, tmp_path / "b", small)
    assert Limits().disk_files == 2000 and Limits().disk_bytes == 64 << 20   # the defaults unpack uses


def test_a_broken_archive_is_a_one_line_reason(tmp_path):
    (tmp_path / "bad.zip").write_bytes(b"PK\x03\x04 not really a zip")
    assert refused(tmp_path / "bad.zip", tmp_path / "z").startswith("bad.zip: not a readable archive")
    (tmp_path / "bad.tgz").write_bytes(b"\x1f\x8b\x08 truncated")
    assert refused(tmp_path / "bad.tgz", tmp_path / "t").startswith("bad.tgz: not a readable archive")


@pytest.mark.timeout(120)
def test_every_entry_of_a_class_gets_a_row_named_relative_to_the_class_folder(tmp_path):
    cls = tmp_path / "submissions"
    cls.mkdir()
    make_zip(cls / "ivanov.zip", {"lab3/server.py": BROKEN.encode(), "lab3/client.py": CLIENT.encode()})
    make_tar(cls / "petrov.tgz", [("server.py", BROKEN.encode())])
    make_zip(cls / "sidorov.zip", {"../../evil.py": b"x"})
    (cls / "kuznetsova.docx").write_bytes(b"PK not a submission")
    (cls / "smirnov.py").write_text(BROKEN)
    (cls / ".DS_Store").write_bytes(b"\0")
    (cls / "__pycache__").mkdir()
    proc = subprocess.run([sys.executable, "-m", "grader", str(cls), "-j", "2", "--format", "json"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=110, stdin=subprocess.DEVNULL,
                          env=dict(os.environ, PYTHONPATH=str(ROOT)))
    assert proc.returncode == 0, proc.stderr
    rows = {row["id"]: row for row in json.loads(proc.stdout)}
    assert list(rows) == ["ivanov", "kuznetsova", "petrov", "sidorov", "smirnov"]
    for sid in ("ivanov", "petrov", "smirnov"):
        starts = next(c for c in rows[sid]["checks"] if c["id"] == "server_starts")
        assert not rows[sid].get("error") and starts["status"] == "fail" and "line 3" in starts["message"], rows[sid]
    assert rows["ivanov"]["submission"] == "ivanov.zip" and rows["smirnov"]["submission"] == "smirnov.py"
    assert rows["sidorov"]["error"] == "sidorov.zip: refused: its member ../../evil.py would land outside the archive's folder"
    assert rows["kuznetsova"]["error"].startswith("kuznetsova.docx: not a submission")
    assert all(str(tmp_path) not in json.dumps(row) for row in rows.values() if row.get("error")), rows
    # the code inside the archives is compared too: the three got the same server
    assert [p["id"] for p in rows["ivanov"]["similar"]] == ["petrov", "smirnov"]
    assert rows["petrov"]["similar"][0] == {"id": "ivanov", "share": 1.0}
    assert rows["sidorov"]["similar"] == rows["kuznetsova"]["similar"] == []
    assert not (tmp_path / "evil.py").exists()

"""The class report in HTML (grader.html_report), from rows built by hand with hostile names, messages
and transcripts: parsed with html.parser for its content (every student, both charts, the lost points,
the near-copies, the transcripts, everything escaped, nothing that runs or fetches), and opened in
headless Chromium (skipped where it is not installed: .ci/run installs it) for a screenshot that is
not blank and a console without errors."""
import shutil
import struct
import subprocess
import zlib
from html.parser import HTMLParser
from pathlib import Path

import pytest

from grader import html_report

HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'
IDS = ["uses_socket", "server_starts", "broadcast", "leave_notice"]


def check(cid, status="pass", points=5.0, message="ok", transcript=None):
    return {"id": cid, "title": f"title of {cid}", "status": status, "points": points if status == "pass" else
            (points / 2 if status == "partial" else 0.0), "max_points": 5.0, "message": message,
            **({"transcript": transcript} if transcript is not None else {})}


def rows() -> list[dict]:
    def row(sid, statuses, **extra):
        checks = [check(c, s) for c, s in zip(IDS, statuses)]
        return {"id": sid, "submission": sid, "score": sum(c["points"] for c in checks), "max_score": 20.0,
                "transport": "tcp", "checks": checks, "seconds": 2.0, "similar": [], **extra}

    out = [row("ivanov", ["pass"] * 4), row("petrov", ["pass", "pass", "fail", "partial"]),
           row(HOSTILE, ["pass", "pass", "pass", "fail"]), row("sidorov", ["pass", "fail", "skip", "skip"]),
           row("kuznetsova", ["pass"] * 4)]
    out[1]["checks"][2]["message"] = "Alice's message did not reach Bob within 3 s </td></table><marquee>"
    out[1]["checks"][2]["transcript"] = [
        {"t": 0.0, "user": "Alice", "event": "sent", "text": "token-7f3a </pre><script>x()</script>"},
        {"t": 3.01, "user": "", "event": "note", "text": "Bob got nothing within 3 s"}]
    out[2]["checks"][3]["transcript"] = [{"t": 0.2, "user": "server", "event": "server", "text": "bye\x1b[2J"}]
    out[1]["notes"] = ["Bob's client got Alice's message but did not show it within 1 s <b>"]
    out[0]["similar"] = [{"id": "kuznetsova", "share": 0.93}]
    out[4]["similar"] = [{"id": "ivanov", "share": 0.93}]
    out.append({"id": "zhukov", "submission": "zhukov.zip", "score": 0, "max_score": 20.0, "transport": None,
                "checks": [], "seconds": None, "similar": [], "error": "zhukov.zip: refused: <evil> ../x"})
    return out


class Page(HTMLParser):
    """The tags (with attributes) and the text of a page, by the section (h2) they are in."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []
        self.text: dict[str, list[str]] = {}
        self.section = ""
        self.in_h2 = False
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self.in_h2 = tag == "h2"

    def handle_endtag(self, tag):
        if tag == "h2":
            self.in_h2 = False

    def handle_data(self, data):
        if self.in_h2:
            self.section = data
        self.text.setdefault(self.section, []).append(data)

    def all_text(self, section: str) -> str:
        return "".join(self.text.get(section, []))

    def count(self, tag: str, **attrs) -> int:
        return sum(t == tag and all(a.get(k) == v for k, v in attrs.items()) for t, a in self.tags)


@pytest.fixture
def page() -> tuple[str, Page]:
    html = html_report.page(rows(), "группа 3 <marquee>", "en")
    return html, Page(html)


def test_every_student_is_in_the_table_and_has_a_detail(page):
    html, p = page
    table = p.all_text("Students")
    for sid in ("ivanov", "petrov", HOSTILE, "sidorov", "kuznetsova", "zhukov"):
        assert sid in table and sid in p.all_text("Every student's checks")
    assert p.count("details") == 6 and [a["id"] for t, a in p.tags if t == "details"] == [f"s-{i}" for i in range(6)]
    assert p.count("a", href="#s-2") >= 2   # the table's link and the lost points' one for the hostile name
    assert "zhukov.zip: refused: <evil> ../x" in table and "not graded: zhukov.zip" in p.all_text("Every student's checks")
    assert "Class report: группа 3 <marquee>" in p.all_text("")


def test_the_charts_are_inline_svg(page):
    html, p = page
    assert p.count("svg", **{"class": "histogram"}) == 1 and p.count("svg", **{"class": "checks"}) == 1
    bars = [a for t, a in p.tags if t == "rect"]
    assert len(bars) >= html_report.BINS + len(IDS)
    histogram = p.all_text("Scores")
    # zhukov 0, sidorov 5, petrov 12.5, the hostile name 15, ivanov and kuznetsova 20
    assert [f"scores {low}–{low + 2}: {n}" in histogram for low, n in ((0, 1), (4, 1), (12, 1), (14, 1), (18, 2))] == [True] * 5
    assert "scores 2–4: 0" in histogram
    checks = p.all_text("Each check: how many passed")
    assert "broadcast: fail 1 of 5" in checks and "leave_notice: partial 1 of 5" in checks
    assert "server_starts: pass 4 of 5" in checks and "broadcast: skipped 1 of 5" in checks


def test_lost_points_and_near_copies_name_the_students(page):
    html, p = page
    lost = p.all_text("The most common lost points")
    assert "leave_notice: title of leave_notice (lost by 2): petrov, " + HOSTILE in lost
    assert "server_starts: title of server_starts (lost by 1): sidorov" in lost
    assert "broadcast: title of broadcast (lost by 1): petrov" in lost   # sidorov's skip is not counted
    copies = p.all_text("Near-copies")
    assert "ivanovkuznetsova93%" in copies and copies.count("93%") == 1


def test_transcripts_are_in_the_students_details(page):
    html, p = page
    details = p.all_text("Every student's checks")
    assert "0.00 s  Alice sent: token-7f3a </pre><script>x()</script>" in details
    assert "3.01 s  Bob got nothing within 3 s" in details and "0.20 s  server printed: bye\\x1b[2J" in details
    assert p.count("pre", **{"class": "transcript"}) == 2


def test_a_students_notes_are_in_their_detail(page):
    html, p = page
    assert p.count("ul", **{"class": "notes"}) == 1   # petrov's; the others have none
    assert "How the grader ran the programs:Bob's client got Alice's message but did not show it within 1 s <b>" \
        in p.all_text("Every student's checks")


def test_everything_a_student_wrote_is_escaped_and_nothing_runs_or_loads(page):
    html, p = page
    assert p.count("script") == 0 and p.count("img") == 0 and p.count("marquee") == 0
    assert not any(k.startswith("on") for t, a in p.tags for k in a)
    assert not any("src" in a for t, a in p.tags)
    assert all(a["href"].startswith(("#s-", "data:")) for t, a in p.tags if "href" in a)   # nothing to fetch
    assert "&lt;script&gt;" in html and "\x1b" not in html
    policy = next(a["content"] for t, a in p.tags if t == "meta" and a.get("http-equiv") == "Content-Security-Policy")
    assert "default-src 'none'" in policy and "script" not in policy


def test_a_class_without_copies_or_lost_points_says_so():
    clean = [r for r in rows() if r["id"] in ("ivanov", "kuznetsova")]
    for r in clean:
        r["similar"] = []
    p = Page(html_report.page(clean, "c", "ru"))
    assert "Никто не потерял ни балла." in p.all_text("Чаще всего теряли баллы")
    assert "Ни у одной пары код не совпадает на 50% или больше." in p.all_text("Почти копии")


# --- in a real browser ---------------------------------------------------------------------------

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def browse(html_file: Path, shot: Path, width: int = 900, height: int = 1400) -> str:
    """Open the page in headless Chromium, save a screenshot, return what it logged (console included)."""
    proc = subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                           "--disable-extensions", f"--user-data-dir={shot.parent / 'profile'}",
                           f"--screenshot={shot}", f"--window-size={width},{height}", "--enable-logging=stderr",
                           "--force-device-scale-factor=0.5",   # a quarter of the pixels to decode below
                           "--v=0", html_file.as_uri()],
                          capture_output=True, text=True, timeout=90, stdin=subprocess.DEVNULL)
    assert shot.exists(), proc.stderr[-2000:]
    return proc.stderr


def pixels(png: Path) -> tuple[int, int, list[bytes]]:
    """Width, height and rows of RGB(A) pixels of an 8-bit PNG (what Chromium writes), decoded here."""
    data = png.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, chunks, header = 8, [], None
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            chunks.append(body)
        pos += 12 + length
    width, height, depth, color = header[:4]
    assert depth == 8 and color in (2, 6), header
    step = 3 if color == 2 else 4
    raw, stride, prev, out = zlib.decompress(b"".join(chunks)), width * step, bytearray(width * step), []
    for y in range(height):
        kind, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        if kind == 2:   # Up, the commonest: no per-byte Python loop
            line = bytearray((x + p) & 0xFF for x, p in zip(line, prev))
        elif kind:
            for i in range(stride):
                a, b = line[i - step] if i >= step else 0, prev[i]
                c = prev[i - step] if i >= step else 0
                pred = (0, a, b, (a + b) // 2, _paeth(a, b, c))[kind]
                line[i] = (line[i] + pred) & 0xFF
        out.append(bytes(line))
        prev = line
    return width, height, [bytes(px) for row in out for px in (row[i:i + 3] for i in range(0, stride, step))]


def _paeth(a: int, b: int, c: int) -> int:
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    return a if pa <= pb and pa <= pc else (b if pb <= pc else c)


def console_errors(log: str) -> list[str]:
    return [line for line in log.splitlines() if ":CONSOLE" in line or "Uncaught" in line]


@pytest.mark.timeout(240)
@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (.ci/run installs it)")
def test_chromium_shows_the_report_with_its_charts_and_no_console_errors(tmp_path):
    report = tmp_path / "report.html"
    html_report.write(rows(), report, "group 3")
    log = browse(report, tmp_path / "shot.png")
    assert console_errors(log) == [], log
    width, height, px = pixels(tmp_path / "shot.png")
    assert (width, height) == (450, 700)
    colours = set(px)
    white = sum(p == b"\xff\xff\xff" for p in px)
    assert white < 0.97 * len(px), "the screenshot is blank"
    for colour in ("#1565c0", *html_report.COLORS.values()):   # the histogram's bars and the checks' shares
        assert bytes.fromhex(colour[1:]) in colours, colour
    # the test can fail: a page with a script error is caught
    bad = tmp_path / "bad.html"
    bad.write_text("<!DOCTYPE html><p>x</p><script>undefinedFunction()</script>", encoding="utf-8")
    assert any("Uncaught ReferenceError" in line for line in console_errors(browse(bad, tmp_path / "bad.png", 400, 300)))

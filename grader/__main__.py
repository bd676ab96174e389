"""python -m grader PATH: grade a chat submission, or a folder of them, with a reason for every lost point."""
from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from . import batch, html_report, interpreters, isolation, report, rubric
from .checks import BY_ID, CHECKS
from .grade import TIME_LIMIT, grade_repeated
from .messages import LANGS, Msg, MsgError
from .submission import SubmissionError


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m grader",
        description="Grade a chat submission (a .py file, a folder with server and client, or a report: "
                    ".md, .txt, .ipynb), or a folder with one such entry per student.")
    parser.add_argument("path", help="a submission, or a folder of submissions (one entry per student)")
    parser.add_argument("--format", choices=("text", "json", "gradescope"), default="text",
                        help="text (default), json, or Gradescope's results.json (one submission)")
    parser.add_argument("--csv", metavar="FILE", help="for a folder of submissions: write a gradebook here")
    parser.add_argument("--html", metavar="FILE",
                        help="for a folder of submissions: write a class report here (one self-contained HTML file)")
    parser.add_argument("-v", "--verbose", action="store_true",
                        help="text report: under each check that lost points, what the grader sent and saw")
    parser.add_argument("--one", action="store_true",
                        help="PATH is one submission even if it looks like a folder of them")
    parser.add_argument("-j", "--jobs", type=int, default=os.cpu_count() or 1, metavar="N",
                        help="submissions graded side by side (default: the number of CPUs)")
    parser.add_argument("--rubric", metavar="FILE", help="a TOML rubric (default: assignments/rubric.toml)")
    parser.add_argument("--time-limit", type=float, default=TIME_LIMIT, metavar="S",
                        help=f"seconds one submission may take at most (default: {TIME_LIMIT:g})")
    parser.add_argument("--lang", choices=LANGS, default="en", help="language of the report (default: en)")
    parser.add_argument("--repeat", type=int, default=1, metavar="N",
                        help="grade N times and report every verdict that changed between runs")
    parser.add_argument("--python", metavar="PATH",
                        help="the Python (3.10 or newer) that runs the students' programs (default: the grader's "
                             "own, or a python3.12/python3.13 on PATH for code that needs a newer one)")
    args = parser.parse_args(argv)
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    if args.jobs < 1:
        parser.error("-j must be at least 1")
    if args.time_limit <= 0:
        parser.error("--time-limit must be positive")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    try:
        points = rubric.load(args.rubric, set(BY_ID))
        python = interpreters.given(args.python) if args.python else None
        path = Path(args.path)
        # Gradescope runs the grader once per student: its folder is one submission, whatever is inside.
        told = args.one or args.format == "gradescope"
        if not told and batch.is_class_folder(path):
            return grade_class(path, args, points, python)
        if args.csv or args.html:
            raise ValueError("--csv and --html are for a folder of submissions; this is one submission")
        reading = None if told else batch.reading(path, as_class=False)
        if reading:
            print("grader: " + reading.render(args.lang), file=sys.stderr)
        # Before the grading starts a thread: a network namespace can only be entered by a process
        # with one. A class is not graded here but by one child per student, each in its own.
        network = isolation.enter_network_namespace()
        result = grade_repeated(args.path, points, args.repeat, args.time_limit, args.lang, network, python)
    except MsgError as e:   # the submission cannot be graded, or --python names no usable Python
        return failed(args, e.msg.render(args.lang))
    except (ValueError, rubric.RubricError, OSError) as e:
        return failed(args, str(e))
    printer = {"text": lambda r: report.text(r, args.verbose), "json": report.as_json,
               "gradescope": report.gradescope}[args.format]
    print(printer(result))
    return 0


def failed(args: argparse.Namespace, error: str) -> int:
    """A path that cannot be graded: one line on stderr, exit 2, and for the machine formats the same
    on stdout in their shape, so that `| tee grade.json` never saves an empty file."""
    if args.format == "gradescope":  # Gradescope needs a results.json whatever happened
        print(report.gradescope_error(error))
    elif args.format == "json":
        print(json.dumps({"submission": args.path, "error": error}, ensure_ascii=False, indent=2))
    print(f"grader: error: {error}", file=sys.stderr)
    return 2


def grade_class(folder: Path, args: argparse.Namespace, points: rubric.Rubric,
                python: interpreters.Python | None) -> int:
    if args.format == "gradescope":
        raise ValueError("--format gradescope grades one submission (Gradescope runs one per student)")
    if not batch.entries(folder):
        raise SubmissionError(Msg("sub.no_entries", path=folder))
    reading = batch.reading(folder, as_class=True).render(args.lang)
    if args.format == "json":   # on stderr, so that stdout stays one JSON list; the text table starts with it
        print("grader: " + reading, file=sys.stderr)
    options = ["--time-limit", str(args.time_limit), "--repeat", str(args.repeat)]
    if args.rubric:
        options += ["--rubric", str(Path(args.rubric).resolve())]
    if python is not None:
        options += ["--python", python.path]
    show = sys.stderr.isatty()

    def progress(done: int, total: int, row: dict) -> None:
        if show:
            line = Msg("class.progress", done=done, total=total, student=row["id"], score=f"{row['score']:g}")
            print("\r" + line.render(args.lang).ljust(60), end="", file=sys.stderr, flush=True)

    rows = batch.grade_class(folder, args.jobs, options, args.time_limit, args.lang, progress)
    if show:
        print(file=sys.stderr)
    batch.fill_max(rows, points.max_score)
    if args.csv:
        batch.write_csv(rows, Path(args.csv), [c.id for c in CHECKS])
    if args.html:
        html_report.write(rows, Path(args.html), folder.name or str(folder), args.lang)
    print(json.dumps(rows, ensure_ascii=False, indent=2) if args.format == "json" else reading + "\n" + batch.text(rows, args.lang))
    return 0


if __name__ == "__main__":
    sys.exit(main())

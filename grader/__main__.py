"""python -m grader PATH: grade one chat submission and print the score with a reason for every lost point."""
from __future__ import annotations

import argparse
import sys

from . import report, rubric
from .checks import BY_ID
from .grade import TIME_LIMIT, grade
from .submission import SubmissionError


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m grader", description=__doc__.split(":", 1)[1].strip())
    parser.add_argument("path", help="a .py file, or a folder with the server and client files")
    parser.add_argument("--format", choices=("text", "json"), default="text", help="output format (default: text)")
    parser.add_argument("--rubric", metavar="FILE", help="a TOML rubric (default: assignments/rubric.toml)")
    parser.add_argument("--time-limit", type=float, default=TIME_LIMIT, metavar="S",
                        help=f"seconds one submission may take at most (default: {TIME_LIMIT:g})")
    args = parser.parse_args(argv)
    try:
        points = rubric.load(args.rubric, set(BY_ID))
        result = grade(args.path, points, args.time_limit)
    except (SubmissionError, rubric.RubricError) as e:
        print(f"grader: error: {e}", file=sys.stderr)
        return 2
    print(report.as_json(result) if args.format == "json" else report.text(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())

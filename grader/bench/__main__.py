"""python -m grader.bench SUBMISSION [-n N] [-m M] [--rate R] [--rounds K]: the chat load benchmark,
side by side with the two reference servers; python -m grader.bench --grading: the grader's speed."""
from __future__ import annotations

import argparse
import json
import os
import platform
import sys
from dataclasses import asdict
from pathlib import Path

from . import grading as grading_module
from . import load, table
from ..submission import SubmissionError


# The README's table: bursts sized so that every run carries enough deliveries to time (and the
# slowest reference still ends in about a minute at N = 500), paced runs 10 s long.
TABLE = [(10, 200, 0.0), (100, 50, 0.0), (500, 10, 0.0), (10, 20, 2.0), (100, 20, 2.0), (500, 20, 2.0)]


def numbers(kind):
    def parse(text: str) -> list:
        try:
            return [kind(x) for x in text.split(",") if x.strip()]
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a comma-separated list of numbers: {text!r}") from None
    return parse


def machine() -> str:
    model = "unknown CPU"
    try:
        with open("/proc/cpuinfo") as f:
            model = next((line.split(":", 1)[1].strip() for line in f if line.startswith("model name")), model)
    except OSError:
        pass
    return f"{model}, {os.cpu_count()} cores, Python {platform.python_version()}, {platform.system()} {platform.release()}"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m grader.bench",
        description="Chat load benchmark: N users in the submission's own dialect each send M messages; "
                    "every delivery is counted and timed. The two reference servers (a minimal asyncio "
                    "broadcast server and a typical student raw relay) run in the same rounds, interleaved.")
    parser.add_argument("submission", nargs="?", help="a submission, as for python -m grader (e.g. chat.py)")
    parser.add_argument("-n", type=numbers(int), default=[100], metavar="N[,N...]", help="users (default: 100)")
    parser.add_argument("-m", type=numbers(int), default=[20], metavar="M[,M...]",
                        help="messages per user: one for all N, or one per N (default: 20)")
    parser.add_argument("--rate", type=numbers(float), default=[0.0], metavar="R[,R...]",
                        help="messages per second per user; 0 is burst: all at once (default: 0)")
    parser.add_argument("--table", action="store_true",
                        help="the README's table: N = 10, 100, 500 in burst (M = 200, 50, 10) and paced at 2 msg/s "
                             "(M = 20: 10 s); replaces -n, -m and --rate")
    parser.add_argument("--rounds", type=int, default=3, metavar="K", help="interleaved rounds; medians are shown (default: 3)")
    parser.add_argument("--no-refs", action="store_true", help="the submission alone, without the reference servers")
    parser.add_argument("--idle", type=float, default=1.0, metavar="S", help="seconds of idle CPU sampling (default: 1)")
    parser.add_argument("--timeout", type=float, default=120.0, metavar="S", help="seconds one run may take (default: 120)")
    parser.add_argument("--quiet", type=float, default=30.0, metavar="S",
                        help="before each run, wait up to S seconds until the rest of the machine uses under 20%% "
                             "of a core (0: do not wait; default: 30)")
    parser.add_argument("--json", action="store_true", help="every run as JSON instead of the table")
    parser.add_argument("--save", metavar="FILE", help="also write every run as JSON to FILE")
    grading = parser.add_argument_group("grader speed benchmark")
    grading.add_argument("--grading", action="store_true",
                         help="instead: grade chat.py, every example (and assignments/hostile) with -j 1 and -j 2, "
                              "time each and a class of 25")
    grading.add_argument("-j", type=numbers(int), default=[1, 2], metavar="J[,J...]",
                         help="parallel gradings to time (default: 1,2); the class uses the last")
    grading.add_argument("--class-size", type=int, default=grading_module.CLASS_SIZE, metavar="S",
                         help=f"students in the timed class (default: {grading_module.CLASS_SIZE})")
    grading.add_argument("--profile", action="store_true",
                         help="also grade each submission once more with timers on the grader's waits, and "
                              "print where the time goes")
    return parser


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = _parser()
    args = parser.parse_args(argv)
    if args.grading:
        if args.submission is not None:
            parser.error("--grading grades the examples; it takes no SUBMISSION")
        if not all(1 <= j <= 16 for j in args.j) or not 1 <= args.class_size <= 500:
            parser.error("-j must be 1..16 and --class-size 1..500")
        return args
    if args.submission is None:
        parser.error("give a SUBMISSION (e.g. chat.py), or --grading")
    if not all(2 <= n <= load.MAX_CLIENTS for n in args.n):
        parser.error(f"-n must be 2..{load.MAX_CLIENTS}")
    if not all(1 <= m <= load.MAX_MESSAGES for m in args.m):
        parser.error(f"-m must be 1..{load.MAX_MESSAGES}")
    if len(args.m) not in (1, len(args.n)):
        parser.error("give one -m for all N, or one per N")
    if args.table:
        args.cells = TABLE
    else:
        ms = args.m * len(args.n) if len(args.m) == 1 else args.m
        args.cells = [(n, m, rate) for rate in args.rate for n, m in zip(args.n, ms)]
    if any(r < 0 for r in args.rate):
        parser.error("--rate must be 0 (burst) or positive")
    if not 1 <= args.rounds <= 50:
        parser.error("--rounds must be 1..50")
    if not 0 < args.idle <= 60 or not 0 < args.timeout <= 3600 or not 0 <= args.quiet <= 600:
        parser.error("--idle must be 0..60 s, --timeout 0..3600 s and --quiet 0..600 s")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    if args.grading:
        return grading_module.main(args.j, args.class_size, args.profile)
    targets: list[load.Target] = []
    try:
        try:
            targets.append(load.prepare(args.submission))
            if not args.no_refs:
                targets += [load.prepare(path, label) for label, path in load.REFERENCES.items()]
        except (SubmissionError, load.BenchError, OSError) as e:
            print(f"grader.bench: error: {e}", file=sys.stderr)
            return 2
        if not args.json:
            print(f"machine: {machine()}")
            for t in targets:
                print(f"{t.label}: {load.describe(t.dialect)}")
            print(flush=True)

        def progress(r: load.Run, k: int) -> None:
            if sys.stderr.isatty():
                mode = f"rate {r.rate:g}" if r.rate else "burst"
                print(f"\rround {k + 1}: {r.target}, N={r.n}, {mode}: {r.per_second:,.0f} deliveries/s".ljust(70),
                      end="", file=sys.stderr, flush=True)

        results = load.matrix(targets, args.cells, args.rounds, args.idle, args.timeout, progress, args.quiet)
        if sys.stderr.isatty():
            print("\r".ljust(71) + "\r", end="", file=sys.stderr)
        runs = [dict(asdict(r), busy_pct=r.busy_pct) for cell in results.values() for rs in cell.values() for r in rs]
        if args.save:
            Path(args.save).write_text(json.dumps({"machine": machine(), "runs": runs}, indent=1), encoding="utf-8")
        if args.json:
            print(json.dumps(runs, indent=1))
        else:
            print(table.table(results, args.rounds))
        return 0
    finally:
        for t in targets:
            t.close()


if __name__ == "__main__":
    sys.exit(main())

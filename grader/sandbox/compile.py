"""Compile a student's script without running it (moving to grader.source; kept here until then)."""
from __future__ import annotations

import warnings
from pathlib import Path


def compile_error(source_dir: Path, script: str) -> str | None:
    """Byte-compile `script` (relative to source_dir) without running it. Returns a one-line
    "server.py line 3: SyntaxError: invalid syntax", or None if it compiles.

    Only the file itself is checked; an error in a module it imports shows up as a traceback when
    the program runs."""
    try:
        source = (Path(source_dir) / script).read_bytes()
    except OSError as exc:
        return f"{script}: cannot read the file ({exc.strerror or exc})"
    try:
        with warnings.catch_warnings():
            # SyntaxWarnings of student code ("is" with a literal...) are not the grader's to print.
            warnings.simplefilter("ignore")
            compile(source, script, "exec", dont_inherit=True)
    except SyntaxError as exc:
        where = f" line {exc.lineno}" if exc.lineno else ""
        return f"{script}{where}: {type(exc).__name__}: {exc.msg}"
    except (ValueError, RecursionError, MemoryError, OverflowError) as exc:
        # ValueError: NUL bytes in the source; the others: pathological nesting or constants.
        return f"{script}: {type(exc).__name__}: {exc}"
    return None

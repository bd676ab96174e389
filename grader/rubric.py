"""Points per check and the scoring rules, read from a TOML rubric (assignments/rubric.toml by default)."""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

DEFAULT = Path(__file__).resolve().parent.parent / "assignments" / "rubric.toml"


class RubricError(Exception):
    """The rubric file is missing or wrong; the message is one line."""


@dataclass(frozen=True)
class Rubric:
    points: dict[str, float]
    partial_share: float = 0.5
    udp_factor: float = 0.8
    two_user_cap: float = 0.7

    @property
    def max_score(self) -> float:
        return float(sum(self.points.values()))

    def earned(self, check_id: str, status: str) -> float:
        share = {"pass": 1.0, "partial": self.partial_share}.get(status, 0.0)
        return self.points.get(check_id, 0.0) * share

    def score(self, statuses: dict[str, str], transport: str, two_user: bool) -> float:
        total = sum(self.earned(cid, status) for cid, status in statuses.items())
        if transport == "udp":
            total *= self.udp_factor
        if two_user:
            total = min(total, self.two_user_cap * self.max_score)
        return round(total, 1)


def load(path: str | Path | None, known_ids: set[str]) -> Rubric:
    path = Path(path) if path else DEFAULT
    try:
        data = _parse_toml(path.read_text(encoding="utf-8"))
    except OSError as e:
        raise RubricError(f"{path}: cannot read the rubric: {e.strerror or e}") from None
    except ValueError as e:
        raise RubricError(f"{path}: {e}") from None
    points = data.get("points")
    if not isinstance(points, dict) or not points:
        raise RubricError(f"{path}: no [points] table")
    unknown = sorted(set(points) - known_ids)
    if unknown:
        raise RubricError(f"{path}: unknown check id {unknown[0]!r} (known: {', '.join(sorted(known_ids))})")
    scoring = data.get("scoring", {})
    try:
        values = {k: float(v) for k, v in points.items()}
        extra = {k: float(scoring[k]) for k in ("partial_share", "udp_factor", "two_user_cap") if k in scoring}
    except (TypeError, ValueError):
        raise RubricError(f"{path}: points and scoring values must be numbers") from None
    if any(v < 0 for v in values.values()):
        raise RubricError(f"{path}: points cannot be negative")
    return Rubric(values, **extra)


def _parse_toml(text: str) -> dict:
    try:
        import tomllib  # Python 3.11+
    except ModuleNotFoundError:
        return _parse_flat_toml(text)
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise ValueError(f"not valid TOML: {e}") from None


def _parse_flat_toml(text: str) -> dict:
    """The subset a rubric uses ([tables] of `key = number`), for Python 3.10, which has no tomllib."""
    data: dict = {}
    table = data
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        header = re.fullmatch(r"\[([A-Za-z0-9_]+)\]", line)
        item = re.fullmatch(r"([A-Za-z0-9_]+)\s*=\s*([-+0-9.eE_]+)", line)
        if header:
            table = data.setdefault(header.group(1), {})
        elif item:
            table[item.group(1)] = float(item.group(2).replace("_", ""))
        else:
            raise ValueError(f"line {number}: not valid TOML for a rubric: {raw.strip()!r}")
    return data

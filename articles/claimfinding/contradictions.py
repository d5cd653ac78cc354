"""Contradictions between the passages that state one claim: two fee amounts, two days, two
names for one thing.

For every pair of passages and every kind of value both give, the values are compared with
`values.compatible`:
  * money amounts, percentages and figures: a value one passage gives that the other does not
    ("up to $42,000" against "42,000 to 210,000 USD") is a contradiction;
  * dates: a date, or weekday, with no compatible date in the other passage ("on Wednesday"
    against "April 20th, 2023", a Thursday);
  * names: a name in each passage found in no name of the other, the two sharing a word
    ("Prime Minister Rishi Sunak" against "Prime Minister Boris Johnson").
A passage that leaves a value out does not contradict one that gives it.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from itertools import combinations

from articles.claimfinding.values import Kind, Value, compatible, extract_values, weekday_of

WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
KIND_LABELS = {
    "money": "money amount",
    "percent": "percentage",
    "figure": "figure",
    "date": "date",
    "name": "name",
}


@dataclass(frozen=True, slots=True)
class Passage:
    """A passage stating the claim; `source` identifies it to the caller (e.g. an appearance)."""

    source: Hashable
    text: str


@dataclass(frozen=True, slots=True)
class Contradiction:
    """Passages `first` and `second` disagree on a value of `kind` ("money", "date", ...);
    `first_values`/`second_values` are the values each gives, as written."""

    kind: str
    first: Hashable
    first_values: tuple[str, ...]
    second: Hashable
    second_values: tuple[str, ...]


def _describe(value: Value) -> str:
    if value.kind is Kind.DATE:
        weekday = weekday_of(value.key)
        if weekday is not None:
            return f"{value.text} (a {WEEKDAY_NAMES[weekday]})"
    return value.text


def _dates_agree(a: Value, b: Value) -> bool:
    if a.kind is Kind.WEEKDAY and b.kind is Kind.WEEKDAY:
        return a.key == b.key
    if a.kind is Kind.WEEKDAY or b.kind is Kind.WEEKDAY:
        weekday, date = (a, b) if a.kind is Kind.WEEKDAY else (b, a)
        day = weekday_of(date.key)
        return day is None or day == weekday.key[0]
    return compatible(Kind.DATE, a.key, b.key)


def _agree(kind: str, a: Value, b: Value) -> bool:
    if kind == "date":
        return _dates_agree(a, b)
    return compatible(a.kind, a.key, b.key)


def _unmatched(kind: str, ours: list[Value], theirs: list[Value]) -> list[Value]:
    return [a for a in ours if not any(_agree(kind, a, b) for b in theirs)]


def _group(values: Sequence[Value]) -> dict[str, list[Value]]:
    grouped: dict[str, list[Value]] = {}
    for value in values:
        kind = "date" if value.kind is Kind.WEEKDAY else value.kind.value
        grouped.setdefault(kind, []).append(value)
    return grouped


def _clash(kind: str, first: list[Value], second: list[Value]) -> bool:
    first_only = _unmatched(kind, first, second)
    second_only = _unmatched(kind, second, first)
    if kind == "name":
        return any(set(a.key) & set(b.key) for a in first_only for b in second_only)
    return bool(first_only or second_only)


def find_contradictions(passages: Sequence[Passage]) -> list[Contradiction]:
    """Every (pair of passages, kind of value) on which the passages disagree, in input order."""
    grouped = [_group(extract_values(p.text)) for p in passages]
    found: list[Contradiction] = []
    for i, j in combinations(range(len(passages)), 2):
        for kind in KIND_LABELS:
            first, second = grouped[i].get(kind, []), grouped[j].get(kind, [])
            if first and second and _clash(kind, first, second):
                found.append(
                    Contradiction(
                        kind=kind,
                        first=passages[i].source,
                        first_values=tuple(dict.fromkeys(_describe(v) for v in first)),
                        second=passages[j].source,
                        second_values=tuple(dict.fromkeys(_describe(v) for v in second)),
                    )
                )
    return found

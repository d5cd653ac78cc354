"""Contradictions between the passages that state one claim: two fee amounts, two days, two
names for one thing.

For every kind of value, passages giving the same values (the same normalised keys) form one
variant; every pair of variants is compared with `values.compatible`:
  * money amounts, percentages and figures: a value one passage gives that the other does not
    ("up to $42,000" against "42,000 to 210,000 USD") is a contradiction;
  * dates: a date, or weekday, with no compatible date in the other passage ("on Wednesday"
    against "April 20th, 2023", a Thursday);
  * names: a name in each passage found in no name of the other, the two sharing a word
    ("Prime Minister Rishi Sunak" against "Prime Minister Boris Johnson").
A passage that leaves a value out does not contradict one that gives it.

A claim proposed in hundreds of articles repeats a handful of variants, so the work and the
flags grow with the variants, not with pairs of passages: each clash of two variants is one
flag, sourced to the first passage (in input order) giving each variant.
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
    # A value given alike on the other side agrees (amounts, percentages and figures only
    # then): a set lookup first, the slower comparison for the rest.
    keys = {(b.kind, b.key) for b in theirs}
    left = [a for a in ours if (a.kind, a.key) not in keys]
    if kind in _EXACT or not left:
        return left
    return [a for a in left if not any(_agree(kind, a, b) for b in theirs)]


_EXACT = frozenset({"money", "percent", "figure"})


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


def _variants(
    passages: Sequence[Passage],
) -> dict[str, list[tuple[int, list[Value]]]]:
    """Per kind, the distinct variants: (index of the first passage giving it, its values)."""
    variants: dict[str, dict[tuple[object, ...], tuple[int, list[Value]]]] = {}
    by_text: dict[str, dict[str, list[Value]]] = {}
    for index, passage in enumerate(passages):
        grouped = by_text.get(passage.text)
        if grouped is None:
            grouped = by_text[passage.text] = _group(extract_values(passage.text))
        for kind, values in grouped.items():
            signature = tuple(sorted({(v.kind.value, v.key) for v in values}, key=repr))
            variants.setdefault(kind, {}).setdefault(signature, (index, values))
    return {kind: list(found.values()) for kind, found in variants.items()}


def find_contradictions(passages: Sequence[Passage]) -> list[Contradiction]:
    """Every (pair of variants, kind of value) on which the passages disagree, ordered by the
    first passages of the two variants (in input order), then kind."""
    found: list[tuple[int, int, int, Contradiction]] = []
    order = {kind: rank for rank, kind in enumerate(KIND_LABELS)}
    for kind, variants in _variants(passages).items():
        for (i, first), (j, second) in combinations(variants, 2):
            if _clash(kind, first, second):
                a, b = (i, j) if i < j else (j, i)
                first_values, second_values = (first, second) if i < j else (second, first)
                found.append(
                    (
                        a,
                        b,
                        order[kind],
                        Contradiction(
                            kind=kind,
                            first=passages[a].source,
                            first_values=tuple(dict.fromkeys(map(_describe, first_values))),
                            second=passages[b].source,
                            second_values=tuple(dict.fromkeys(map(_describe, second_values))),
                        ),
                    )
                )
    found.sort(key=lambda item: item[:3])
    return [item[3] for item in found]

"""Check-worthiness: how much a sentence looks like a checkable statement of fact, from
transparent features, each with a fixed weight and a reason an editor can read.

A sentence scores for what can be checked (money amounts, percentages, figures, dates, named
organisations and people) and for how it is framed as a claim (attribution and reporting verbs,
quotations, comparisons, legal and causal language); it loses for questions, hedged or opinion
wording, and for being too short or too long to be one claim. The score is the sum of the
weights of the features found; `reasons` lists them, strongest first.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import reduce
from operator import or_
from typing import NamedTuple

from articles.claimfinding import lexicon
from articles.claimfinding.values import Kind, Value, extract_values, word_flags


class Reason(NamedTuple):
    """One feature found in a sentence: what it is, the words that show it, and its weight.
    (A named tuple, like `Value`: cheap to create for every sentence.)"""

    feature: str
    detail: str
    weight: float

    def __str__(self) -> str:
        sign = "+" if self.weight >= 0 else "-"
        detail = f": {self.detail}" if self.detail else ""
        return f"{self.feature}{detail} ({sign}{abs(self.weight):g})"


@dataclass(frozen=True, slots=True)
class Worthiness:
    score: float
    reasons: tuple[Reason, ...]
    values: tuple[Value, ...]


# Feature weights: one table, so the ranking can be read and argued about.
WEIGHTS: dict[str, float] = {
    "money amount": 2.0,
    "percentage": 1.5,
    "figure": 1.0,
    "date": 1.0,
    "named organisation or person": 0.5,  # per name, at most three
    "attribution": 1.0,
    "quotation": 0.5,
    "comparison": 0.75,
    "legal language": 1.0,
    "causal language": 0.5,
    "question": -2.0,
    "hedge or opinion": -1.0,
    "too short": -1.5,
    "too long": -1.0,
}
MAX_NAMES = 3
MIN_WORDS = 6
MAX_WORDS = 70


@dataclass(frozen=True, slots=True)
class _Lexicon:
    """One word list, split for fast lookup: single words, phrases (as word tuples, indexed by
    their first word, shortest first) and prefixes ("illegal*")."""

    words: frozenset[str]
    phrases_by_first: dict[str, tuple[tuple[str, ...], ...]]
    prefix_pattern: re.Pattern[str] | None

    @classmethod
    def of(cls, entries: str) -> _Lexicon:
        items = lexicon.words(entries)
        prefixes = [e[:-1] for e in items if e.endswith("*")]
        by_first: dict[str, list[tuple[str, ...]]] = {}
        for phrase in sorted({tuple(e.split("_")) for e in items if "_" in e}, key=len):
            by_first.setdefault(phrase[0], []).append(phrase)
        return cls(
            words=frozenset(e for e in items if "_" not in e and not e.endswith("*")),
            phrases_by_first={first: tuple(found) for first, found in by_first.items()},
            prefix_pattern=(
                re.compile("|".join(re.escape(p) for p in sorted(prefixes, reverse=True)))
                if prefixes
                else None
            ),
        )


_LEXICONS: tuple[tuple[str, _Lexicon], ...] = (
    ("attribution", _Lexicon.of(lexicon.ATTRIBUTION)),
    ("comparison", _Lexicon.of(lexicon.COMPARATIVE)),
    ("legal language", _Lexicon.of(lexicon.LEGAL)),
    ("causal language", _Lexicon.of(lexicon.CAUSAL)),
    ("hedge or opinion", _Lexicon.of(lexicon.HEDGES)),
)
_TOKENS = re.compile(r"\w+(?:['\u2019-]\w+)*")
_QUOTE = re.compile(r"[\"“”„«»]|(?<!\w)['\u2018][^'\u2018\u2019]{3,}['\u2019](?!\w)")
# The value features, each with the kind of value it counts (weekdays count as dates).
_VALUE_FEATURES: tuple[tuple[str, Kind], ...] = (
    ("money amount", Kind.MONEY),
    ("percentage", Kind.PERCENT),
    ("figure", Kind.FIGURE),
    ("date", Kind.DATE),
)


def _listing(items: Sequence[str], limit: int = 3) -> str:
    unique = list(dict.fromkeys(items))
    text = ", ".join(unique[:limit])
    return text + (", …" if len(unique) > limit else "")


# What the scorer needs to know of a casefolded word, as one int, worked out once per distinct
# word (words recur across sentences and articles; the table is emptied when it grows past
# _INFO_MAX): bit k set when it is a word or prefix entry of _LEXICONS[k], _PHRASE_START when it
# opens a phrase entry of some list, and its `values.word_flags` shifted by _FLAGS_SHIFT.
_LEXICON_BITS = (1 << len(_LEXICONS)) - 1
_PHRASE_START = 1 << len(_LEXICONS)
_FLAGS_SHIFT = len(_LEXICONS) + 1
_INFO: dict[str, int] = {}
_INFO_MAX = 500_000
# The phrase entries of every list by their first word: (bit of the list, phrase), shortest first.
_PHRASES_BY_FIRST: dict[str, tuple[tuple[int, tuple[str, ...]], ...]] = {}
for _bit, (_feature, _entries) in enumerate(_LEXICONS):
    for _first, _phrases in _entries.phrases_by_first.items():
        _PHRASES_BY_FIRST[_first] = (
            *_PHRASES_BY_FIRST.get(_first, ()),
            *((1 << _bit, phrase) for phrase in _phrases),
        )


def _token_info(token: str) -> int:
    info = word_flags(token) << _FLAGS_SHIFT
    for bit, (_, entries) in enumerate(_LEXICONS):
        pattern = entries.prefix_pattern
        if token in entries.words or (pattern is not None and pattern.match(token)):
            info |= 1 << bit
    if token in _PHRASES_BY_FIRST:
        info |= _PHRASE_START
    return info


def _infos(tokens: list[str]) -> list[int]:
    table = _INFO
    try:
        return list(map(table.__getitem__, tokens))
    except KeyError:
        if len(table) + len(tokens) > _INFO_MAX:
            table.clear()
        for token in tokens:
            if token not in table:
                table[token] = _token_info(token)
        return list(map(table.__getitem__, tokens))


def _lexicon_hits(tokens: list[str], infos: list[int], combined: int) -> list[list[str]]:
    """Per list of _LEXICONS, the entries found in the tokens: words and prefixes in order of
    appearance, then phrases by length, position and wording (as `_Lexicon.find`)."""
    found: list[list[str]] = [[] for _ in _LEXICONS]
    if combined & _LEXICON_BITS:
        for token, info in zip(tokens, infos, strict=True):
            if info & _LEXICON_BITS:
                for bit in range(len(_LEXICONS)):
                    if info & (1 << bit):
                        found[bit].append(token)
    if combined & _PHRASE_START:
        phrases: list[tuple[int, int, int, str]] = []
        for i, info in enumerate(infos):
            if info & _PHRASE_START:
                for mask, phrase in _PHRASES_BY_FIRST[tokens[i]]:
                    if tuple(tokens[i : i + len(phrase)]) == phrase:
                        phrases.append((mask.bit_length() - 1, len(phrase), i, " ".join(phrase)))
        for bit, _, _, text in sorted(phrases):
            found[bit].append(text)
    return found


def score_sentence(text: str) -> Worthiness:
    """The check-worthiness of one sentence (any of the importer's languages)."""
    # The words as the lists spell them: casefolded, with a typographic apostrophe as "'".
    tokens = _TOKENS.findall(text.casefold().replace("\u2019", "'"))
    infos = _infos(tokens)
    combined = reduce(or_, infos, 0)
    values = extract_values(text, combined >> _FLAGS_SHIFT)
    reasons: list[Reason] = []
    if values:
        # Value texts by feature, in the order of _VALUE_FEATURES, then names (enum members as
        # dict keys hash slowly: one list per kind instead).
        money: list[str] = []
        percent: list[str] = []
        figures: list[str] = []
        dates: list[str] = []
        names: list[str] = []
        for value in values:
            kind = value.kind
            if kind is Kind.NAME:
                names.append(value.text)
            elif kind is Kind.DATE or kind is Kind.WEEKDAY:
                dates.append(value.text)
            elif kind is Kind.FIGURE:
                figures.append(value.text)
            elif kind is Kind.MONEY:
                money.append(value.text)
            else:
                percent.append(value.text)
        for (feature, _), found in zip(
            _VALUE_FEATURES, (money, percent, figures, dates), strict=True
        ):
            if found:
                reasons.append(Reason(feature, _listing(found), WEIGHTS[feature]))
        if names:
            count = len(set(names))
            weight = WEIGHTS["named organisation or person"] * min(count, MAX_NAMES)
            reasons.append(Reason("named organisations or people", _listing(names), weight))
    if combined & (_LEXICON_BITS | _PHRASE_START):
        for (feature, _), found in zip(
            _LEXICONS, _lexicon_hits(tokens, infos, combined), strict=True
        ):
            if found:
                reasons.append(Reason(feature, _listing(found), WEIGHTS[feature]))
    if _QUOTE.search(text):
        reasons.append(_QUOTATION)
    if text.rstrip().endswith("?"):
        reasons.append(_QUESTION)
    n_words = len(tokens)
    if n_words < MIN_WORDS:
        reasons.append(Reason("too short", f"{n_words} words", WEIGHTS["too short"]))
    elif n_words > MAX_WORDS:
        reasons.append(Reason("too long", f"{n_words} words", WEIGHTS["too long"]))
    reasons.sort(key=_strongest_first)
    score = round(sum(r.weight for r in reasons), 2)
    return Worthiness(score, tuple(reasons), tuple(values))


def _strongest_first(reason: Reason) -> tuple[float, str]:
    return -reason.weight, reason.feature


_QUOTATION = Reason("quotation", "", WEIGHTS["quotation"])
_QUESTION = Reason("question", "", WEIGHTS["question"])


def clear_cache() -> None:
    """Empty this module's per-word table (see `articles.claimfinding.clear_caches`)."""
    _INFO.clear()

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

from articles.claimfinding import lexicon
from articles.claimfinding.values import UPPER, Kind, Value, extract_values


@dataclass(frozen=True, slots=True)
class Reason:
    """One feature found in a sentence: what it is, the words that show it, and its weight."""

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
    their first word) and prefixes ("illegal*")."""

    words: frozenset[str]
    phrases: frozenset[tuple[str, ...]]
    phrases_by_first: dict[str, tuple[tuple[str, ...], ...]]
    prefixes: tuple[str, ...]
    prefix_pattern: re.Pattern[str] | None

    @classmethod
    def of(cls, entries: str) -> _Lexicon:
        items = lexicon.words(entries)
        prefixes = tuple(e[:-1] for e in items if e.endswith("*"))
        phrases = frozenset(tuple(e.split("_")) for e in items if "_" in e)
        by_first: dict[str, list[tuple[str, ...]]] = {}
        for phrase in sorted(phrases, key=len):
            by_first.setdefault(phrase[0], []).append(phrase)
        return cls(
            words=frozenset(e for e in items if "_" not in e and not e.endswith("*")),
            phrases=phrases,
            phrases_by_first={first: tuple(found) for first, found in by_first.items()},
            prefixes=prefixes,
            prefix_pattern=(
                re.compile("|".join(re.escape(p) for p in sorted(prefixes, reverse=True)))
                if prefixes
                else None
            ),
        )

    def find(self, tokens: list[str]) -> list[str]:
        """The entries found in the sentence's casefolded words: words and prefixes in order of
        appearance, then phrases (shortest first)."""
        words, pattern = self.words, self.prefix_pattern
        found = [t for t in tokens if t in words or (pattern is not None and pattern.match(t))]
        starts = [(i, t) for i, t in enumerate(tokens) if t in self.phrases_by_first]
        hits: list[tuple[int, int, str]] = []
        for i, first in starts:
            for phrase in self.phrases_by_first[first]:
                if tuple(tokens[i : i + len(phrase)]) == phrase:
                    hits.append((len(phrase), i, " ".join(phrase)))
        found.extend(text for _, _, text in sorted(hits))
        return found


_LEXICONS: tuple[tuple[str, _Lexicon], ...] = (
    ("attribution", _Lexicon.of(lexicon.ATTRIBUTION)),
    ("comparison", _Lexicon.of(lexicon.COMPARATIVE)),
    ("legal language", _Lexicon.of(lexicon.LEGAL)),
    ("causal language", _Lexicon.of(lexicon.CAUSAL)),
    ("hedge or opinion", _Lexicon.of(lexicon.HEDGES)),
)
_TOKENS = re.compile(r"\w+(?:['\u2019-]\w+)*")
_QUOTE = re.compile(r"[\"“”„«»]|(?<!\w)['\u2018][^'\u2018\u2019]{3,}['\u2019](?!\w)")
_VALUE_FEATURES: tuple[tuple[str, tuple[Kind, ...]], ...] = (
    ("money amount", (Kind.MONEY,)),
    ("percentage", (Kind.PERCENT,)),
    ("figure", (Kind.FIGURE,)),
    ("date", (Kind.DATE, Kind.WEEKDAY)),
)


_ALL_WORDS = frozenset().union(*(lex.words for _, lex in _LEXICONS))
_ALL_PHRASES = tuple(phrase for _, lex in _LEXICONS for phrase in lex.phrases)
_ALL_PREFIXES = tuple(prefix for _, lex in _LEXICONS for prefix in lex.prefixes)
# A digit, a currency sign, a quotation mark, or a capital letter after the first character:
# what any positive value or name feature needs.
_SIGNS = re.compile(rf"[\d\"“”„«»%$€£¥]|(?<=.)[{UPPER}]")


def may_score(text: str) -> bool:
    """False only when `text` cannot score above zero: no figure, name or quotation, and no word
    of the feature lists. A cheap test run before `score_sentence` on every sentence."""
    if _SIGNS.search(text):
        return True
    tokens = set(_TOKENS.findall(text.casefold()))
    return (
        not tokens.isdisjoint(_ALL_WORDS)
        or any(t.startswith(_ALL_PREFIXES) for t in tokens)
        or any(tokens.issuperset(phrase) for phrase in _ALL_PHRASES)
    )


def _listing(items: Sequence[str], limit: int = 3) -> str:
    unique = list(dict.fromkeys(items))
    text = ", ".join(unique[:limit])
    return text + (", …" if len(unique) > limit else "")


def score_sentence(text: str) -> Worthiness:
    """The check-worthiness of one sentence (any of the importer's languages)."""
    values = extract_values(text)
    reasons: list[Reason] = []
    for feature, kinds in _VALUE_FEATURES:
        found = [v.text for v in values if v.kind in kinds]
        if found:
            reasons.append(Reason(feature, _listing(found), WEIGHTS[feature]))
    names = list(dict.fromkeys(v.text for v in values if v.kind is Kind.NAME))
    if names:
        weight = WEIGHTS["named organisation or person"] * min(len(names), MAX_NAMES)
        reasons.append(Reason("named organisations or people", _listing(names), weight))
    tokens = [t.replace("\u2019", "'") for t in _TOKENS.findall(text.casefold())]
    for feature, words in _LEXICONS:
        found = words.find(tokens)
        if found:
            reasons.append(Reason(feature, _listing(found), WEIGHTS[feature]))
    if _QUOTE.search(text):
        reasons.append(Reason("quotation", "", WEIGHTS["quotation"]))
    if text.rstrip().endswith("?"):
        reasons.append(Reason("question", "", WEIGHTS["question"]))
    n_words = len(tokens)
    if n_words < MIN_WORDS:
        reasons.append(Reason("too short", f"{n_words} words", WEIGHTS["too short"]))
    elif n_words > MAX_WORDS:
        reasons.append(Reason("too long", f"{n_words} words", WEIGHTS["too long"]))
    reasons.sort(key=lambda r: (-r.weight, r.feature))
    score = round(sum(r.weight for r in reasons), 2)
    return Worthiness(score, tuple(reasons), tuple(values))

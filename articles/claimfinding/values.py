"""The checkable values a sentence states: money amounts, percentages, other figures, dates,
weekdays and names, each with its span in the sentence and a normalised key.

The keys make values comparable across outlets and languages: "$42,000" and "42,000 USD" are
both `("USD", 42000.0)`, "April 20th, 2023" and "20 de abril de 2023" both `(2023, 4, 20)`.
"""

from __future__ import annotations

import datetime as dt
import operator
import re
from collections.abc import Iterable, Sequence
from enum import Enum
from typing import Any, NamedTuple

import numpy as np

from articles.claimfinding.lexicon import (
    CURRENCIES,
    FUNCTION_WORDS,
    MONTHS,
    PERCENT_WORDS,
    SCALES,
    WEEKDAYS,
)


class Kind(Enum):
    MONEY = "money"
    PERCENT = "percent"
    FIGURE = "figure"
    DATE = "date"
    WEEKDAY = "weekday"
    NAME = "name"


class Value(NamedTuple):
    """One value in a sentence: `text == sentence[start:end]`; `key` is its normalised form.

    A named tuple rather than a frozen dataclass: every sentence of every article makes a few,
    and a tuple is several times cheaper to create."""

    kind: Kind
    key: tuple[object, ...]
    text: str
    start: int
    end: int


def _alternation(entries: list[str]) -> str:
    return "|".join(re.escape(e) for e in sorted(entries, key=len, reverse=True))


def _trie(entries: list[str]) -> str:
    """A pattern matching what `_alternation(entries)` matches, and preferring the same match:
    the entries as a tree of their letters. Where several entries match at one place, they are
    prefixes of one another, and both try the longest first; but `re` tries each branch of an
    alternation in turn, so the tree (a branch per distinct letter) fails much sooner on a
    word that is none of them."""
    tree: dict[str, Any] = {}
    for entry in entries:
        node = tree
        for letter in entry:
            node = node.setdefault(letter, {})
        node[""] = {}

    def pattern(node: dict[str, Any]) -> str:
        branches = [re.escape(letter) + pattern(rest) for letter, rest in node.items() if letter]
        if not branches:
            return ""
        either = branches[0] if len(branches) == 1 else f"(?:{'|'.join(branches)})"
        # An entry ending here: the longer ones first (a greedy optional group).
        return f"(?:{either})?" if "" in node else either

    return pattern(tree)


# Letters that start a name: upper-case Latin (with diacritics), Greek and Cyrillic. Shared
# with the worthiness pre-test for capitals.
UPPER = "".join(
    c
    for c in map(chr, [*range(0x41, 0x250), *range(0x370, 0x530), *range(0x1E00, 0x1F00)])
    if c.isupper()
)
_NUMBER = r"\d{1,3}(?:[.,\u00a0\u202f]\d{3})+(?:[.,]\d+)?|\d+(?:[.,]\d+)?"
_SCALE_WORDS = [w for w in SCALES if len(w) > 2]
_SCALE = rf"(?:\s?(?:bn|mn|tn|k|m|b)(?![\w])|\s(?:{_alternation(_SCALE_WORDS)})\.?(?![\w]))"
_SYMBOLS = [c for c in CURRENCIES if not c.isalpha()]
_CURRENCY_CODES = ["usd", "eur", "gbp", "chf", "jpy"]
_CURRENCY_BEFORE = rf"(?:{_alternation(_SYMBOLS)}|\b(?:{'|'.join(_CURRENCY_CODES)})\s?)"
_CURRENCY_AFTER = (
    rf"(?:\s?(?:{_alternation(_SYMBOLS)})|\s(?:de\s)?(?:{_alternation(list(CURRENCIES))})\b)"
)
# A money amount opens with a currency sign or code, or with a number's digit: a look-ahead for
# one of those first characters, tried before the alternatives at each place of a text, fails
# at most places at once (the same matches; tested).
_MONEY_FIRST = re.escape("".join(sorted({e[0] for e in [*_SYMBOLS, *_CURRENCY_CODES]})))

_MONEY = re.compile(
    rf"(?=[\d{_MONEY_FIRST}])"
    rf"(?:(?P<pre>{_CURRENCY_BEFORE})\s?(?P<n1>{_NUMBER})(?P<s1>{_SCALE})?"
    rf"|(?<![\w.,])(?P<n2>{_NUMBER})(?P<s2>{_SCALE})?(?P<post>{_CURRENCY_AFTER}))",
    re.IGNORECASE,
)
_PERCENT = re.compile(
    rf"(?=\d)(?<![\w.,])(?P<n>{_NUMBER})\s?(?:{_alternation(list(PERCENT_WORDS))})(?!\w)",
    re.IGNORECASE,
)
# `(?<![\w.,])(?P<n>{_NUMBER})...` with the look-behind moved after the number's first digit
# (two characters back): a pattern that opens with a digit is searched for by skipping to the
# next digit, not tried at every position of the text (the same matches; tested).
_NUMBER_AFTER_FIRST_DIGIT = r"\d{0,2}(?:[.,\u00a0\u202f]\d{3})+(?:[.,]\d+)?|\d*(?:[.,]\d+)?"
_FIGURE = re.compile(
    rf"(?P<n>\d(?<![\w.,]\d)(?:{_NUMBER_AFTER_FIRST_DIGIT}))(?P<s>{_SCALE})?(?![\d])",
    re.IGNORECASE,
)

_MONTH = _trie(list(MONTHS))
_WEEKDAY = _trie(list(WEEKDAYS))
_DAY = r"(?:[12]\d|3[01]|0?[1-9])"
_YEAR = r"(?:1[89]\d\d|2[01]\d\d)"


def _date_pattern(month: str) -> re.Pattern[str]:
    return re.compile(
        # Branches starting with a digit first, behind one look-ahead: cheaper than trying each
        # of them at every position of the sentence.
        rf"(?=\d)(?:"
        # 20 April 2023, 20. April 2023, 20 de abril de 2023, 20th of April
        rf"(?<!\d)(?P<d1>{_DAY})(?:st|nd|rd|th|\.|º)?\s(?:of\s|de\s)?(?P<m1>{month})\.?(?!\w)"
        rf"(?:,?\s(?:de\s)?(?P<y1>{_YEAR})(?!\d))?"
        # 2023-04-20, 20.04.2023, 20/04/2023 (day first, as everywhere but the US)
        rf"|(?P<iy>{_YEAR})-(?P<im>[01]\d)-(?P<id>[0-3]\d)"
        rf"|(?<![\d.])(?P<nd>{_DAY})[./](?P<nm>0?[1-9]|1[0-2])[./](?P<ny>{_YEAR})(?!\d))"
        # April 20th, 2023 / April 25 (month first: capitalised, so "may" the verb is no month)
        rf"|\b(?-i:(?=[{UPPER}]))(?P<m2>{month})\.?\s(?P<d2>{_DAY})(?:st|nd|rd|th)?(?!\d)"
        rf"(?:,?\s(?P<y2>{_YEAR})(?!\d))?"
        # April 2023, abril de 2023
        rf"|\b(?P<m3>{month})\.?\s(?:de\s)?(?P<y3>{_YEAR})(?!\d)",
        re.IGNORECASE,
    )


_DATE = _date_pattern(_MONTH)
# The same groups with month names that never match: for the many sentences naming no month,
# where a case-insensitive alternation of every month name is the slowest part of extraction.
_NUMERIC_DATE = _date_pattern(r"(?!x)x")
# `(?<![\w.,$€£])(?P<y>{_YEAR})...`, the look-behind after the first digit (as in _FIGURE).
_YEAR_ALONE = re.compile(
    r"(?P<y>1(?<![\w.,$€£]1)[89]\d\d|2(?<![\w.,$€£]2)[01]\d\d)(?![\w%]|[.,]\d)"
)
_WEEKDAY_RE = re.compile(rf"\b(?<!\w)(?P<w>{_WEEKDAY})(?!\w)", re.IGNORECASE)
_CONNECTORS = r"(?:of|de|del|la|von|van|der|den|du|di|da|dos|das|y|&|and)"
_NAME_WORD = rf"[{UPPER}][\w'\u2019&-]*"
_NAME = re.compile(rf"{_NAME_WORD}(?:\s(?:{_CONNECTORS}\s)?{_NAME_WORD})*")
_DIGIT = re.compile(r"\d")
_WORD = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*")
# What a money amount or a percentage cannot be written without: a sign, or one of these words
# (the case-insensitive alternations behind _MONEY and _PERCENT are slow on sentences with none).
# Every currency symbol holds one of the signs; a currency word may be part of a longer word
# ("5 euro-zone"), so the words are looked for in the casefolded text.
_MONEY_SIGNS = frozenset("$€£¥")
_MONEY_WORDS = tuple(sorted(w for w in CURRENCIES if w.isalpha()))
# What a numeric date ("2023-04-20", "20.04.2023") cannot be written without.
_NUMERIC_DATE_HINT = re.compile(r"\d[-./]\d")
_PERCENT_WORDS = frozenset(w for entry in PERCENT_WORDS for w in entry.split() if w.isalpha())
_POSSESSIVE = re.compile(r"['\u2019]s?$")


def parse_number(text: str) -> float:
    """A number written with any of the usual separators: "42,000", "42.000", "3,5", "1.234,5"."""
    if text.isdigit():  # no separator at all (most figures): as the last line below
        return float(text)
    text = text.replace("\u00a0", "").replace("\u202f", "")
    if "." in text and "," in text:
        decimal = "." if text.rfind(".") > text.rfind(",") else ","
        thousands = "," if decimal == "." else "."
        return float(text.replace(thousands, "").replace(decimal, "."))
    for separator in ",.":
        if separator in text:
            parts = text.split(separator)
            if len(parts) > 2 or len(parts[-1]) == 3:
                return float("".join(parts))
            return float(text.replace(separator, "."))
    return float(text)


def _scale(text: str | None) -> float:
    if not text:
        return 1.0
    return SCALES.get(text.strip().rstrip(".").casefold(), 1.0)


def _currency(text: str) -> str:
    word = text.strip().casefold()
    if word.startswith("de "):
        word = word[3:].strip()
    return CURRENCIES.get(word, "")


def _overlaps(start: int, end: int, taken: list[tuple[int, int]]) -> bool:
    # A loop, not any() over a generator: called for most values, the generator costs more.
    for t_start, t_end in taken:  # noqa: SIM110
        if start < t_end and t_start < end:
            return True
    return False


def _format_amount(amount: float) -> float:
    return round(amount, 6)


# What `word_flags` reports: which of these lists a text's words (casefolded `_WORD` tokens) meet.
MONTH_WORD = 1
WEEKDAY_WORD = 2
PERCENT_WORD = 4


def word_flags(folded: str) -> int:
    """The lists the words of the casefolded `folded` meet (`MONTH_WORD | WEEKDAY_WORD | ...`):
    the value patterns that cannot match without such a word are not run. The flags of a
    sentence are the union of those of its parts, so a caller holding its words' flags (the
    worthiness scorer caches them per word) passes them to `extract_values` instead."""
    flags = 0
    for word in (folded,) if folded.isalpha() else _WORD.findall(folded):
        if word in MONTHS:
            flags |= MONTH_WORD
        if word in WEEKDAYS:
            flags |= WEEKDAY_WORD
        if word in _PERCENT_WORDS:
            flags |= PERCENT_WORD
    return flags


def extract_values(sentence: str, flags: int | None = None, *, names: bool = True) -> list[Value]:
    """Every value in `sentence`, in order of kind then position; a span belongs to one value
    (the figure in "$10 billion" is the money amount, not also a figure). `flags` are the
    sentence's `word_flags`, computed here when not given. Without `names`, names are left out
    (the worthiness scorer finds them from its word table)."""
    values: list[Value] = []
    taken: list[tuple[int, int]] = []

    def add(kind: Kind, key: tuple[object, ...], start: int, end: int) -> None:
        values.append(Value(kind, key, sentence[start:end], start, end))
        taken.append((start, end))

    if flags is None:
        flags = word_flags(sentence.casefold())
    if _DIGIT.search(sentence):
        if _MONEY_SIGNS.isdisjoint(sentence):
            folded = sentence.casefold()
            has_money = any(word in folded for word in _MONEY_WORDS)
        else:
            has_money = True
        for m in _MONEY.finditer(sentence) if has_money else ():
            number, scale = (m["n1"], m["s1"]) if m["n1"] else (m["n2"], m["s2"])
            code = _currency(m["pre"] or m["post"] or "")
            if not code:
                continue
            amount = parse_number(number) * _scale(scale)
            add(Kind.MONEY, (code, _format_amount(amount)), m.start(), m.end())
        has_percent = "%" in sentence or flags & PERCENT_WORD
        for m in _PERCENT.finditer(sentence) if has_percent else ():
            if not (taken and _overlaps(m.start(), m.end(), taken)):
                add(Kind.PERCENT, (_format_amount(parse_number(m["n"])),), m.start(), m.end())
        if flags & MONTH_WORD:
            dates: Iterable[re.Match[str]] = _DATE.finditer(sentence)
        elif _NUMERIC_DATE_HINT.search(sentence):
            dates = _NUMERIC_DATE.finditer(sentence)
        else:
            dates = ()
        for m in dates:
            if taken and _overlaps(m.start(), m.end(), taken):
                continue
            key = _date_key(m)
            if key is not None:
                add(Kind.DATE, key, m.start(), m.end())
        for m in _YEAR_ALONE.finditer(sentence):
            if not (taken and _overlaps(m.start(), m.end(), taken)):
                add(Kind.DATE, (int(m["y"]), None, None), m.start(), m.end())
        for m in _FIGURE.finditer(sentence):
            if not (taken and _overlaps(m.start(), m.end(), taken)):
                amount = parse_number(m["n"]) * _scale(m["s"])
                add(Kind.FIGURE, (_format_amount(amount),), m.start(), m.end())
    for m in _WEEKDAY_RE.finditer(sentence) if flags & WEEKDAY_WORD else ():
        if not (taken and _overlaps(m.start(), m.end(), taken)):
            add(Kind.WEEKDAY, (WEEKDAYS[m["w"].casefold()],), m.start(), m.end())
    if names:
        for start, end, key in _names(sentence, taken):
            add(Kind.NAME, key, start, end)
    return values


# What `extract_many` is told of each sentence besides its `word_flags` (the worthiness scorer
# knows it from its word table): which patterns can match at all.
HAS_DIGIT = 1 << 8
MONEY_HINT = 1 << 9  # a currency sign, or a currency word inside some word
PERCENT_HINT = 1 << 10  # a "%"
NUMERIC_DATE_HINT = 1 << 11  # a digit, then "-", "." or "/", then a digit
_JOIN = "\x00"


def extract_many(
    sentences: Sequence[str], hints: Sequence[int], *, keys: bool = True
) -> list[list[Value]]:
    """The values of many sentences but their names, as `extract_values(s, names=False)` gives
    them, with `hints[i]` the `word_flags` of sentence i or-ed with the hints above. Each pattern
    runs once over the sentences it can match (joined), not once per sentence. Without `keys`,
    the key of every value is left empty, `()`, and only worked out where it decides whether
    there is a value at all (a money amount's currency, a date's month): the same values at the
    same places, for a caller that reads their kinds and texts only (the worthiness scorer)."""
    found: list[list[Value]] = [[] for _ in sentences]
    taken: list[list[tuple[int, int]]] = [[] for _ in sentences]

    def scan(pattern: re.Pattern[str], rows: list[int]) -> list[tuple[int, re.Match[str], int]]:
        """(sentence, match, offset of the sentence in the scanned text) for each match."""
        texts = [sentences[i] for i in rows]
        joined = _JOIN.join(texts)
        if joined.count(_JOIN) != len(texts) - 1:  # some sentence holds the separator
            return [(i, m, 0) for i in rows for m in pattern.finditer(sentences[i])]
        matches = list(pattern.finditer(joined))
        if not matches:
            return []
        lengths = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts)) + 1
        starts = np.zeros(len(texts), dtype=np.int64)
        np.cumsum(lengths[:-1], out=starts[1:])
        # The sentence of each match: the last one starting at or before it.
        at = np.fromiter(map(_START, matches), dtype=np.int64, count=len(matches))
        owner = np.searchsorted(starts, at, side="right") - 1
        return list(
            zip(
                np.asarray(rows, dtype=np.int64)[owner].tolist(),
                matches,
                starts[owner].tolist(),
                strict=True,
            )
        )

    def add(i: int, kind: Kind, key: tuple[object, ...], start: int, end: int) -> None:
        found[i].append(Value(kind, key, sentences[i][start:end], start, end))
        taken[i].append((start, end))

    key: tuple[object, ...] | None
    digits = [i for i, h in enumerate(hints) if h & HAS_DIGIT]
    money = [i for i in digits if hints[i] & MONEY_HINT]
    for i, m, base in scan(_MONEY, money):
        number, scale = (m["n1"], m["s1"]) if m["n1"] else (m["n2"], m["s2"])
        code = _currency(m["pre"] or m["post"] or "")
        if code:
            key = (code, _format_amount(parse_number(number) * _scale(scale))) if keys else ()
            add(i, Kind.MONEY, key, m.start() - base, m.end() - base)
    percent = [i for i in digits if hints[i] & (PERCENT_HINT | PERCENT_WORD)]
    for i, m, base in scan(_PERCENT, percent):
        start, end = m.start() - base, m.end() - base
        if not (taken[i] and _overlaps(start, end, taken[i])):
            key = (_format_amount(parse_number(m["n"])),) if keys else ()
            add(i, Kind.PERCENT, key, start, end)
    for pattern, rows in (
        (_DATE, [i for i in digits if hints[i] & MONTH_WORD]),
        (
            _NUMERIC_DATE,
            [i for i in digits if not hints[i] & MONTH_WORD and hints[i] & NUMERIC_DATE_HINT],
        ),
    ):
        for i, m, base in scan(pattern, rows):
            start, end = m.start() - base, m.end() - base
            if taken[i] and _overlaps(start, end, taken[i]):
                continue
            key = _date_key(m)
            if key is not None:
                add(i, Kind.DATE, key if keys else (), start, end)
    date = Kind.DATE
    for i, m, base in scan(_YEAR_ALONE, digits):
        start, end = m.span()
        start -= base
        end -= base
        spans = taken[i]
        if not (spans and _overlaps(start, end, spans)):
            key = (int(m["y"]), None, None) if keys else ()
            found[i].append(Value(date, key, m.group(), start, end))
            spans.append((start, end))
    figure = Kind.FIGURE
    for i, m, base in scan(_FIGURE, digits):
        start, end = m.span()
        start -= base
        end -= base
        spans = taken[i]
        if not (spans and _overlaps(start, end, spans)):
            key = ()
            if keys:
                number, scale = m.group("n", "s")
                key = (round(parse_number(number) * (_scale(scale) if scale else 1.0), 6),)
            found[i].append(Value(figure, key, m.group(), start, end))
            spans.append((start, end))
    weekdays = [i for i, h in enumerate(hints) if h & WEEKDAY_WORD]
    for i, m, base in scan(_WEEKDAY_RE, weekdays):
        start, end = m.start() - base, m.end() - base
        if not (taken[i] and _overlaps(start, end, taken[i])):
            key = (WEEKDAYS[m["w"].casefold()],) if keys else ()
            add(i, Kind.WEEKDAY, key, start, end)
    # In order of kind, then position, as `extract_values` (the scans went kind by kind).
    return found


_START = operator.methodcaller("start")


def _date_key(m: re.Match[str]) -> tuple[object, ...] | None:
    if m["m1"]:
        month, day, year = MONTHS.get(m["m1"].casefold()), int(m["d1"]), m["y1"]
    elif m["m2"]:
        month, day, year = MONTHS.get(m["m2"].casefold()), int(m["d2"]), m["y2"]
    elif m["m3"]:
        month, day, year = MONTHS.get(m["m3"].casefold()), None, m["y3"]
    elif m["iy"]:
        month, day, year = int(m["im"]), int(m["id"]), m["iy"]
    else:
        month, day, year = int(m["nm"]), int(m["nd"]), m["ny"]
    if month is None or not 1 <= month <= 12:
        return None
    return (int(year) if year else None, month, day)


# A name match's text -> (characters of leading words that are not part of the name, length
# of the name, its key; None when nothing of it is a name, whether it is one word that reads as a
# verb or adverb when it opens the sentence). Names recur across sentences and articles: each
# distinct text is worked out once, and the table is emptied when it grows past _SHAPES_MAX.
_NameShape = tuple[int, int, tuple[str, ...], bool] | None
_SHAPES: dict[str, _NameShape] = {}
_SHAPES_MAX = 200_000


def _name_shape(text: str) -> _NameShape:
    words = text.split()
    skip = 0
    # Leading function words ("The", "In") and months or weekdays are not part of a name.
    while words and (
        words[0].casefold().replace("\u2019", "'") in FUNCTION_WORDS
        or words[0].casefold().rstrip(".") in MONTHS
        or words[0].casefold() in WEEKDAYS
    ):
        skip += len(words[0]) + 1
        words = words[1:]
    while words and words[-1].casefold() in FUNCTION_WORDS:
        words = words[:-1]
    if not words:
        return None
    key = tuple(_POSSESSIVE.sub("", w).casefold().rstrip(".-") for w in words)
    if not any(key):
        return None
    # A verb or adverb opening the sentence ("Stealing the database ...").
    verb_like = len(words) == 1 and words[0].casefold().endswith(("ing", "ed", "ly"))
    return skip, len(" ".join(words)), key, verb_like


def _names(
    sentence: str, taken: list[tuple[int, int]]
) -> list[tuple[int, int, tuple[object, ...]]]:
    found: list[tuple[int, int, tuple[object, ...]]] = []
    shapes = _SHAPES
    for m in _NAME.finditer(sentence):
        text = m.group()
        try:
            shape = shapes[text]
        except KeyError:
            if len(shapes) >= _SHAPES_MAX:
                shapes.clear()
            shape = shapes[text] = _name_shape(text)
        if shape is None:
            continue
        skip, length, key, verb_like = shape
        start = m.start() + skip
        if verb_like and start == 0:
            continue
        end = start + length
        if taken and _overlaps(start, end, taken):
            continue
        found.append((start, end, key))
    return found


def compatible(kind: Kind, first: tuple[object, ...], second: tuple[object, ...]) -> bool:
    """Whether two values of one kind can both be true of one claim.

    Dates agree when every part both give is equal ("April 2023" fits "20 April 2023"); a
    weekday agrees with a full date falling on it; names agree when one's words are all in
    the other ("Musk" and "Elon Musk"); other values must be equal.
    """
    if kind is Kind.DATE:
        return all(a is None or b is None or a == b for a, b in zip(first, second, strict=True))
    if kind is Kind.NAME:
        a, b = set(first), set(second)
        return a <= b or b <= a
    return first == second


def weekday_of(key: tuple[object, ...]) -> int | None:
    """The weekday (0 = Monday) of a full date key, or None for a partial or impossible one."""
    year, month, day = key
    if not isinstance(year, int) or not isinstance(month, int) or not isinstance(day, int):
        return None
    try:
        return dt.date(year, month, day).weekday()
    except ValueError:
        return None


def clear_cache() -> None:
    """Empty this module's per-word table (see `articles.claimfinding.clear_caches`)."""
    _SHAPES.clear()

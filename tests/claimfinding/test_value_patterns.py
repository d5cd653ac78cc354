"""The figure and lone-year patterns open with a digit (so `re` skips to the next digit instead of
trying every position), and the money and percentage patterns with a look-ahead for their first
character; they find exactly what the patterns written without found, on random text dense in
digits, separators, scales, currencies and signs."""

import random
import re

from articles.claimfinding import values
from tests.claimfinding.test_pinned_output import SENTENCES

BEFORE = {
    "figure": re.compile(
        rf"(?<![\w.,])(?P<n>{values._NUMBER})(?P<s>{values._SCALE})?(?![\d])", re.IGNORECASE
    ),
    "year": re.compile(rf"(?<![\w.,$€£])(?P<y>{values._YEAR})(?![\w%]|[.,]\d)"),
    # Money amounts and percentages without the look-ahead for their first character.
    "money": re.compile(
        rf"(?P<pre>{values._CURRENCY_BEFORE})\s?(?P<n1>{values._NUMBER})(?P<s1>{values._SCALE})?"
        rf"|(?<![\w.,])(?P<n2>{values._NUMBER})(?P<s2>{values._SCALE})?"
        rf"(?P<post>{values._CURRENCY_AFTER})",
        re.IGNORECASE,
    ),
    "percent": re.compile(
        rf"(?<![\w.,])(?P<n>{values._NUMBER})\s?"
        rf"(?:{values._alternation(list(values.PERCENT_WORDS))})(?!\w)",
        re.IGNORECASE,
    ),
}
NOW = {
    "figure": values._FIGURE,
    "year": values._YEAR_ALONE,
    "money": values._MONEY,
    "percent": values._PERCENT,
}
PIECES = [
    *"0123456789",
    "19", "20", "18", "21", "2023", "1999", "٣", "²",
    ".", ",", ", ", " ", "  ", "\u00a0", "\u202f", "%", "$", "€", "£", "-", "/", "\n", "_",
    "a", "X", "é", "k", "m", "b", "bn", "mn", " million", " Mrd.", " mil", " thousand", " de ",
    "¥", "US$", "r$", "usd", "EUR", " eur", "Gbp ", "chf", "jpy", " euros", " dólares", " Pound",
    " de euros", " percent", " por ciento", " Prozent", "c", "j", "u", "R",
]  # fmt: skip


def _found(pattern: re.Pattern[str], text: str) -> list[tuple[tuple[int, int], dict[str, str]]]:
    return [(m.span(), m.groupdict()) for m in pattern.finditer(text)]


def _same_matches(
    now: dict[str, re.Pattern[str]], before: dict[str, re.Pattern[str]], texts: list[str]
) -> int:
    """Asserts each pattern of `now` finds what the one of `before` with its name finds, with
    the same groups, in every text; returns how many matches there were."""
    matched = 0
    for text in texts:
        for name, pattern in now.items():
            expected = _found(before[name], text)
            assert _found(pattern, text) == expected, (name, text)
            matched += len(expected)
    return matched


def test_same_matches_on_random_text_and_sentences():
    rng = random.Random(3)
    texts = ["".join(rng.choices(PIECES, k=rng.randint(1, 40))) for _ in range(20_000)]
    texts += SENTENCES
    assert _same_matches(NOW, BEFORE, texts) > 10_000


# Month and weekday names are matched through a tree of their letters (`values._trie`): the same
# matches, with the same groups, as the alternation of the names longest first.
NAMES_BEFORE = {
    "date": values._date_pattern(values._alternation(list(values.MONTHS))),
    "weekday": re.compile(
        rf"\b(?<!\w)(?P<w>{values._alternation(list(values.WEEKDAYS))})(?!\w)", re.IGNORECASE
    ),
}
NAMES_NOW = {"date": values._DATE, "weekday": values._WEEKDAY_RE}


def _name_pieces(names: list[str]) -> list[str]:
    """Names, their prefixes and case variants, and what a date is written with."""
    pieces = [*"0123456789", " ", ".", ",", "-", "/", "º", "th", "de ", "of ", "x", "\u0130"]
    for name in names:
        pieces += [name, name.upper(), name.capitalize(), name[: len(name) // 2], name[1:]]
    return pieces


def test_name_trees_match_as_the_alternations():
    rng = random.Random(5)
    pieces = _name_pieces([*values.MONTHS, *values.WEEKDAYS, "2023", "1999", "20", "3"])
    texts = [
        "".join(p + rng.choice(["", " ", " ", ", "]) for p in rng.choices(pieces, k=30))
        for _ in range(10_000)
    ]
    texts += SENTENCES
    assert _same_matches(NAMES_NOW, NAMES_BEFORE, texts) > 10_000


def test_name_trees_are_not_the_alternations():
    # The test above compares two different patterns (a tree, not the alternation itself).
    assert values._alternation(list(values.MONTHS)) != values._MONTH
    assert values._trie(["sep", "sept", "september", "x"]) == "(?:sep(?:t(?:ember)?)?|x)"

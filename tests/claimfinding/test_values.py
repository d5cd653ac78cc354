import pytest

from articles.claimfinding.values import Kind, compatible, extract_values, parse_number
from tests.claimfinding.test_pinned_output import SENTENCES


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("42,000", 42000.0),
        ("42.000", 42000.0),
        ("3,5", 3.5),
        ("10.5", 10.5),
        ("1.234,5", 1234.5),
        ("1,234.5", 1234.5),
        ("1,000,000", 1_000_000.0),
        ("7", 7.0),
    ],
)
def test_parse_number_separators(text, number):
    assert parse_number(text) == number


def _keys(sentence, kind):
    return [(v.key, v.text) for v in extract_values(sentence) if v.kind is kind]


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("Microsoft contributed $10 billion to OpenAI.", [("USD", 1e10)]),
        (
            "Fees range from 42,000 USD to 210,000 USD per month.",
            [("USD", 42000.0), ("USD", 210000.0)],
        ),
        ("Die Bahn zahlte 3,5 Mrd. Euro.", [("EUR", 3.5e9)]),
        ("Pagó 10 millones de dólares.", [("USD", 1e7)]),
        ("It cost €2.5m and £300.", [("EUR", 2.5e6), ("GBP", 300.0)]),
        ("The company has 300 employees.", []),
    ],
)
def test_extract_money(sentence, expected):
    assert [key for key, _ in _keys(sentence, Kind.MONEY)] == expected


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("On April 20th, 2023, Musk tweeted.", [(2023, 4, 20)]),
        ("El 20 de abril de 2023 Musk tuiteó.", [(2023, 4, 20)]),
        ("Am 20. April 2023 twitterte Musk.", [(2023, 4, 20)]),
        ("Starting April 25, support ends.", [(None, 4, 25)]),
        ("He left the board in 2018.", [(2018, None, None)]),
        ("Published 2023-04-19 and 19.04.2023.", [(2023, 4, 19), (2023, 4, 19)]),
        ("You may 5 times a day.", []),
    ],
)
def test_extract_dates(sentence, expected):
    assert [key for key, _ in _keys(sentence, Kind.DATE)] == expected


def test_extract_percent_weekday_figure_name():
    values = extract_values(
        "On Wednesday, the Deutsche Bahn said prices rose 5,5 Prozent for 57 million riders."
    )
    by_kind = {v.kind: v for v in values}
    assert by_kind[Kind.WEEKDAY].key == (2,)
    assert by_kind[Kind.PERCENT].key == (5.5,)
    assert by_kind[Kind.FIGURE].key == (57e6,)
    assert [v.text for v in values if v.kind is Kind.NAME] == ["Deutsche Bahn"]


def test_extract_values_spans_match_sentence():
    sentence = (
        "Twitter CEO Elon Musk said Microsoft\u2019s deal was worth $42,000 on April 20, 2023."
    )
    for value in extract_values(sentence):
        assert sentence[value.start : value.end] == value.text


def test_names_skip_sentence_openers():
    names = [
        v.text
        for v in extract_values("According to Reuters, The Times reported it.")
        if v.kind is Kind.NAME
    ]
    assert names == ["Reuters", "Times"]


@pytest.mark.parametrize(
    ("kind", "first", "second", "agree"),
    [
        (Kind.DATE, (2023, 4, 20), (2023, 4, None), True),
        (Kind.DATE, (2023, 4, 20), (None, 4, 20), True),
        (Kind.DATE, (2023, 4, 20), (2023, 4, 19), False),
        (Kind.NAME, ("musk",), ("elon", "musk"), True),
        (Kind.NAME, ("smart", "campaigns", "a"), ("smart", "campaigns", "b"), False),
        (Kind.MONEY, ("USD", 1.0), ("USD", 1.0), True),
        (Kind.MONEY, ("USD", 1.0), ("EUR", 1.0), False),
    ],
)
def test_compatible(kind, first, second, agree):
    assert compatible(kind, first, second) is agree


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("Spain paid 5 euro-zone partners back.", [("EUR", 5.0)]),
        ("It cost USD5 and 7 dollars.", [("USD", 5.0), ("USD", 7.0)]),
        ("Prices rose 5 per cent, not 7.", []),
    ],
)
def test_extract_money_written_inside_longer_words_or_without_signs(sentence, expected):
    assert [key for key, _ in _keys(sentence, Kind.MONEY)] == expected


def test_names_are_the_same_whatever_was_seen_before():
    from articles.claimfinding import clear_caches

    sentences = [
        "Stealing the data is illegal, Musk said.",
        "Musk said Stealing was the word.",
        "The Ministry of Finance said so.",
        "Ministry of Finance officials said so.",
    ]
    clear_caches()
    cold = [
        [(v.text, v.start) for v in extract_values(s) if v.kind is Kind.NAME] for s in sentences
    ]
    warm = [
        [(v.text, v.start) for v in extract_values(s) if v.kind is Kind.NAME]
        for s in reversed(sentences)
    ][::-1]
    assert cold == warm
    assert cold[0] == [("Musk", 30)]
    assert ("Stealing", 10) in cold[1]


def test_extract_many_finds_what_extract_values_finds():
    from articles.claimfinding.values import (
        HAS_DIGIT,
        MONEY_HINT,
        NUMERIC_DATE_HINT,
        PERCENT_HINT,
        extract_many,
        word_flags,
    )

    sentences = [
        "Microsoft contributed $10 billion to OpenAI on April 20th, 2023.",
        "Fees range from 42,000 USD to 210,000 USD per month, up 40%.",
        "El 20 de abril de 2023 pagó 10 millones de dólares, un 5 por ciento más.",
        "Published 2023-04-19 and 19.04.2023, on a Wednesday.",
        "Am Montag stieg die Zahl auf 57.000.",
        "No values here at all.",
        "A sentence with the separator \x00 and 12 items.",
        *SENTENCES,
    ]
    every = HAS_DIGIT | MONEY_HINT | PERCENT_HINT | NUMERIC_DATE_HINT
    hints = [word_flags(s.casefold()) | every for s in sentences]
    many = extract_many(sentences, hints)
    # Without keys: the same values at the same places, every key ().
    bare = extract_many(sentences, hints, keys=False)
    assert sum(map(len, many)) > 50
    for sentence, found, found_bare in zip(sentences, many, bare, strict=True):
        assert found == extract_values(sentence, names=False), sentence
        assert found_bare == [value._replace(key=()) for value in found], sentence

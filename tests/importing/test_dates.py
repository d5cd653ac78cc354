"""Dates in scraped text and records: what is read, what is not a date, what cannot be stored."""

import json
from datetime import UTC, datetime, timedelta, timezone

import pytest

from articles.importing import ParsedArticle, Rejection, SourceFile, dates, parse_source
from articles.importing.dates import DateOutOfRange, parse_date

EDT = timezone(timedelta(hours=-4))
BODY = (
    "The harbour authority said on Monday that 1,200 containers were delayed by the strike. "
    "Its director, Ines Vidal, said the backlog would clear within ten days."
)


@pytest.mark.parametrize(
    ("text", "language", "expected"),
    [
        ("Apr 19th, 2023 5:07PM EDT", "", datetime(2023, 4, 19, 17, 7, tzinfo=EDT)),
        ("Friday, March 1, 2024", "", datetime(2024, 3, 1, tzinfo=UTC)),
        ("19. April 2023", "", datetime(2023, 4, 19, tzinfo=UTC)),
        ("Wednesday 14 March 2024 10:32 GMT", "", datetime(2024, 3, 14, 10, 32, tzinfo=UTC)),
        ("Sat, 5 Jan 2019 10:00:00 +0100", "", datetime(2019, 1, 5, 9, tzinfo=UTC)),
        ("3 de mayo de 2024", "", datetime(2024, 5, 3, tzinfo=UTC)),
        ("1er mars 2024", "", datetime(2024, 3, 1, tzinfo=UTC)),
        ("19. April 2023 um 17:07 Uhr", "de", datetime(2023, 4, 19, 17, 7, tzinfo=UTC)),
        # Numeric dates are day first unless that cannot be.
        ("06/05/2024", "", datetime(2024, 5, 6, tzinfo=UTC)),
        ("5/13/2024", "", datetime(2024, 5, 13, tzinfo=UTC)),
        ("12.03.2024", "de", datetime(2024, 3, 12, tzinfo=UTC)),
        # The language hint reads dates the fallback languages do not know.
        ("3 maja 2024", "pl", datetime(2024, 5, 3, tzinfo=UTC)),
        ("2024年3月1日", "zh", datetime(2024, 3, 1, tzinfo=UTC)),
        ("3 maja 2024", "pl-PL", datetime(2024, 5, 3, tzinfo=UTC)),
        # Edge punctuation from bylines is ignored.
        ("| 2024-05-06 —", "", datetime(2024, 5, 6, tzinfo=UTC)),
    ],
)
def test_parse_date_reads_scraped_dates(text, language, expected):
    assert parse_date(text, language=language) == expected


def test_parse_date_keeps_the_offset_of_iso_dates():
    value = parse_date("2024-05-06T09:30:00+02:00")

    assert value is not None
    assert value.isoformat() == "2024-05-06T09:30:00+02:00"


@pytest.mark.parametrize(
    "text",
    [
        "",
        "soon",
        "March 2024",  # no day
        "yesterday",  # relative to a scrape time we do not know
        "2 hours ago",
        "1714980000",  # a number, not a timestamp
        "3 maja 2024",  # Polish without the hint
        "Water tariffs to rise as board approves plan",
        "Phone 0800 0000 2024",  # four zeros that are not a year
        "The council met on 3 May 2024 to vote on the budget for the next two years of works.",
        "2024-13-45",
        "2024-13-01",  # no such day: not read day first as the 13th of January
        "2024-02-30",
        "2023-02-29T10:00:00Z",
    ],
)
def test_parse_date_returns_none_for_what_is_not_one_date(text):
    assert parse_date(text) is None


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("9999-12-31T23:00:00-05:00", "dates must fall in the years 1 to 9999 in UTC"),
        ("31 December 9999 23:00 EST", "dates must fall in the years 1 to 9999 in UTC"),
        ("0001-01-01T00:30:00+01:00", "dates must fall in the years 1 to 9999 in UTC"),
        ("0000-05-01", "there is no year 0"),
        ("1 May 0000", "there is no year 0"),
        ("-0001-01-01", "it is before the year 1 (a minus sign)"),
        ("-2024-03-05T10:00:00Z", "it is before the year 1 (a minus sign)"),
    ],
)
def test_parse_date_rejects_dates_that_cannot_be_stored(text, reason):
    with pytest.raises(DateOutOfRange) as raised:
        parse_date(text)

    assert raised.value.message == f"the date '{text}' is out of range: {reason}"


def test_parse_date_accepts_the_last_storable_instant():
    assert parse_date("9999-12-31T23:59:59Z") == datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC)


def test_a_record_with_an_out_of_range_date_is_rejected_with_the_reason():
    records = [
        {"title": "Far future", "body": BODY, "published_at": "9999-12-31T23:00:00-05:00"},
        {"title": "Year zero", "body": BODY, "date": "0000-01-01"},
        {"title": "Fine", "body": BODY, "published_at": "2024-05-06"},
    ]
    outcomes = parse_source(SourceFile("list.json", json.dumps(records).encode()))

    assert [getattr(o, "reason", None) for o in outcomes[:2]] == [
        "published_at: the date '9999-12-31T23:00:00-05:00' is out of range: "
        "dates must fall in the years 1 to 9999 in UTC",
        "published_at: the date '0000-01-01' is out of range: there is no year 0",
    ]
    assert isinstance(outcomes[2], ParsedArticle)
    assert outcomes[2].published_at == datetime(2024, 5, 6, tzinfo=UTC)


def test_a_text_whose_published_line_cannot_be_stored_is_rejected():
    text = f"Water tariffs to rise\n\nPublished 31 December 9999 23:00 EST\n\n{BODY}"
    [outcome] = parse_source(SourceFile("far.txt", text.encode()))

    assert isinstance(outcome, Rejection)
    assert outcome.reason == (
        "the date '31 December 9999 23:00 EST' is out of range: "
        "dates must fall in the years 1 to 9999 in UTC"
    )


def test_a_bare_out_of_range_date_line_is_dropped_as_chrome_not_stored():
    text = f"Water tariffs to rise\n\n31 December 9999 23:00 EST\n\n{BODY}"
    [article] = parse_source(SourceFile("bare.txt", text.encode()))

    assert isinstance(article, ParsedArticle)
    assert article.body == BODY
    assert article.published_at is None


# --- date patterns learnt from dateparser ------------------------------------------------------

MONTH_KEYS = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
]
PATTERNS = (
    "{d} {m} {y}",
    "{m} {d}, {y}",
    "{d}. {m} {y}",
    "{d} de {m} de {y}",
    "Published on {m} {d}, {y}",
    "{y} {m} {d}",
    "le {d} {m} {y}",
    "{d}th {m} {y}",
)


@pytest.fixture
def no_patterns():
    dates.forget_date_patterns()
    yield
    dates.forget_date_patterns()


def _dateparser(text, language):
    return dates._dateparser(dates._languages(language), text)


def test_a_pattern_read_once_reads_every_day_and_year_without_dateparser(no_patterns, monkeypatch):
    assert parse_date("Publié le 3 mars 2021", language="fr") is None  # a whole line is no date
    assert parse_date("3 mars 2021", language="fr") == datetime(2021, 3, 3, tzinfo=UTC)

    def no_dateparser(languages):
        raise AssertionError("dateparser was asked")

    monkeypatch.setattr(dates, "_parser", no_dateparser)
    assert parse_date("17 mars 1999", language="fr") == datetime(1999, 3, 17, tzinfo=UTC)
    assert parse_date("09 mars 2024", language="fr") == datetime(2024, 3, 9, tzinfo=UTC)
    # Another language order is another reading: not taken from this one.
    with pytest.raises(AssertionError, match="dateparser was asked"):
        parse_date("17 mars 1999", language="en")


def test_a_day_the_month_does_not_have_is_left_to_dateparser(no_patterns):
    assert parse_date("3 February 2021", language="en") == datetime(2021, 2, 3, tzinfo=UTC)
    assert parse_date("30 February 2021", language="en") == _dateparser("30 February 2021", "en")


def test_numeric_dates_are_not_learnt(no_patterns):
    for text, language in (("12.03.2024", ""), ("06/05/2024", ""), ("2024年3月1日", "zh")):
        assert parse_date(text, language=language) is not None
    assert dates._PATTERNS == {}


def test_a_time_with_a_zone_and_a_12_hour_clock_is_learnt_with_its_shift(no_patterns, monkeypatch):
    assert parse_date("Apr 19th, 2023 5:07PM EDT") == datetime(2023, 4, 19, 21, 7, tzinfo=UTC)
    assert parse_date("14 March 2024, 23:30 CET") == datetime(2024, 3, 14, 22, 30, tzinfo=UTC)
    twelve_hour = _dateparser("Apr 20th, 2023 12:15PM EDT", "")
    asked: list[str] = []
    real = dates._dateparser

    def counted(languages, text):
        asked.append(text)
        return real(languages, text)

    monkeypatch.setattr(dates, "_dateparser", counted)

    assert parse_date("Apr 29th, 2024 9:59PM EDT") == datetime(2024, 4, 30, 1, 59, tzinfo=UTC)
    assert parse_date("1 March 2024, 00:30 CET") == datetime(2024, 2, 29, 23, 30, tzinfo=UTC)
    assert asked == []
    # Noon on a 12-hour clock is not "hour + 12": dateparser reads it.
    assert parse_date("Apr 20th, 2023 12:15PM EDT") == twelve_hour
    assert asked[0] == "Apr 20th, 2023 12:15PM EDT"
    # ... and the pattern learnt from the afternoon hour still reads the others.
    asked.clear()
    assert parse_date("Apr 30th, 2024 1:05AM EDT") == _dateparser("Apr 30th, 2024 1:05AM EDT", "")
    assert parse_date("Apr 11th, 2021 11:45PM EDT") == datetime(2021, 4, 12, 3, 45, tzinfo=UTC)
    assert "Apr 11th, 2021 11:45PM EDT" not in asked


def test_a_reading_that_does_not_follow_the_hour_is_not_learnt(no_patterns):
    # "12:15 AM" is a quarter past midnight; an afternoon hour with "AM" is read as written: no
    # one shift fits every hour of this pattern, so it is checked and not kept.
    assert parse_date("Apr 20th, 2023 12:15AM EDT") == _dateparser("Apr 20th, 2023 12:15AM EDT", "")
    assert not any("12:" in template for _, template in dates._PATTERNS)


def test_learnt_patterns_read_as_dateparser_does(no_patterns):
    # A sample of the check run across 31 languages (205,000 texts, no difference): month names
    # in every form dateparser knows, read in their language, in English and in another hint,
    # with valid and invalid days; each pattern first learnt from one day, then read for others.
    import importlib
    import random

    rng = random.Random(0)
    checked = 0
    for language in ("en", "es", "fr", "de", "it", "pt", "nl", "pl", "ru", "tr"):
        info = importlib.import_module(f"dateparser.data.date_translation_data.{language}").info
        names = [name for key in MONTH_KEYS for name in info[key]]
        for name in rng.sample(names, 3):
            pattern = rng.choice(PATTERNS)
            hint = rng.choice((language, "en", ""))
            for day in (rng.randint(1, 28), rng.randint(1, 28), rng.choice((29, 30, 31, 0))):
                text = pattern.format(d=day, m=name, y=rng.randint(1950, 2030))
                assert parse_date(text, language=hint) == _dateparser(text, hint), text
                checked += 1
    assert checked == 90
    assert dates._PATTERNS  # patterns were learnt and read back

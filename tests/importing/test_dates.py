"""Dates in scraped text and records: what is read, what is not a date, what cannot be stored."""

import json
from datetime import UTC, datetime, timedelta, timezone

import pytest

from articles.importing import ParsedArticle, Rejection, SourceFile, parse_source
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

"""Dates found in scraped pages and records, read with dateparser (ISO 8601 with the standard
library), and refused with a reason when they cannot be stored.

Configured for scraped text: an explicit day, month and year are required (no relative dates such
as "2 hours ago", which are relative to a scrape time we do not know, and no bare numbers read as
timestamps), numeric dates are read day first unless that cannot be (as most of the world writes
them), and a date without a zone is taken as UTC.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from functools import lru_cache

from dateparser.data.languages_info import language_order
from dateparser.date import DateDataParser

from articles.exceptions import ImportRejected

# Tried after the hinted language: the languages the cleaner's chrome lists cover.
FALLBACK_LANGUAGES = ("en", "es", "de", "fr", "it", "pt", "nl")
SETTINGS = {
    "STRICT_PARSING": True,
    "PARSERS": ["custom-formats", "absolute-time"],
    "PREFER_DATES_FROM": "past",
    "DATE_ORDER": "DMY",
    "TIMEZONE": "UTC",
    "RETURN_AS_TIMEZONE_AWARE": True,
    # Dates must be complete and relative ones are off, so "now" never decides a result; a fixed
    # base spares dateparser computing the current time in the zone on every call (a fifth of
    # its time per date).
    "RELATIVE_BASE": datetime(2000, 1, 1, tzinfo=UTC),
}
# Longer strings are sentences, not dates.
MAX_LENGTH = 80
_SUPPORTED = frozenset(language_order)
# Every date we accept has a four-digit year; testing for one first spares dateparser (about a
# millisecond a call) the many short lines the cleaner asks about that are not dates.
_YEAR = re.compile(r"(?<!\d)\d{4}(?!\d)")
_YEAR_ZERO = re.compile(r"(?<!\d)0000(?!\d)")
_ISO = re.compile(r"\d{4}-\d{2}-\d{2}(?:[T ]\S+)?")
# An ISO 8601 date with a minus sign before its year ("-0001-01-01", 2 BC): the edge strip below
# would drop the sign and read the year 1.
_NEGATIVE_ISO = re.compile(r"[-\u2212]\d{4,}-\d{2}-\d{2}(?:[T ]\S+)?")
_EDGE = ".,|·-\u2013\u2014 \t"


class DateOutOfRange(ImportRejected):
    """A date that reads as one but cannot be stored (year 0, or past year 9999 in UTC)."""


def parse_date(text: str, *, language: str = "") -> datetime | None:
    """A timezone-aware datetime from a free-text date, or None when `text` is not one date.

    `language` (an ISO 639-1 code, e.g. from the page or the identifier) is tried first, then
    the fallback languages. ISO 8601 keeps its offset; other dates come back in UTC.

    Raises:
        DateOutOfRange: the text is a date, but outside what can be stored (years 1 to 9999,
            counted in UTC: "9999-12-31T23:00-05:00" is in the year 10000).
    """
    if _NEGATIVE_ISO.fullmatch(text.strip()):
        raise DateOutOfRange(
            f"the date '{text.strip()}' is out of range: it is before the year 1 (a minus sign)"
        )
    text = text.strip(_EDGE)
    if not text or len(text) > MAX_LENGTH or _YEAR.search(text) is None:
        return None
    try:
        value = _read(text, language)
        if value is not None:
            value.astimezone(UTC)  # raises when the instant is past year 9999 (or before 1)
    except OverflowError as exc:
        raise DateOutOfRange(
            f"the date '{text}' is out of range: dates must fall in the years 1 to 9999 in UTC"
        ) from exc
    # Year 0 reads as no date at all: it is one if it reads as a date in another year.
    if value is None and _YEAR_ZERO.search(text) and _read(_YEAR_ZERO.sub("2000", text), language):
        raise DateOutOfRange(f"the date '{text}' is out of range: there is no year 0")
    return value


def _read(text: str, language: str) -> datetime | None:
    value = _parse_iso(text)
    if value is not None:
        return value
    languages = _languages(language)
    shape = _shape(text)
    if shape is not None:
        known = _SHAPES.get((languages, shape.template))
        if known is not None:
            try:
                return datetime(shape.year, known[0], shape.day, tzinfo=known[1])
            except ValueError:
                pass  # no such day in that month: dateparser says what it makes of it
    value = _parser(languages).get_date_data(text).date_obj
    if shape is not None and value is not None:
        _learn(languages, shape, value)
    return value


# Pages of one site write their dates one way ("Published on 12 March 2020", "12 de marzo de
# 2020"): text that differs from a date dateparser has read only in its day and year numbers is
# the same date pattern, and dateparser's reading of it (which word is which month, in which of
# the languages) does not depend on those numbers. Each pattern is read by dateparser once per
# process and language order (a few milliseconds a call, the cleaner's largest cost), then from
# this table. Only patterns with exactly one day number (one or two digits) and one four-digit
# year, read as midnight of that day and year, are kept: the month comes from the words, never
# from a number (numeric dates depend on the day-first order and are read by dateparser).
MAX_SHAPES = 4096
# ASCII digits only: other scripts' digits stay part of the pattern.
_NUMBERS = re.compile(r"([0-9]+)")


@dataclass(frozen=True)
class _Shape:
    template: str
    day: int
    year: int


_SHAPES: dict[tuple[tuple[str, ...], str], tuple[int, tzinfo | None]] = {}


def _shape(text: str) -> _Shape | None:
    """The text with its day and year numbers taken out, or None when it has other numbers."""
    parts = _NUMBERS.split(text)
    numbers = parts[1::2]
    if len(numbers) != 2:
        return None
    lengths = sorted(len(number) for number in numbers)
    if lengths[1] != 4 or lengths[0] > 2:
        return None
    year_first = len(numbers[0]) == 4
    day, year = (numbers[1], numbers[0]) if year_first else (numbers[0], numbers[1])
    roles = "YD" if year_first else "DY"
    template = "\0".join((parts[0], roles[0] + parts[2], roles[1] + parts[4]))
    return _Shape(template, int(day), int(year))


def _learn(languages: tuple[str, ...], shape: _Shape, value: datetime) -> None:
    """Keep the month dateparser gave `shape`'s text when its day and year are the text's."""
    midnight = value.hour == value.minute == value.second == value.microsecond == 0
    if (
        midnight
        and value.day == shape.day
        and value.year == shape.year
        and value.utcoffset() == timedelta(0)
        and len(_SHAPES) < MAX_SHAPES
    ):
        _SHAPES[languages, shape.template] = (value.month, value.tzinfo)


def forget_date_patterns() -> None:
    """Empty the table of learnt date patterns (benchmarks time cold imports with it)."""
    _SHAPES.clear()


def _parse_iso(text: str) -> datetime | None:
    if _ISO.fullmatch(text) is None:
        return None
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        return None
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _languages(language: str) -> tuple[str, ...]:
    hint = language.replace("_", "-").split("-")[0].lower()
    first = (hint,) if hint in _SUPPORTED else ()
    return (*first, *(code for code in FALLBACK_LANGUAGES if code != hint))


@lru_cache(maxsize=64)
def _parser(languages: tuple[str, ...]) -> DateDataParser:
    return DateDataParser(
        languages=list(languages),
        settings=SETTINGS,
        try_previous_locales=False,
        use_given_order=True,
    )

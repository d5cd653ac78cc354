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
from datetime import UTC, date, datetime, timedelta, tzinfo
from functools import cache, lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
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


# dateparser (with `regex`, a tenth of a second) is loaded by the first date read, not with this
# module: every process loads the importer's modules (the admin, the API, every manage.py
# command) and most never read a date.
@cache
def _supported() -> frozenset[str]:
    from dateparser.data.languages_info import language_order

    return frozenset(language_order)


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
    if _ISO.fullmatch(text) and not _is_iso_day(text[:10]):
        return None  # "2024-13-01" is no day, not the 13th of January written year first
    languages = _languages(language)
    shape = _shape(text)
    if shape is not None:
        known = _PATTERNS.get((languages, shape.template))
        if known is not None:
            value = known.read(shape)
            if value is not None:
                return value
    value = _dateparser(languages, text)
    if shape is not None and value is not None:
        _learn(languages, shape, value)
    return value


def _dateparser(languages: tuple[str, ...], text: str) -> datetime | None:
    return _parser(languages).get_date_data(text).date_obj


# Pages of one site write their dates one way ("Published on 12 March 2020", "12 de marzo de
# 2020, 17:05 CET"): text that differs from a date dateparser has read only in its numbers is the
# same date pattern, and dateparser's reading of it (which word is which month, in which of the
# languages, which zone) does not depend on those numbers. Each pattern is read by dateparser
# once per process and language order (a few milliseconds a call, the cleaner's largest cost),
# then from this table. Kept are patterns with one day number (one or two digits), one
# four-digit year and at most a time (hours:minutes[:seconds]), whose reading keeps the text's
# day, year, minutes and seconds (the month comes from the words, never from a number: numeric
# dates depend on the day-first order and are read by dateparser). A time is read with the
# constant shift dateparser applied (its zone, an afternoon): checked on the same text at 3, 12
# and 15 o'clock (then any hour follows the pattern) or else at 3 and 9 o'clock (a 12-hour
# clock: hours 1 to 11 follow it, 0 and 12 go to dateparser); a pattern that fails both is not
# kept.
MAX_PATTERNS = 4096
# ASCII digits only: other scripts' digits stay part of the pattern.
_NUMBERS = re.compile(r"([0-9]+)")


@dataclass(frozen=True)
class _Shape:
    """A text's numbers and what is left of it (`template`, with a role letter in each gap)."""

    template: str
    parts: tuple[str, ...]
    hour_index: int  # the position in `parts` of the hours (-1: no time)
    day: int
    year: int
    hour: int = 0
    minute: int = 0
    second: int = 0

    def local(self, month: int) -> datetime:
        """The text's date and time in `month`, on a UTC clock (ValueError when there is none)."""
        return datetime(self.year, month, self.day, self.hour, self.minute, self.second, tzinfo=UTC)

    def at(self, hour: int) -> str:
        """The same text with another hour, written with as many digits."""
        width = len(self.parts[self.hour_index])
        parts = list(self.parts)
        parts[self.hour_index] = f"{hour:0{width}d}"
        return "".join(parts)


@dataclass(frozen=True)
class _Pattern:
    month: int
    zone: tzinfo | None
    shift: timedelta  # what dateparser adds to the text's time (a zone, an afternoon)
    twelve_hour: bool

    def read(self, shape: _Shape) -> datetime | None:
        """The date of `shape`'s text, or None when dateparser must read it."""
        if self.twelve_hour and not 1 <= shape.hour <= 11:
            return None
        try:
            return (shape.local(self.month) + self.shift).replace(tzinfo=self.zone)
        except (ValueError, OverflowError):
            return None  # no such day or time: dateparser says what it makes of it


_PATTERNS: dict[tuple[tuple[str, ...], str], _Pattern] = {}


def _shape(text: str) -> _Shape | None:
    """The text's day, year and time numbers and the rest of it, or None when it has other
    numbers."""
    parts = _NUMBERS.split(text)
    count = (len(parts) - 1) // 2
    if count not in (2, 4, 5):
        return None
    roles = ["?"] * count
    hour_index = -1
    if count > 2:
        # The time: numbers joined by colons, hours first.
        for first in range(count - 1):
            if parts[2 * first + 2] == ":":
                roles[first : first + count - 2] = "HMS"[: count - 2]
                hour_index = 2 * first + 1
                break
        if hour_index < 0 or any(parts[2 * i + 2] != ":" for i in range(first, first + count - 3)):
            return None
    rest = [i for i in range(count) if roles[i] == "?"]
    numbers = [parts[2 * i + 1] for i in range(count)]
    if len(rest) != 2:
        return None
    lengths = [len(numbers[i]) for i in rest]
    if sorted(lengths) != [1, 4] and sorted(lengths) != [2, 4]:
        return None
    day_at, year_at = (rest[1], rest[0]) if lengths[0] == 4 else (rest[0], rest[1])
    roles[day_at], roles[year_at] = "D", "Y"
    values = dict(zip(roles, (int(number) for number in numbers), strict=True))
    if any(len(numbers[i]) != 2 for i in range(count) if roles[i] in "MS") or (
        hour_index >= 0 and len(parts[hour_index]) > 2
    ):
        return None
    template = parts[0] + "".join("\0" + role + parts[2 * i + 2] for i, role in enumerate(roles))
    return _Shape(
        template,
        tuple(parts),
        hour_index,
        values["D"],
        values["Y"],
        values.get("H", 0),
        values.get("M", 0),
        values.get("S", 0),
    )


def _learn(languages: tuple[str, ...], shape: _Shape, value: datetime) -> None:
    """Keep the pattern of `shape`'s text, which dateparser read as `value`, when the reading
    follows the text's numbers (see above)."""
    zone = value.tzinfo
    if (
        len(_PATTERNS) >= MAX_PATTERNS
        or zone is None
        or zone.utcoffset(None) != value.utcoffset()  # a fixed offset, not a zone's rules
        or value.microsecond
    ):
        return
    try:
        shift = value.replace(tzinfo=UTC) - shape.local(value.month)
    except ValueError:
        return
    pattern = _Pattern(value.month, zone, shift, twelve_hour=False)
    if shape.hour_index < 0:
        if shift:
            return
    elif shift % timedelta(minutes=1) or abs(shift) >= timedelta(days=1):
        return
    elif not _checked(pattern, languages, shape, hours=(3, 12, 15)):
        pattern = _Pattern(value.month, zone, shift, twelve_hour=True)
        if not 1 <= shape.hour <= 11 or not _checked(pattern, languages, shape, hours=(3, 9)):
            return
    _PATTERNS[languages, shape.template] = pattern


def _checked(
    pattern: _Pattern, languages: tuple[str, ...], shape: _Shape, *, hours: tuple[int, ...]
) -> bool:
    """Whether dateparser reads `shape`'s text at each of `hours` o'clock (the next hour for the
    text's own) as `pattern` does. A 24-hour reading must hold in the morning, at noon and in the
    afternoon ("12:15 AM" is 0:15, and "15:07 PM" reads as 15:07, so no one hour tells)."""
    for hour in hours:
        text = shape.at(hour + 1 if hour == shape.hour else hour)
        other = _shape(text)
        expected = pattern.read(other) if other is not None else None
        if expected is None or _dateparser(languages, text) != expected:
            return False
    return True


def forget_date_patterns() -> None:
    """Empty the table of learnt date patterns (benchmarks time cold imports with it)."""
    _PATTERNS.clear()


def _is_iso_day(text: str) -> bool:
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return True


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
    first = (hint,) if hint in _supported() else ()
    return (*first, *(code for code in FALLBACK_LANGUAGES if code != hint))


@lru_cache(maxsize=64)
def _parser(languages: tuple[str, ...]) -> DateDataParser:
    from dateparser.date import DateDataParser

    return DateDataParser(
        languages=list(languages),
        settings=SETTINGS,
        try_previous_locales=False,
        use_given_order=True,
    )

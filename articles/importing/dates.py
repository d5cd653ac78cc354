"""Lenient date parsing for the dates found in scraped pages and records."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone

MONTHS: dict[str, int] = {}
for _number, _names in enumerate(
    (
        "january jan enero ene januar janvier gennaio janeiro",
        "february feb febrero februar février fevrier febbraio fevereiro",
        "march mar marzo märz maerz mars março",
        "april apr abril avril aprile",
        "may mayo mai maggio maio",
        "june jun junio juni juin giugno junho",
        "july jul julio juli juillet luglio julho",
        "august aug agosto août aout",
        "september sep sept septiembre setiembre septembre settembre setembro",
        "october oct octubre oktober octobre ottobre outubro",
        "november nov noviembre novembre novembro",
        "december dec diciembre dezember décembre decembre dicembre dezembro",
    ),
    start=1,
):
    for _name in _names.split():
        MONTHS[_name] = _number

WEEKDAYS = [
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
    "mon",
    "tue",
    "tues",
    "wed",
    "thu",
    "thurs",
    "fri",
    "sat",
    "sun",
    "lunes",
    "martes",
    "miércoles",
    "miercoles",
    "jueves",
    "viernes",
    "sábado",
    "sabado",
    "domingo",
    "montag",
    "dienstag",
    "mittwoch",
    "donnerstag",
    "freitag",
    "samstag",
    "sonntag",
    "lundi",
    "mardi",
    "mercredi",
    "jeudi",
    "vendredi",
    "samedi",
    "dimanche",
    "lunedì",
    "martedì",
    "mercoledì",
    "giovedì",
    "venerdì",
    "sabato",
    "domenica",
]

# North American and common European zone abbreviations seen in bylines.
TZ_OFFSETS = {
    "UTC": 0, "GMT": 0, "Z": 0, "EST": -5, "EDT": -4, "CST": -6, "CDT": -5, "MST": -7,
    "MDT": -6, "PST": -8, "PDT": -7, "BST": 1, "CET": 1, "CEST": 2, "MEZ": 1, "MESZ": 2,
    "IST": 5.5, "JST": 9, "AEST": 10, "AEDT": 11,
}  # fmt: skip

_MONTH = r"(?P<month>[^\W\d_]{3,10})\.?"
_DAY = r"(?P<day>\d{1,2})(?:st|nd|rd|th|er|º)?\.?"
_YEAR = r"(?P<year>\d{4})"
_TIME = (
    r"(?:(?:,|\s+at|\s+um|\s+à|\s+a las)?\s*(?P<hour>\d{1,2})[:.h](?P<minute>\d{2})"
    r"(?::(?P<second>\d{2}))?\s*(?P<ampm>[AaPp]\.?[Mm]\.?)?"
    r"(?:\s*(?P<tz>[A-Z]{1,4}|[+-]\d{2}:?\d{2}))?)?"
)
_WEEKDAY = r"(?:(?P<weekday>[^\W\d_]{3,10})\.?,?\s+)?"
DATE_PATTERNS = tuple(
    re.compile(rf"^{_WEEKDAY}{body}{_TIME}\s*$", re.IGNORECASE)
    for body in (
        rf"{_MONTH}\s+{_DAY},?\s+{_YEAR}",  # April 19th, 2023
        rf"{_DAY}\s+(?:de\s+)?{_MONTH}\s+(?:de\s+)?{_YEAR}",  # 19 April 2023, 19. April 2023
        r"(?P<iso_year>\d{4})-(?P<iso_month>\d{2})-(?P<iso_day>\d{2})",
        r"(?P<n1>\d{1,2})[/.](?P<n2>\d{1,2})[/.](?P<n_year>\d{4})",
    )
)


def parse_date(text: str) -> datetime | None:
    """A timezone-aware datetime from a free-text date, or None when it is not one date.

    Handles "Apr 19th, 2023 5:07PM EDT", "Friday, March 1, 2024", "19. April 2023",
    ISO 8601 and "dd/mm/yyyy"-style dates. Dates without a zone are taken as UTC.
    """
    text = text.strip().strip(".,|·-\u2013\u2014").strip()
    if not text or len(text) > 80:
        return None
    iso = _parse_iso(text)
    if iso is not None:
        return iso
    for pattern in DATE_PATTERNS:
        match = pattern.match(text)
        if match is None:
            continue
        parts = match.groupdict()
        weekday = parts.get("weekday")
        if weekday and weekday.lower() not in WEEKDAYS:
            continue
        try:
            if parts.get("iso_year"):
                year = int(parts["iso_year"] or 0)
                month, day = int(parts["iso_month"] or 0), int(parts["iso_day"] or 0)
            elif parts.get("n_year"):
                # Day first unless that cannot be (most of the world writes dd/mm/yyyy).
                first, second = int(parts["n1"]), int(parts["n2"])
                day, month = (first, second) if second <= 12 else (second, first)
                year = int(parts["n_year"])
            else:
                found = MONTHS.get(parts["month"].lower())
                if found is None:
                    continue
                year, month, day = int(parts["year"]), found, int(parts["day"])
            return _build(year, month, day, parts)
        except ValueError:
            continue
    return None


def _parse_iso(text: str) -> datetime | None:
    if not re.match(
        r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?$", text
    ):
        return None
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        return None
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _build(year: int, month: int, day: int, parts: dict[str, str | None]) -> datetime:
    hour = int(parts.get("hour") or 0)
    minute = int(parts.get("minute") or 0)
    second = int(parts.get("second") or 0)
    ampm = (parts.get("ampm") or "").lower().replace(".", "")
    if ampm == "pm" and hour < 12:
        hour += 12
    elif ampm == "am" and hour == 12:
        hour = 0
    zone = UTC
    tz_text = parts.get("tz") or ""
    if tz_text:
        if tz_text[0] in "+-":
            digits = tz_text[1:].replace(":", "")
            minutes = int(digits[:2]) * 60 + int(digits[2:])
            zone = timezone(timedelta(minutes=minutes if tz_text[0] == "+" else -minutes))
        elif tz_text.upper() in TZ_OFFSETS:
            zone = timezone(timedelta(hours=TZ_OFFSETS[tz_text.upper()]))
    return datetime(year, month, day, hour, minute, second, tzinfo=zone)

"""Date parsing for header values: many human formats in, a calendar date and a UTC instant out."""

from __future__ import annotations

import datetime as dt
import re
from typing import NamedTuple

from dateutil import parser as dateutil_parser

# Two different defaults reveal which fields the text left out: a field that differs between the
# two parses was filled from the default, not read from the text.
_DEFAULT_A = dt.datetime(2000, 1, 1, 0, 0, 0)
_DEFAULT_B = dt.datetime(2001, 2, 2, 1, 1, 1)
_EARLIEST_YEAR = 1900
# Year-first dates are year-month-day whatever --dayfirst says (dateutil's dayfirst=True would
# read 2018-03-04 as 3 April).
_YEAR_FIRST = re.compile(r"[0-9]{4}(?:[-/.][0-9]{1,2}[-/.][0-9]{1,2}|[0-9]{4})(?![0-9])")
# Strict ISO 8601, read by the standard library (far faster than dateutil; docs/performance.md).
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_ISO_DATETIME = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]{1,6})?)?(?:Z|[+-][0-9]{2}:[0-9]{2})?"
)


class ParsedDate(NamedTuple):
    published_date: dt.date | None
    published_at: dt.datetime | None  # UTC; None unless the text gives a time of day
    warning: str | None


def parse_date(
    value: str,
    *,
    default_timezone: dt.tzinfo = dt.UTC,
    dayfirst: bool = False,
    today: dt.date | None = None,
) -> ParsedDate:
    """Parses a header date; never raises: an unusable value gives a null date and a warning.

    `published_date` is the calendar date as the source states it (its local date);
    `published_at` is the UTC instant, only when a time is given (a time without an offset
    is read in `default_timezone`).
    """
    text = " ".join(value.split())
    if not text:
        return ParsedDate(None, None, None)
    try:
        first, second = _parse_iso(text) or _parse_dateutil(text, dayfirst)
    except (ValueError, OverflowError) as err:
        return ParsedDate(None, None, f"date_unparseable: {text!r} ({err})")
    if first.date() != second.date():
        return ParsedDate(None, None, f"date_incomplete: {text!r} lacks a year, month or day")
    published_date = first.date()
    published_at = None
    if first.hour == second.hour:
        local = first if first.tzinfo else first.replace(tzinfo=default_timezone)
        published_at = local.astimezone(dt.UTC)
    today = today or dt.datetime.now(dt.UTC).date()
    warning = None
    if published_date.year < _EARLIEST_YEAR:
        warning = f"date_too_old: {published_date.isoformat()} is before {_EARLIEST_YEAR}"
    elif published_date > today + dt.timedelta(days=1):
        warning = f"date_in_future: {published_date.isoformat()} is after {today.isoformat()}"
    return ParsedDate(published_date, published_at, warning)


def _parse_iso(text: str) -> tuple[dt.datetime, dt.datetime] | None:
    """A valid strict ISO date or date-time read as `_parse_dateutil` reads it (same date,
    same instant, a time given or not), else None."""
    try:
        if _ISO_DATE.fullmatch(text):
            day = dt.date.fromisoformat(text)
            return dt.datetime.combine(day, _DEFAULT_A.time()), dt.datetime.combine(
                day, _DEFAULT_B.time()
            )
        if _ISO_DATETIME.fullmatch(text):
            instant = dt.datetime.fromisoformat(text)
            return instant, instant
    except ValueError:
        return None  # 2018-13-45: dateutil gives the error message
    return None


def _parse_dateutil(text: str, dayfirst: bool) -> tuple[dt.datetime, dt.datetime]:
    """The text parsed with two different defaults (see `_DEFAULT_A`)."""
    dayfirst = dayfirst and not _YEAR_FIRST.match(text)
    return (
        dateutil_parser.parse(text, default=_DEFAULT_A, dayfirst=dayfirst),
        dateutil_parser.parse(text, default=_DEFAULT_B, dayfirst=dayfirst),
    )

import datetime as dt
import zoneinfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from transforms.parsing.dates import _parse_dateutil, _parse_iso, parse_date

D = dt.date
UTC = dt.UTC


@pytest.mark.parametrize(
    ("text", "date", "at"),
    [
        ("2018-12-19", D(2018, 12, 19), None),
        (
            "2018-12-19T14:30:00+01:00",
            D(2018, 12, 19),
            dt.datetime(2018, 12, 19, 13, 30, tzinfo=UTC),
        ),
        (
            "2018-12-19T23:30:00-05:00",
            D(2018, 12, 19),
            dt.datetime(2018, 12, 20, 4, 30, tzinfo=UTC),
        ),
        ("2018-12-19 08:15", D(2018, 12, 19), dt.datetime(2018, 12, 19, 8, 15, tzinfo=UTC)),
        (
            "Tue, 05 Mar 2019 14:30:00 +0100",
            D(2019, 3, 5),
            dt.datetime(2019, 3, 5, 13, 30, tzinfo=UTC),
        ),
        ("19 December 2018", D(2018, 12, 19), None),
        ("Dec. 19, 2018", D(2018, 12, 19), None),
        ("Wednesday, December 19, 2018", D(2018, 12, 19), None),
        ("WEDNESDAY, DECEMBER 19, 2018", D(2018, 12, 19), None),
        ("2018/12/19", D(2018, 12, 19), None),
        ("12/19/2018", D(2018, 12, 19), None),
        ("  2018-12-19  ", D(2018, 12, 19), None),
    ],
)
def test_parse_date_formats(text, date, at):
    parsed = parse_date(text, today=D(2026, 1, 1))
    assert (parsed.published_date, parsed.published_at, parsed.warning) == (date, at, None)


def test_time_without_offset_is_read_in_default_timezone():
    parsed = parse_date("2019-01-07 09:30", default_timezone=zoneinfo.ZoneInfo("Europe/Berlin"))
    assert parsed.published_at == dt.datetime(2019, 1, 7, 8, 30, tzinfo=UTC)
    assert parsed.published_date == D(2019, 1, 7)


def test_dayfirst_reads_day_before_month():
    assert parse_date("01/02/2019").published_date == D(2019, 1, 2)
    assert parse_date("01/02/2019", dayfirst=True).published_date == D(2019, 2, 1)


@pytest.mark.parametrize(
    "text",
    ["2018-03-04", "2018/03/04", "2018.03.04", "2018-3-4", "20180304", "2018-03-04 10:00 GMT"],
)
def test_dayfirst_leaves_year_first_dates_alone(text):
    """dateutil's dayfirst=True reads every year-first date as year-day-month (3 April)."""
    assert parse_date(text, dayfirst=True).published_date == D(2018, 3, 4)


_ISO_TEXTS = st.builds(
    lambda moment, separator, precision, offset: (
        moment.isoformat(separator, precision) + {None: "", "Z": "Z"}.get(offset, offset or "")
    ),
    st.datetimes(min_value=dt.datetime(1000, 1, 1), max_value=dt.datetime(9999, 12, 31)),
    st.sampled_from(["T", " "]),
    st.sampled_from(["minutes", "seconds", "milliseconds", "microseconds"]),
    st.one_of(
        st.none(), st.just("Z"), st.from_regex(r"[+-](0[0-9]|1[0-3]):[0-5][0-9]", fullmatch=True)
    ),
) | st.dates(min_value=D(1000, 1, 1)).map(D.isoformat)


@given(_ISO_TEXTS)
def test_iso_fast_path_agrees_with_dateutil(text):
    """Same date, same "a time was given", same instant (the seconds dateutil fills in from
    its defaults when the text has none are never read)."""

    def reading(first, second):
        timed = first.hour == second.hour
        return first.date(), second.date(), timed, first if timed else None

    fast = _parse_iso(text)
    assert fast is not None
    assert reading(*fast) == reading(*_parse_dateutil(text, dayfirst=False))


@pytest.mark.parametrize(
    ("text", "warning_code"),
    [
        ("2018-13-45", "date_unparseable"),
        ("not a date", "date_unparseable"),
        ("December 2018", "date_incomplete"),
        ("2018", "date_incomplete"),
    ],
)
def test_unusable_dates_give_null_and_warning(text, warning_code):
    parsed = parse_date(text)
    assert parsed.published_date is None
    assert parsed.published_at is None
    assert parsed.warning.startswith(warning_code + ":")


@pytest.mark.parametrize(
    ("text", "warning_code", "date"),
    [
        ("1850-06-01", "date_too_old", D(1850, 6, 1)),
        ("2031-01-01", "date_in_future", D(2031, 1, 1)),
    ],
)
def test_implausible_dates_are_kept_with_warning(text, warning_code, date):
    parsed = parse_date(text, today=D(2026, 11, 25))
    assert parsed.published_date == date
    assert parsed.warning.startswith(warning_code + ":")


def test_empty_date_is_null_without_warning():
    assert parse_date("   ") == (None, None, None)

"""Header fields to columns: key aliases, author lists, dates, languages."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterable
from typing import NamedTuple

from transforms.parsing.dates import parse_date
from transforms.parsing.limits import (
    MAX_AUTHORS,
    MAX_EXTRA_KEY_CHARS,
    MAX_EXTRA_KEYS,
    MAX_EXTRA_VALUE_CHARS,
    MAX_FIELD_CHARS,
    MAX_TITLE_CHARS,
    truncate,
)
from transforms.parsing.normalize import collapse_whitespace

# Case-insensitive header key -> column. Keys not listed here go to `header_extra`.
KEY_ALIASES: dict[str, str] = {
    "title": "title",
    "headline": "title",
    "date": "date",
    "published": "date",
    "pubdate": "date",
    "date_publish": "date",
    "dateline": "date",
    "author": "authors",
    "authors": "authors",
    "by": "authors",
    "byline": "authors",
    "source": "source_name",
    "publisher": "source_name",
    "site": "source_name",
    "source_domain": "source_name",
    "url": "url",
    "link": "url",
    "language": "language",
    "lang": "language",
}

_AUTHOR_SEPARATORS = re.compile(r"\s*(?:,|;|&|\band\b)\s*", re.IGNORECASE)
_LEADING_BY = re.compile(r"^\s*by\s+", re.IGNORECASE)
_MAX_DATE_CHARS = 200
_LANGUAGE_CODE = re.compile(r"^([a-zA-Z]{2})(?:[-_][a-zA-Z0-9]{2,8})*$")


class Header(NamedTuple):
    """Normalized header columns of one article."""

    title: str | None
    published_date: dt.date | None
    published_at: dt.datetime | None
    authors: tuple[str, ...]
    source_name: str | None
    url: str | None
    language: str | None
    header_extra: tuple[tuple[str, str], ...]
    warnings: tuple[str, ...]


def as_text(value: object) -> str:
    """A header value from JSON or YAML as text: dates in ISO 8601, lists joined, maps as JSON."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, dt.date):  # includes datetime
        return value.isoformat()
    if isinstance(value, list | tuple):
        return ", ".join(as_text(item) for item in value if item is not None)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
    return str(value)


def header_key(name: str) -> str:
    """`Date-Publish `, `date publish` -> `date_publish`: how header keys are compared."""
    return re.sub(r"[\s\-]+", "_", name.strip().lower())


def is_known_key(name: str) -> bool:
    return header_key(name) in KEY_ALIASES


def split_authors(value: object) -> tuple[str, ...]:
    """`By A and B`, `A, B`, `A; B`, or a list of such strings -> (A, B)."""
    if isinstance(value, list | tuple):
        return tuple(name for item in value for name in split_authors(item))
    parts = _AUTHOR_SEPARATORS.split(as_text(value))
    names = (collapse_whitespace(_LEADING_BY.sub("", part)) for part in parts)
    return tuple(dict.fromkeys(name for name in names if name))


def normalize_language(value: str) -> str | None:
    """`en`, `EN`, `en-US`, `en_GB` -> `en`; anything else -> None."""
    match = _LANGUAGE_CODE.match(value.strip())
    return match.group(1).lower() if match else None


def _columns(
    fields: Iterable[tuple[str, object]], warnings: list[str]
) -> tuple[dict[str, str], object, tuple[tuple[str, str], ...]]:
    """(column texts, the raw authors value, header_extra within its limits)."""
    columns: dict[str, str] = {}
    authors: object = ""
    extra: list[tuple[str, str]] = []
    for key, value in fields:
        column = KEY_ALIASES.get(header_key(key))
        if value is None or value == "" or value == []:
            continue
        if column is None or column in columns:
            extra.append((key, as_text(value)))
        else:
            columns[column] = as_text(value)
            if column == "authors":
                authors = value
    if len(columns.get("authors", "")) > MAX_FIELD_CHARS["authors"]:
        authors = truncate(columns["authors"], MAX_FIELD_CHARS["authors"], "authors", warnings)
    return columns, authors, _limited_extra(extra, warnings)


def _limited_extra(
    extra: list[tuple[str, str]], warnings: list[str]
) -> tuple[tuple[str, str], ...]:
    """header_extra within its limits: key count, key and value lengths (one warning each)."""
    if len(extra) > MAX_EXTRA_KEYS:
        warnings.append(
            f"field_truncated: header_extra had {len(extra):,} keys, kept {MAX_EXTRA_KEYS}"
        )
        extra = extra[:MAX_EXTRA_KEYS]
    long_keys = sum(len(key) > MAX_EXTRA_KEY_CHARS for key, _ in extra)
    long_values = sum(len(value) > MAX_EXTRA_VALUE_CHARS for _, value in extra)
    if long_keys:
        warnings.append(f"field_truncated: {long_keys} header_extra key(s) cut to "
                        f"{MAX_EXTRA_KEY_CHARS:,} characters")  # fmt: skip
    if long_values:
        warnings.append(f"field_truncated: {long_values} header_extra value(s) cut to "
                        f"{MAX_EXTRA_VALUE_CHARS:,} characters")  # fmt: skip
    return tuple((key[:MAX_EXTRA_KEY_CHARS], value[:MAX_EXTRA_VALUE_CHARS]) for key, value in extra)


def _limited(text: str, column: str, warnings: list[str]) -> str | None:
    return truncate(text, MAX_FIELD_CHARS[column], column, warnings) or None


def _limited_authors(value: object, warnings: list[str]) -> tuple[str, ...]:
    authors = split_authors(value)
    if len(authors) > MAX_AUTHORS:
        warnings.append(f"field_truncated: authors had {len(authors):,} names, kept {MAX_AUTHORS}")
    return authors[:MAX_AUTHORS]


def normalize_header(
    fields: Iterable[tuple[str, object]],
    *,
    default_timezone: dt.tzinfo = dt.UTC,
    dayfirst: bool = False,
) -> Header:
    """Maps raw (key, value) pairs to columns; the first value of a column wins. Fields over
    their size limit (transforms/parsing/limits.py) are cut, with a `field_truncated` warning."""
    warnings: list[str] = []
    columns, authors, extra = _columns(fields, warnings)
    parsed_date = parse_date(  # a date is short: a long text is no date, and slow to try
        columns.get("date", "")[:_MAX_DATE_CHARS], default_timezone=default_timezone,
        dayfirst=dayfirst,
    )  # fmt: skip
    if parsed_date.warning:
        warnings.append(parsed_date.warning)
    language = None
    if columns.get("language"):
        language = normalize_language(columns["language"][:_MAX_DATE_CHARS])
        if language is None:
            warnings.append(f"language_unrecognized: {columns['language'][:40]!r}")
    title = truncate(collapse_whitespace(columns.get("title", "")), MAX_TITLE_CHARS, "title",
                     warnings) or None  # fmt: skip
    if title is None:
        warnings.append("title_missing: no title found in the header")
    return Header(
        title=title,
        published_date=parsed_date.published_date,
        published_at=parsed_date.published_at,
        authors=_limited_authors(authors, warnings),
        source_name=_limited(
            collapse_whitespace(columns.get("source_name", "")), "source_name", warnings
        ),
        url=_limited(columns.get("url", "").strip(), "url", warnings),
        language=language,
        header_extra=tuple(extra),
        warnings=tuple(warnings),
    )

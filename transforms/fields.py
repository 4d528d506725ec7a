"""Header fields to columns: key aliases, author lists, dates, languages."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterable
from typing import NamedTuple

from transforms.dates import parse_date
from transforms.normalize import collapse_whitespace

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


def normalize_header(
    fields: Iterable[tuple[str, object]],
    *,
    default_timezone: dt.tzinfo = dt.UTC,
    dayfirst: bool = False,
) -> Header:
    """Maps raw (key, value) pairs to columns; the first value of a column wins."""
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
    warnings: list[str] = []
    parsed_date = parse_date(
        columns.get("date", ""), default_timezone=default_timezone, dayfirst=dayfirst
    )
    if parsed_date.warning:
        warnings.append(parsed_date.warning)
    language = None
    if columns.get("language"):
        language = normalize_language(columns["language"])
        if language is None:
            warnings.append(f"language_unrecognized: {columns['language']!r}")
    title = collapse_whitespace(columns.get("title", "")) or None
    if title is None:
        warnings.append("title_missing: no title found in the header")
    return Header(
        title=title,
        published_date=parsed_date.published_date,
        published_at=parsed_date.published_at,
        authors=split_authors(authors),
        source_name=collapse_whitespace(columns.get("source_name", "")) or None,
        url=columns.get("url", "").strip() or None,
        language=language,
        header_extra=tuple(extra),
        warnings=tuple(warnings),
    )

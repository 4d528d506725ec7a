"""Header formats: each parser recognizes one layout and splits a text into header fields and body.

A parser returns None when the text is not in its format, so `split_header` can try them in order.
Parsers only split; mapping keys to columns and parsing values happens in `fields.py`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import NamedTuple

import yaml

from transforms.errors import HEADER_INVALID, InputError
from transforms.parsing.fields import is_known_key
from transforms.parsing.limits import MAX_FRONT_MATTER_CHARS, MAX_NESTING, nesting_depth

_DATE_LINE = re.compile(
    r"^[^\S\n]*date[:\s][^\S\n]*(?P<date>\d{4}-\d{1,2}-\d{1,2})(?:[^\S\n]+(?P<title>.*))?$",
    re.IGNORECASE,
)
_KEY_VALUE_LINE = re.compile(
    r"^[^\S\n]*(?P<key>[A-Za-z][\w \-]{0,40}?)[^\S\n]*:[^\S\n]*(?P<value>.*)$"
)
_BLANK_LINE = re.compile(r"\n[^\S\n]*\n")
_FRONT_MATTER = re.compile(
    r"\A\s*---[^\S\n]*\n(?P<yaml>.*?)\n(?:---|\.\.\.)[^\S\n]*(?:\n|\Z)", re.S
)
_MAX_TITLE_CHARS = 300
# libyaml's C loader when PyYAML was built with it (the wheels are): the same safe subset,
# faster (docs/performance.md).
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class SplitDocument(NamedTuple):
    """A text split into its header fields (keys as written) and its body."""

    header_format: str
    fields: tuple[tuple[str, object], ...]  # values are text, or lists/dates from JSON and YAML
    body: str


def _first_block(text: str) -> tuple[str, str]:
    """Splits at the first blank line: (header block, rest)."""
    parts = _BLANK_LINE.split(text.lstrip("\n \t"), maxsplit=1)
    return parts[0], parts[1] if len(parts) > 1 else ""


def _load_front_matter(text: str) -> object:
    """The YAML value, refusing what could blow up: long texts, aliases, deep nesting."""
    if len(text) > MAX_FRONT_MATTER_CHARS:
        raise InputError(
            HEADER_INVALID,
            f"the YAML front matter has {len(text):,} characters, over {MAX_FRONT_MATTER_CHARS:,}",
        )
    try:
        if any(isinstance(t, yaml.AliasToken) for t in yaml.scan(text, Loader=_YAML_LOADER)):
            raise InputError(HEADER_INVALID, "the YAML front matter uses aliases (*name): refused")
        value = yaml.load(text, Loader=_YAML_LOADER)
    except yaml.YAMLError as err:
        raise InputError(HEADER_INVALID, f"the YAML front matter does not parse: {err}") from err
    except RecursionError as err:
        raise InputError(
            HEADER_INVALID, f"the YAML nests deeper than {MAX_NESTING} levels"
        ) from err
    if nesting_depth(value) > MAX_NESTING:
        raise InputError(HEADER_INVALID, f"the YAML nests deeper than {MAX_NESTING} levels")
    return value


def parse_yaml_front_matter(text: str) -> SplitDocument | None:
    """`---` / YAML mapping / `---` (or `...`), then the body, as static-site generators write."""
    match = _FRONT_MATTER.match(text)
    if match is None:
        return None
    front_matter = _load_front_matter(match["yaml"])
    if not isinstance(front_matter, dict):
        raise InputError(HEADER_INVALID, "the YAML front matter is not a mapping of keys to values")
    fields = tuple((str(key), value) for key, value in front_matter.items())
    return SplitDocument("yaml_front_matter", fields, text[match.end() :])


def parse_date_line(text: str) -> SplitDocument | None:
    """`date 2018-12-19 Title` on the first line, then the body."""
    first_line, _, rest = text.lstrip("\n").partition("\n")
    match = _DATE_LINE.match(first_line)
    if match is None:
        return None
    fields = [("date", match["date"])]
    if match["title"] and match["title"].strip():
        fields.append(("title", match["title"]))
    return SplitDocument("date_line", tuple(fields), rest)


def parse_key_value_block(text: str) -> SplitDocument | None:
    """`Key: value` lines up to the first blank line, with at least one key we know."""
    block, rest = _first_block(text)
    matches = [_KEY_VALUE_LINE.match(line) for line in block.rstrip().split("\n")]
    if not all(matches):
        return None
    fields = tuple((m["key"].strip(), m["value"].strip()) for m in matches if m)
    if not any(is_known_key(key) for key, _ in fields):
        return None
    return SplitDocument("key_value", fields, rest)


def parse_title_line(text: str) -> SplitDocument | None:
    """A single short line, a blank line, then the body."""
    block, rest = _first_block(text)
    if "\n" in block.strip() or len(block.strip()) > _MAX_TITLE_CHARS:
        return None
    return SplitDocument("title_line", (("title", block.strip()),), rest)


def parse_body_only(text: str) -> SplitDocument:
    """The fallback: no header we recognize; the whole text is the body."""
    return SplitDocument("body_only", (), text)


HEADER_PARSERS: tuple[Callable[[str], SplitDocument | None], ...] = (
    parse_yaml_front_matter,
    parse_date_line,
    parse_key_value_block,
    parse_title_line,
)


def split_header(text: str) -> SplitDocument:
    """Tries each header format in order; text in no known format is all body."""
    for parser in HEADER_PARSERS:
        header = parser(text)
        if header is not None:
            return header
    return parse_body_only(text)

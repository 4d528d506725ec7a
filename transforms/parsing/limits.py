"""Limits that keep one hostile file from crashing, hanging or bloating a run.

Each limit turns an input into an error row with a stable code, or keeps the article and
truncates a field with a warning; docs/formats.md lists them with their reasons.
"""

from __future__ import annotations

# JSON and YAML values nested deeper than this are not news metadata: json_invalid or
# header_invalid. (Python's own JSON reader fails with RecursionError near 1,000 levels.)
MAX_NESTING = 64
# YAML front matter longer than this is not a header: header_invalid. Aliases (`*name`) are
# refused outright: a few hundred bytes of anchors and aliases can expand to billions of items.
MAX_FRONT_MATTER_CHARS = 100_000
# Header fields longer than these are cut, with a `field_truncated` warning on the article.
# A title is one line of a headline: 1,000 characters is over ten times the longest seen in news.
MAX_TITLE_CHARS = 1_000
MAX_FIELD_CHARS = {"source_name": 500, "url": 4_096, "authors": 2_000}
MAX_AUTHORS = 50
# header_extra: the keys a header may carry beyond the known columns, and their sizes.
MAX_EXTRA_KEYS = 100
MAX_EXTRA_KEY_CHARS = 200
MAX_EXTRA_VALUE_CHARS = 10_000


def nesting_depth(value: object) -> int:
    """How deeply lists and dicts nest in a decoded JSON or YAML value (a scalar is 0)."""
    depth, level = 0, [(value, 1)]
    while level:
        item, at = level.pop()
        if isinstance(item, dict):
            items = item.values()
        elif isinstance(item, list | tuple):
            items = item
        else:
            continue
        depth = max(depth, at)
        if depth > MAX_NESTING:
            return depth
        level.extend((child, at + 1) for child in items)
    return depth


def truncate(text: str, limit: int, name: str, warnings: list[str]) -> str:
    """`text` cut to `limit` characters, with a warning when it was longer."""
    if len(text) <= limit:
        return text
    warnings.append(f"field_truncated: {name} had {len(text):,} characters, kept {limit:,}")
    return text[:limit]

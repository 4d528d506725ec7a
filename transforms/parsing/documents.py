"""Document formats whose body is a field, not the text after a header: JSON, JSON Lines, HTML.

Like the parsers in `headers.py`, each returns a `SplitDocument` (or None when the text is not in
its format); JSON Lines is split into records by `json_lines`, one article or error per line.
"""

from __future__ import annotations

import json
import posixpath
import re
from collections.abc import Iterator

from transforms.errors import JSON_INVALID, InputError
from transforms.parsing.fields import header_key
from transforms.parsing.headers import SplitDocument
from transforms.parsing.limits import MAX_NESTING, nesting_depth

# Keys that hold the article text in scraper output (news-please writes `maintext`).
BODY_KEYS = ("maintext", "text", "body", "content", "article_body", "articlebody", "article")
JSON_LINES_EXTENSIONS = (".jsonl", ".ndjson", ".jsonlines")
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
_SURROGATE = re.compile("[\ud800-\udfff]")
_HTML_START = re.compile(
    r"\A\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html)\b", re.I | re.S
)


def json_record_header(record: object) -> SplitDocument:
    """One decoded JSON value (a whole file or one JSON Lines record) as header and body."""
    if not isinstance(record, dict):
        raise InputError(
            JSON_INVALID, f"the JSON value is a {type(record).__name__}, not an object"
        )
    body_key = next(
        (
            k
            for k in record
            if header_key(k) in BODY_KEYS and isinstance(record[k], str) and record[k].strip()
        ),
        None,
    )
    fields = tuple((str(k), v) for k, v in record.items() if k != body_key)
    return SplitDocument("json", fields, record[body_key] if body_key else "")


def _load_json(text: str) -> object:
    try:
        value = json.loads(text)
    except json.JSONDecodeError as err:
        raise InputError(
            JSON_INVALID,
            f"the JSON is truncated or malformed ({err.msg} at line {err.lineno}, column {err.colno})",
        ) from err
    except RecursionError as err:
        raise InputError(JSON_INVALID, f"the JSON nests deeper than {MAX_NESTING} levels") from err
    if nesting_depth(value) > MAX_NESTING:
        raise InputError(JSON_INVALID, f"the JSON nests deeper than {MAX_NESTING} levels")
    if _SURROGATE_ESCAPE.search(text):
        return _replace_surrogates(value)
    return value


def _replace_surrogates(value: object) -> object:
    """JSON may escape half of a UTF-16 pair (`"\\ud83d"`, a cut emoji); Python decodes it to a
    lone surrogate that no UTF-8 writer accepts. Each becomes U+FFFD, as in other decoders."""
    if isinstance(value, str):
        return _SURROGATE.sub("\ufffd", value)
    if isinstance(value, list):
        return [_replace_surrogates(v) for v in value]
    if isinstance(value, dict):
        return {_replace_surrogates(k): _replace_surrogates(v) for k, v in value.items()}
    return value


def parse_json_object(text: str) -> SplitDocument | None:
    """A file holding one JSON object, as scrapers such as news-please write. A file that is a
    JSON array (it parses, or nests too deeply to) is an error; other text that starts with
    `[` is read as text."""
    start = text.lstrip()[:1]
    if start == "[":
        try:
            return json_record_header(_load_json(text))
        except InputError as err:
            if "truncated or malformed" in err.message:
                return None
            raise
    if start != "{":
        return None
    return json_record_header(_load_json(text))


def is_json_lines(source_path: str, text: str) -> bool:
    """By extension, or by content: two or more lines, the first a complete JSON object."""
    if posixpath.splitext(source_path)[1].lower() in JSON_LINES_EXTENSIONS:
        return True
    lines = [line for line in text.split("\n", 2)[:2] if line.strip()]
    if len(lines) < 2 or not all(line.lstrip().startswith("{") for line in lines):
        return False
    try:
        return isinstance(json.loads(lines[0]), dict)
    except (json.JSONDecodeError, RecursionError):
        return False


def json_lines(text: str) -> Iterator[tuple[int, SplitDocument | InputError]]:
    """(1-based line number, header or error) for every non-blank line."""
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            yield number, json_record_header(_load_json(line))._replace(header_format="json_lines")
        except InputError as err:
            yield number, err


def parse_html_page(text: str) -> SplitDocument | None:
    """An HTML page: title, date, authors, site name and main text by trafilatura."""
    if not _HTML_START.match(text[:4096]):
        return None
    import trafilatura  # imported on first HTML page: it is a heavy import

    document = trafilatura.bare_extraction(
        text, with_metadata=True, include_comments=False, include_tables=False
    )
    if document is None:
        return SplitDocument("html", (), "")
    title = getattr(document, "title", None) or ""
    lines = [line for line in (getattr(document, "text", None) or "").split("\n") if line.strip()]
    if lines and title and lines[0].strip() == title.strip():
        lines = lines[1:]  # trafilatura repeats the <h1> title as the first line of the text
    fields = (
        ("title", title),
        ("date", getattr(document, "date", None)),
        ("author", getattr(document, "author", None)),
        ("site", getattr(document, "sitename", None)),
        ("url", getattr(document, "url", None)),
        ("language", getattr(document, "language", None)),
        ("description", getattr(document, "description", None)),
        ("categories", getattr(document, "categories", None)),
        ("tags", getattr(document, "tags", None)),
    )
    return SplitDocument("html", fields, "\n\n".join(lines))

"""Raw file bytes to `ParsedArticle`s: decode, normalize, split the header, map its fields.

A file gives one article or one error, except JSON Lines files, which give one per line
(`source_path` is then `batch.jsonl#L3`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterator
from typing import NamedTuple

import apache_beam as beam
from apache_beam.metrics import Metrics

from schemas import ErrorRecord, ParsedArticle, record_path
from transforms.errors import EMPTY, INTERNAL, NO_BODY, TOO_LARGE, InputError
from transforms.parsing.decode import decode_bytes
from transforms.parsing.documents import (
    is_json_lines,
    json_lines,
    parse_html_page,
    parse_json_object,
)
from transforms.parsing.fields import normalize_header
from transforms.parsing.headers import SplitDocument, split_header
from transforms.parsing.language import choose_language
from transforms.parsing.normalize import normalize_body, normalize_text
from transforms.runner import split_outputs

DEFAULT_MAX_CHARS = 1_000_000


class ParseOptions(NamedTuple):
    default_timezone: dt.tzinfo = dt.UTC
    dayfirst: bool = False
    max_chars: int = DEFAULT_MAX_CHARS
    detect_language: bool = True


DEFAULT_PARSE_OPTIONS = ParseOptions()


def article_id_for(title: str | None, body: str) -> str:
    """Content-derived id: the same normalized title and body give the same id anywhere."""
    digest = hashlib.sha256(f"{title or ''}\x1f{body}".encode())
    return digest.hexdigest()[:32]


def split_document(text: str) -> SplitDocument:
    """Picks the format: a JSON object, an HTML page, or text with a header (`headers.py`)."""
    return parse_json_object(text) or parse_html_page(text) or split_header(text)


def article_from_header(source_path: str, raw: SplitDocument, options: ParseOptions) -> ParsedArticle:
    """Builds the article from a split document; raises `InputError` for no or too much body."""
    header = normalize_header(
        raw.fields, default_timezone=options.default_timezone, dayfirst=options.dayfirst
    )
    body = normalize_body(normalize_text(raw.body))
    if not body:
        raise InputError(NO_BODY, f"the {raw.header_format} header is followed by no article text")
    if len(body) > options.max_chars:
        raise InputError(
            TOO_LARGE,
            f"the body has {len(body):,} characters, over --max-chars {options.max_chars:,}",
        )
    warnings = list(header.warnings)
    language = header.language
    if options.detect_language:
        choice = choose_language(header.language, f"{header.title or ''}\n{body}")
        language = choice.language
        if choice.warning:
            warnings.append(choice.warning)
    return ParsedArticle(
        article_id=article_id_for(header.title, body),
        source_path=source_path,
        title=header.title,
        published_date=header.published_date,
        published_at=header.published_at,
        authors=header.authors,
        source_name=header.source_name,
        url=header.url,
        language=language,
        header_format=raw.header_format,
        header_extra=header.header_extra,
        body=body,
        warnings=tuple(warnings),
    )


def parse_article(source_path: str, data: bytes, **options) -> ParsedArticle:
    """Parses a file holding one article; raises `InputError` with a stable code otherwise."""
    text = normalize_text(decode_bytes(data))
    return article_from_header(source_path, split_document(text), ParseOptions(**options))


def parse_file(
    source_path: str,
    data: bytes,
    options: ParseOptions = DEFAULT_PARSE_OPTIONS,
    run_id: str = "",
) -> Iterator[ParsedArticle | ErrorRecord]:
    """Every input in a raw file, as articles or error rows. Never raises on bad input."""
    try:
        text = normalize_text(decode_bytes(data))
        if not is_json_lines(source_path, text):
            yield article_from_header(source_path, split_document(text), options)
            return
    except InputError as err:
        yield err.record(source_path, run_id)
        return
    records = 0
    for line_number, raw in json_lines(text):
        records += 1
        line_path = record_path(source_path, line_number)
        try:
            if isinstance(raw, InputError):
                raise raw
            yield article_from_header(line_path, raw, options)
        except InputError as err:
            yield err.record(line_path, run_id)
    if not records:
        yield InputError(EMPTY, "the JSON Lines file has no records").record(source_path, run_id)


class _ParseFileFn(beam.DoFn):
    def __init__(self, run_id: str, options: ParseOptions):
        self._run_id = run_id
        self._options = options
        self._parsed = Metrics.counter("newsbeam", "articles_parsed")
        self._inputs = Metrics.counter("newsbeam", "input_records")

    def process(self, element: tuple[str, bytes]) -> Iterator[tuple[str, object]]:
        source_path, data = element
        try:
            for result in parse_file(source_path, data, self._options, self._run_id):
                yield self._emit(result)
        except Exception as err:  # an unexpected failure on one file must not end the run
            message = f"parsing failed: {type(err).__name__}: {str(err)[:300]}"
            yield self._emit(ErrorRecord(source_path, INTERNAL, message, self._run_id))

    def _emit(self, result: ParsedArticle | ErrorRecord) -> tuple[str, object]:
        self._inputs.inc()
        if isinstance(result, ErrorRecord):
            Metrics.counter("newsbeam", f"errors_{result.error_code}").inc()
            return "errors", result
        self._parsed.inc()
        return "articles", result


class ParseArticles(beam.PTransform):
    """(path, bytes) -> ParsedArticle, with an `errors` output of `ErrorRecord`s."""

    def __init__(self, run_id: str, options: ParseOptions = DEFAULT_PARSE_OPTIONS):
        super().__init__()
        self._fn = _ParseFileFn(run_id, options)

    def expand(self, raw_files):
        tagged = raw_files | "ParseFile" >> beam.ParDo(self._fn)
        return split_outputs(tagged, "articles", "errors")

"""Raw file bytes to `ParsedArticle`s: decode, normalize, split the header, map its fields."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterator

import apache_beam as beam
from apache_beam import pvalue
from apache_beam.metrics import Metrics

from schemas import ErrorRecord, ParsedArticle
from transforms.decode import decode_bytes
from transforms.errors import NO_BODY, InputError
from transforms.fields import normalize_header
from transforms.headers import split_header
from transforms.normalize import normalize_body, normalize_text

TOO_LARGE = "too_large"
DEFAULT_MAX_CHARS = 1_000_000


def article_id_for(title: str | None, body: str) -> str:
    """Content-derived id: the same normalized title and body give the same id anywhere."""
    digest = hashlib.sha256(f"{title or ''}\x1f{body}".encode())
    return digest.hexdigest()[:32]


def parse_article(
    source_path: str,
    data: bytes,
    *,
    default_timezone: dt.tzinfo = dt.UTC,
    dayfirst: bool = False,
    max_chars: int = DEFAULT_MAX_CHARS,
) -> ParsedArticle:
    """Parses one raw file; raises `InputError` with a stable code when it cannot be an article."""
    text = normalize_text(decode_bytes(data))
    raw = split_header(text)
    header = normalize_header(raw.fields, default_timezone=default_timezone, dayfirst=dayfirst)
    body = normalize_body(raw.body)
    if not body:
        raise InputError(NO_BODY, f"the {raw.header_format} header is followed by no article text")
    if len(body) > max_chars:
        raise InputError(
            TOO_LARGE, f"the body has {len(body):,} characters, over --max-chars {max_chars:,}"
        )
    return ParsedArticle(
        article_id=article_id_for(header.title, body),
        source_path=source_path,
        title=header.title,
        published_date=header.published_date,
        published_at=header.published_at,
        authors=header.authors,
        source_name=header.source_name,
        url=header.url,
        language=header.language,
        header_format=raw.header_format,
        header_extra=header.header_extra,
        body=body,
        warnings=header.warnings,
    )


class _ParseArticleFn(beam.DoFn):
    def __init__(self, run_id: str, default_timezone: dt.tzinfo, dayfirst: bool, max_chars: int):
        self._run_id = run_id
        self._options = {
            "default_timezone": default_timezone,
            "dayfirst": dayfirst,
            "max_chars": max_chars,
        }
        self._parsed = Metrics.counter("newsbeam", "articles_parsed")

    def process(self, element: tuple[str, bytes]) -> Iterator[ParsedArticle | pvalue.TaggedOutput]:
        source_path, data = element
        try:
            article = parse_article(source_path, data, **self._options)
        except InputError as err:
            Metrics.counter("newsbeam", f"errors_{err.code}").inc()
            yield pvalue.TaggedOutput(
                "errors", ErrorRecord(source_path, err.code, err.message, self._run_id)
            )
            return
        self._parsed.inc()
        yield article


class ParseArticles(beam.PTransform):
    """(path, bytes) -> ParsedArticle, with an `errors` output of `ErrorRecord`s."""

    def __init__(
        self,
        run_id: str,
        *,
        default_timezone: dt.tzinfo = dt.UTC,
        dayfirst: bool = False,
        max_chars: int = DEFAULT_MAX_CHARS,
    ):
        super().__init__()
        self._fn = _ParseArticleFn(run_id, default_timezone, dayfirst, max_chars)

    def expand(self, raw_files):
        return raw_files | "ParseArticle" >> beam.ParDo(self._fn).with_outputs(
            "errors", main="articles"
        )

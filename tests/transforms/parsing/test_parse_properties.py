"""Property-based tests: reading never raises, and every format round-trips its fields."""

from __future__ import annotations

import datetime as dt
import json

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from benchmarks.render import FIELDS_CARRIED, RENDERERS
from schemas import ErrorRecord
from transforms.errors import ERROR_CODES
from transforms.parsing.parse import ParseOptions, parse_file

OPTS = ParseOptions(detect_language=False)
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _check_results(path: str, data: bytes) -> None:
    results = list(parse_file(path, data, OPTS))
    assert results, "every file yields at least one article or error"
    for result in results:
        if isinstance(result, ErrorRecord):
            assert result.error_code in ERROR_CODES
            assert result.message
        else:
            assert result.body.strip()
            assert result.source_path.startswith(path)


@SETTINGS
@given(st.binary(max_size=3000))
def test_arbitrary_bytes_never_raise(data):
    _check_results("x.txt", data)


@SETTINGS
@given(st.binary(max_size=2000))
def test_arbitrary_bytes_as_json_lines_never_raise(data):
    _check_results("x.jsonl", data)


_HEADERISH = st.sampled_from(
    [
        "date 2018-12-19 ",
        "Title: ",
        "---\n",
        "{",
        '{"title": ',
        "<!DOCTYPE html><html>",
        "\n\n",
        "\ufeff",
        ":",
        "\r\n",
    ]
)


@SETTINGS
@given(st.lists(st.one_of(_HEADERISH, st.text(max_size=60)), max_size=12))
def test_header_like_text_never_raises(parts):
    _check_results("x.txt", "".join(parts).encode("utf-8", "surrogatepass"))


_WORD = st.from_regex(r"[A-Z][a-z]{1,8}", fullmatch=True).filter(
    lambda w: w.lower() not in {"and", "by"}
)
_TITLE = st.lists(
    st.one_of(
        _WORD, st.sampled_from(["‘quoted’", "“Said”", "Trump:", "42", "a-b", "O'Neil", "Café"])
    ),
    min_size=1,
    max_size=10,
).map(" ".join)
_SENTENCE = st.lists(_WORD, min_size=3, max_size=12).map(lambda ws: " ".join(ws) + ".")
_PARAGRAPH = st.lists(_SENTENCE, min_size=1, max_size=4).map(" ".join)
_BODY = st.lists(_PARAGRAPH, min_size=1, max_size=4).map("\n\n".join)
_NAME = st.lists(_WORD, min_size=1, max_size=3).map(" ".join)


@st.composite
def articles(draw):
    return {
        "title": draw(_TITLE),
        "published_date": draw(st.dates(dt.date(1900, 1, 1), dt.date(2100, 12, 31))),
        "authors": tuple(draw(st.lists(_NAME, max_size=3, unique=True))),
        "source_name": draw(st.one_of(st.none(), _NAME)),
        "body": draw(_BODY),
    }


@SETTINGS
@given(articles(), st.sampled_from(sorted(RENDERERS)))
def test_rendered_article_parses_back(article, header_format):
    path, data = RENDERERS[header_format](article)
    [parsed] = list(parse_file(path, data, OPTS))
    assert not isinstance(parsed, ErrorRecord), parsed
    assert parsed.header_format == header_format
    for field in FIELDS_CARRIED[header_format]:
        assert getattr(parsed, field) == article[field], field


def test_renderers_write_real_formats():
    article = {
        "title": "A “title”",
        "published_date": dt.date(2019, 1, 2),
        "authors": ("Ann Lee",),
        "source_name": "Wire",
        "body": "One two three.",
    }
    _, yaml_bytes = RENDERERS["yaml_front_matter"](article)
    assert yaml.safe_load(yaml_bytes.decode().split("---")[1])["title"] == "A “title”"
    _, json_bytes = RENDERERS["json"](article)
    assert json.loads(json_bytes)["maintext"] == "One two three."

import datetime as dt

import apache_beam as beam
import pytest
from apache_beam.testing.test_pipeline import TestPipeline
from apache_beam.testing.util import assert_that, equal_to

from schemas import ErrorRecord
from transforms.errors import InputError
from transforms.parsing.parse import ParseArticles, article_id_for, parse_article


def test_parse_article_date_line_with_typographic_quotes():
    data = "\ufeffdate 2018-12-19 Trump: ‘We won’\r\n\r\nFirst  paragraph.\r\nWrapped.\r\n\r\nSecond.".encode()
    article = parse_article("raw/a.txt", data)
    assert article.title == "Trump: ‘We won’"
    assert article.published_date == dt.date(2018, 12, 19)
    assert article.published_at is None
    assert article.header_format == "date_line"
    assert article.body == "First paragraph. Wrapped.\n\nSecond."
    assert "2018" not in article.body  # the header is never part of the analysed body
    assert article.article_id == article_id_for("Trump: ‘We won’", article.body)


def test_parse_article_id_depends_on_content_not_path():
    data = b"Same title\n\nSame body."
    assert parse_article("a.txt", data).article_id == parse_article("b/c.txt", data).article_id
    assert (
        parse_article("a.txt", data).article_id
        != parse_article("a.txt", data + b" More.").article_id
    )


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"", "empty"),
        (b"\x00\x00\x00\x01", "binary"),
        (b"date 2019-02-02 Title only\n", "no_body"),
        (b"Title: T\nDate: 2019-01-01\n\n   \n", "no_body"),
    ],
)
def test_parse_article_errors(data, code):
    with pytest.raises(InputError) as caught:
        parse_article("x.txt", data)
    assert caught.value.code == code


def test_parse_article_too_large():
    with pytest.raises(InputError) as caught:
        parse_article("x.txt", b"T\n\n" + b"word " * 50, max_chars=100)
    assert caught.value.code == "too_large"


def test_parse_articles_transform_splits_articles_and_errors():
    inputs = [
        ("good.txt", b"date 2019-01-02 Good news\n\nAll is well."),
        ("empty.txt", b""),
        ("header.txt", b"Title: Only\n"),
    ]
    with TestPipeline() as pipeline:
        parsed = pipeline | beam.Create(inputs) | ParseArticles("run-1")
        assert_that(
            parsed.articles | beam.Map(lambda a: (a.source_path, a.title, a.published_date)),
            equal_to([("good.txt", "Good news", dt.date(2019, 1, 2))]),
            label="Articles",
        )
        assert_that(
            parsed.errors | beam.Map(lambda e: (e.source_path, e.error_code, e.run_id)),
            equal_to([("empty.txt", "empty", "run-1"), ("header.txt", "no_body", "run-1")]),
            label="Errors",
        )


def test_error_record_message_is_a_sentence():
    with pytest.raises(InputError) as caught:
        parse_article("x.txt", b"")
    record = ErrorRecord("x.txt", caught.value.code, caught.value.message, "r")
    assert record.message == "the file is empty or contains only whitespace"

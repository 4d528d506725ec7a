"""Table-driven header and date cases across every input format, through `parse_file`."""

from __future__ import annotations

import codecs
import datetime as dt
import json

import pytest

from schemas import ErrorRecord
from transforms.parsing.parse import ParseOptions, parse_file

D = dt.date
UTC = dt.UTC
BODY = "Officials met in Geneva on Monday to discuss the plan. The talks will continue next week."
OPTS = ParseOptions(detect_language=False)


def _j(**fields) -> bytes:
    return json.dumps(fields, ensure_ascii=False).encode()


def _html(head: str, body_html: str) -> bytes:
    return f"<!DOCTYPE html><html><head>{head}</head><body><article>{body_html}</article></body></html>".encode()


P = f"<p>{BODY}</p>"

# (name, path, raw bytes, expected fields). Fields not named are not checked.
CASES = [
    (
        "date line",
        "a.txt",
        f"date 2018-12-19 Plain title\n\n{BODY}".encode(),
        {"title": "Plain title", "published_date": D(2018, 12, 19), "header_format": "date_line"},
    ),
    (
        "date line curly quotes",
        "a.txt",
        f"date 2018-12-19 Trump: ‘We won,’ he says “today”\n\n{BODY}".encode(),
        {"title": "Trump: ‘We won,’ he says “today”"},
    ),
    (
        "date line leading space",
        "a.txt",
        f" date 2019-01-02 Spaced\n\n{BODY}".encode(),
        {"title": "Spaced", "published_date": D(2019, 1, 2)},
    ),
    (
        "date line upper case",
        "a.txt",
        f"DATE 2019-01-02 Upper\n\n{BODY}".encode(),
        {"title": "Upper"},
    ),
    (
        "date line impossible date",
        "a.txt",
        f"date 2018-13-45 Bad date\n\n{BODY}".encode(),
        {"title": "Bad date", "published_date": None, "warning": "date_unparseable"},
    ),
    (
        "date line CRLF",
        "a.txt",
        f"date 2018-12-19 Windows\r\n\r\n{BODY}\r\n".encode(),
        {"title": "Windows", "body": BODY},
    ),
    (
        "date line BOM",
        "a.txt",
        codecs.BOM_UTF8 + f"date 2018-12-19 Bommed\n\n{BODY}".encode(),
        {"title": "Bommed"},
    ),
    (
        "date line utf-16",
        "a.txt",
        codecs.BOM_UTF16_LE + f"date 2018-12-19 Wide\n\n{BODY}".encode("utf-16-le"),
        {"title": "Wide", "published_date": D(2018, 12, 19)},
    ),
    (
        "date line cp1252",
        "a.txt",
        f"date 2018-12-19 Caf\u00e9 \u201cquotes\u201d\n\n{BODY} Caf\u00e9s \u2019open\u2019.".encode(
            "cp1252"
        ),
        {"title": "Café “quotes”"},
    ),
    (
        "title line",
        "a.txt",
        f"Just a title\n\n{BODY}".encode(),
        {"title": "Just a title", "published_date": None, "header_format": "title_line"},
    ),
    (
        "title line with colon",
        "a.txt",
        f"Update: talks resume\n\n{BODY}".encode(),
        {"title": "Update: talks resume", "header_format": "title_line"},
    ),
    (
        "body only",
        "a.txt",
        f"{BODY}\nSecond wrapped line of the same paragraph.".encode(),
        {"title": None, "header_format": "body_only", "warning": "title_missing"},
    ),
    (
        "key value",
        "a.txt",
        f"Title: KV title\nDate: 2019-01-07\nAuthor: Anna Keller\nSource: Review\nURL: https://e.org/a\n\n{BODY}".encode(),
        {
            "title": "KV title",
            "published_date": D(2019, 1, 7),
            "authors": ("Anna Keller",),
            "source_name": "Review",
            "url": "https://e.org/a",
            "header_format": "key_value",
        },
    ),
    (
        "key value aliases upper",
        "a.txt",
        f"HEADLINE: Aliased\nPUBDATE: 19 December 2018\nBYLINE: By A. Lee and B. Kim\nPUBLISHER: Wire\nLINK: https://e.org/b\n\n{BODY}".encode(),
        {
            "title": "Aliased",
            "published_date": D(2018, 12, 19),
            "authors": ("A. Lee", "B. Kim"),
            "source_name": "Wire",
            "url": "https://e.org/b",
        },
    ),
    (
        "key value rfc 2822",
        "a.txt",
        f"Title: Rfc\nPublished: Tue, 05 Mar 2019 14:30:00 +0100\n\n{BODY}".encode(),
        {
            "published_date": D(2019, 3, 5),
            "published_at": dt.datetime(2019, 3, 5, 13, 30, tzinfo=UTC),
        },
    ),
    (
        "key value iso offset crosses midnight",
        "a.txt",
        f"Title: Late\nDate: 2019-03-05T23:30:00-05:00\n\n{BODY}".encode(),
        {
            "published_date": D(2019, 3, 5),
            "published_at": dt.datetime(2019, 3, 6, 4, 30, tzinfo=UTC),
        },
    ),
    (
        "key value dec. date",
        "a.txt",
        f"Title: Abbrev\nDate: Dec. 19, 2018\n\n{BODY}".encode(),
        {"published_date": D(2018, 12, 19)},
    ),
    (
        "key value weekday date",
        "a.txt",
        f"Title: Weekday\nDate: Wednesday, December 19, 2018\n\n{BODY}".encode(),
        {"published_date": D(2018, 12, 19)},
    ),
    (
        "key value upper date",
        "a.txt",
        f"Title: Shout\nDate: WEDNESDAY, DECEMBER 19, 2018\n\n{BODY}".encode(),
        {"published_date": D(2018, 12, 19)},
    ),
    (
        "key value slash date",
        "a.txt",
        f"Title: Slash\nDate: 2018/12/19\n\n{BODY}".encode(),
        {"published_date": D(2018, 12, 19)},
    ),
    (
        "key value us date",
        "a.txt",
        f"Title: US\nDate: 12/19/2018\n\n{BODY}".encode(),
        {"published_date": D(2018, 12, 19)},
    ),
    (
        "key value ambiguous us date",
        "a.txt",
        f"Title: Amb\nDate: 01/02/2019\n\n{BODY}".encode(),
        {"published_date": D(2019, 1, 2)},
    ),
    (
        "key value dateline key",
        "a.txt",
        f"Title: DL\nDateline: 2019-02-02\n\n{BODY}".encode(),
        {"published_date": D(2019, 2, 2)},
    ),
    (
        "key value future date",
        "a.txt",
        f"Title: Future\nDate: 2999-01-01\n\n{BODY}".encode(),
        {"published_date": D(2999, 1, 1), "warning": "date_in_future"},
    ),
    (
        "key value old date",
        "a.txt",
        f"Title: Old\nDate: 1850-05-05\n\n{BODY}".encode(),
        {"published_date": D(1850, 5, 5), "warning": "date_too_old"},
    ),
    (
        "key value unknown keys kept",
        "a.txt",
        f"Title: Extra\nSection: World\nWord-Count: 120\n\n{BODY}".encode(),
        {"header_extra": (("Section", "World"), ("Word-Count", "120"))},
    ),
    (
        "key value authors semicolons",
        "a.txt",
        f"Title: Semi\nAuthors: A One; B Two, C Three\n\n{BODY}".encode(),
        {"authors": ("A One", "B Two", "C Three")},
    ),
    (
        "key value language",
        "a.txt",
        f"Title: Lang\nLanguage: en-GB\n\n{BODY}".encode(),
        {"language": "en"},
    ),
    (
        "yaml front matter",
        "a.md",
        f"---\ntitle: YAML title\ndate: 2019-03-04\nauthors: [Sanne Vries, Piet Jans]\nsite: Harbour\n---\n\n{BODY}".encode(),
        {
            "title": "YAML title",
            "published_date": D(2019, 3, 4),
            "authors": ("Sanne Vries", "Piet Jans"),
            "source_name": "Harbour",
            "header_format": "yaml_front_matter",
        },
    ),
    (
        "yaml front matter datetime",
        "a.md",
        f"---\ntitle: Timed\ndate: 2019-03-04 10:15:00+01:00\n---\n{BODY}".encode(),
        {"published_at": dt.datetime(2019, 3, 4, 9, 15, tzinfo=UTC)},
    ),
    (
        "yaml front matter quoted title colon",
        "a.md",
        f'---\ntitle: "Minister: ‘No’"\n---\n\n{BODY}'.encode(),
        {"title": "Minister: ‘No’"},
    ),
    (
        "yaml list tags kept as extra",
        "a.md",
        f"---\ntitle: Tags\ntags: [a, b]\n---\n\n{BODY}".encode(),
        {"header_extra": (("tags", "a, b"),)},
    ),
    (
        "json news-please",
        "a.json",
        _j(
            title="NP",
            date_publish="2019-03-12 16:40:00",
            authors=["Maya Patel"],
            source_domain="orbit.example",
            url="https://orbit.example/x",
            language="en",
            maintext=BODY,
        ),
        {
            "title": "NP",
            "published_date": D(2019, 3, 12),
            "published_at": dt.datetime(2019, 3, 12, 16, 40, tzinfo=UTC),
            "authors": ("Maya Patel",),
            "source_name": "orbit.example",
            "url": "https://orbit.example/x",
            "language": "en",
            "header_format": "json",
        },
    ),
    (
        "json text key",
        "a.json",
        _j(title="Text key", date="2019-01-01", text=BODY),
        {"title": "Text key", "body": BODY},
    ),
    (
        "json content key and published",
        "a.json",
        _j(headline="Content", published="2019-01-01T08:00:00Z", content=BODY),
        {"title": "Content", "published_at": dt.datetime(2019, 1, 1, 8, tzinfo=UTC)},
    ),
    (
        "json body key with nested extra",
        "a.json",
        _j(title="Nested", body=BODY, meta={"k": 1}),
        {"header_extra": (("meta", '{"k": 1}'),)},
    ),
    (
        "json null values skipped",
        "a.json",
        _j(title="Nulls", date=None, author=None, body=BODY),
        {"published_date": None, "authors": ()},
    ),
    (
        "html page",
        "a.html",
        _html(
            '<title>Page | Site</title><meta property="og:title" content="Page title"><meta property="og:site_name" content="Site Name"><meta name="author" content="Lucia Romano"><meta property="article:published_time" content="2019-03-25T18:00:00+01:00">',
            f"<h1>Page title</h1>{P}",
        ),
        {
            "title": "Page title",
            "published_date": D(2019, 3, 25),
            "authors": ("Lucia Romano",),
            "source_name": "Site Name",
            "header_format": "html",
            "body": BODY,
        },
    ),
    (
        "html two paragraphs",
        "a.html",
        _html(
            "<title>Two</title>",
            f"<h1>Two</h1>{P}<p>A second paragraph follows here, with more words in it.</p>",
        ),
        {"body": BODY + "\n\nA second paragraph follows here, with more words in it."},
    ),
]

ERROR_CASES = [
    ("empty", "a.txt", b"", "empty"),
    ("whitespace only", "a.txt", b"  \n\t\n ", "empty"),
    ("binary nul", "a.txt", b"abc\x00\x00def", "binary"),
    ("pdf", "a.pdf", b"%PDF-1.4 rest", "binary"),
    ("header only date line", "a.txt", b"date 2019-01-01 Only a header\n", "no_body"),
    ("header only key value", "a.txt", b"Title: T\nDate: 2019-01-01\n", "no_body"),
    ("truncated json", "a.json", b'{"title": "T", "text": "cut', "json_invalid"),
    ("json without body", "a.json", _j(title="No body here"), "no_body"),
    ("yaml invalid", "a.md", f"---\ntitle: [unclosed\n---\n\n{BODY}".encode(), "header_invalid"),
    (
        "yaml not a mapping",
        "a.md",
        f"---\n- just\n- a list\n---\n\n{BODY}".encode(),
        "header_invalid",
    ),
    (
        "html without text",
        "a.html",
        b"<!DOCTYPE html><html><head><title>x</title></head><body></body></html>",
        "no_body",
    ),
]


@pytest.mark.parametrize(("name", "path", "raw", "expected"), CASES, ids=[c[0] for c in CASES])
def test_header_cases(name, path, raw, expected):
    [article] = list(parse_file(path, raw, OPTS))
    assert not isinstance(article, ErrorRecord), article
    for field, value in expected.items():
        if field == "warning":
            assert any(w.startswith(value + ":") for w in article.warnings), article.warnings
        else:
            assert getattr(article, field) == value, field


@pytest.mark.parametrize(
    ("name", "path", "raw", "code"), ERROR_CASES, ids=[c[0] for c in ERROR_CASES]
)
def test_error_cases(name, path, raw, code):
    [failure] = list(parse_file(path, raw, OPTS))
    assert isinstance(failure, ErrorRecord)
    assert (failure.source_path, failure.error_code) == (path, code)
    assert failure.message


def test_at_least_forty_cases():
    assert len(CASES) + len(ERROR_CASES) >= 40


def test_json_lines_each_line_is_an_article_or_an_error():
    raw = b"\n".join(
        [
            _j(title="First", date="2019-01-01", text=BODY),
            b"",
            b"not json",
            _j(title="Second", body=BODY),
            b"[1, 2]",
        ]
    )
    results = list(parse_file("feeds/batch.jsonl", raw, OPTS))
    assert [(r.source_path, getattr(r, "title", None) or r.error_code) for r in results] == [
        ("feeds/batch.jsonl#L1", "First"),
        ("feeds/batch.jsonl#L3", "json_invalid"),
        ("feeds/batch.jsonl#L4", "Second"),
        ("feeds/batch.jsonl#L5", "json_invalid"),
    ]


def test_lone_surrogate_escapes_become_replacement_characters():
    raw = (b'{"title": "Cut \\ud83d", "author": "Ann \\udc80 Lee", "text": "Pier '
           b'\\ud83d\\ude00 \\udfff. ' + BODY.encode() + b'"}')
    (article,) = parse_file("feeds/cut.json", raw, OPTS)
    assert article.title == "Cut \ufffd"
    assert article.authors == ("Ann \ufffd Lee",)
    assert article.body.startswith("Pier \U0001f600 \ufffd. ")  # a whole pair stays an emoji


def test_json_lines_detected_by_content_without_extension():
    raw = _j(title="A", text=BODY) + b"\n" + _j(title="B", text=BODY + " More.")
    assert [r.source_path for r in parse_file("dump.txt", raw, OPTS)] == [
        "dump.txt#L1",
        "dump.txt#L2",
    ]


def test_empty_json_lines_file_is_one_error():
    [failure] = list(parse_file("x.jsonl", b"\n\n  \n", OPTS))
    assert failure.error_code == "empty"


def test_dayfirst_and_default_timezone_options():
    raw = f"Title: T\nDate: 01/02/2019 09:00\n\n{BODY}".encode()
    import zoneinfo

    options = ParseOptions(zoneinfo.ZoneInfo("Europe/Berlin"), True, detect_language=False)
    [article] = list(parse_file("a.txt", raw, options))
    assert article.published_date == D(2019, 2, 1)
    assert article.published_at == dt.datetime(2019, 2, 1, 8, tzinfo=UTC)

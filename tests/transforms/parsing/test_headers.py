import pytest

from transforms.parsing.headers import (
    parse_date_line,
    parse_key_value_block,
    parse_title_line,
    split_header,
)


@pytest.mark.parametrize(
    ("text", "fields", "body"),
    [
        (
            "date 2018-12-19 Trump: ‘We won’\n\nBody.",
            (("date", "2018-12-19"), ("title", "Trump: ‘We won’")),
            "\nBody.",
        ),
        (
            " date 2018-12-19 Leading space\n\nBody.",
            (("date", "2018-12-19"), ("title", "Leading space")),
            "\nBody.",
        ),
        (
            "DATE 2018-1-9 Short date\nBody.",
            (("date", "2018-1-9"), ("title", "Short date")),
            "Body.",
        ),
        ("date 2018-12-19\n\nNo title.", (("date", "2018-12-19"),), "\nNo title."),
        (
            "date 2018-13-45 Bad date\n\nBody.",
            (("date", "2018-13-45"), ("title", "Bad date")),
            "\nBody.",
        ),
    ],
)
def test_parse_date_line(text, fields, body):
    header = parse_date_line(text)
    assert header.header_format == "date_line"
    assert header.fields == fields
    assert header.body == body


@pytest.mark.parametrize(
    "text",
    ["dated 2018-12-19 Title\n\nBody", "Title line\n\nBody", "date: tomorrow\n\nBody", ""],
)
def test_parse_date_line_rejects_other_formats(text):
    assert parse_date_line(text) is None


def test_parse_key_value_block_keeps_keys_as_written_and_unknown_keys():
    text = "Title: Storm: the aftermath\nAUTHOR: By Jane Roe\nSection: World\n\nBody text.\n\nMore."
    header = parse_key_value_block(text)
    assert header.header_format == "key_value"
    assert header.fields == (
        ("Title", "Storm: the aftermath"),
        ("AUTHOR", "By Jane Roe"),
        ("Section", "World"),
    )
    assert header.body == "Body text.\n\nMore."


@pytest.mark.parametrize(
    "text",
    [
        "Trump: we have won\n\nBody.",  # a title with a colon, no known key
        "Title: ok\nthis line is not a header\n\nBody.",  # every block line must be key: value
        "Just a title\n\nBody.",
    ],
)
def test_parse_key_value_block_rejects_non_headers(text):
    assert parse_key_value_block(text) is None


def test_parse_title_line():
    header = parse_title_line("\n  Library opens in Leeds  \n\nA library opened.\n")
    assert header.fields == (("title", "Library opens in Leeds"),)
    assert header.body == "A library opened.\n"


@pytest.mark.parametrize("text", ["Two line\nparagraph\n\nBody", "x" * 301 + "\n\nBody"])
def test_parse_title_line_rejects_long_or_multiline_first_block(text):
    assert parse_title_line(text) is None


@pytest.mark.parametrize(
    ("text", "header_format"),
    [
        ("date 2018-12-19 T\n\nB", "date_line"),
        ("Title: T\nDate: 2018-12-19\n\nB", "key_value"),
        ("Headline: T\n\nB", "key_value"),
        ("Trump: T\n\nB", "title_line"),
        ("T\n\nB", "title_line"),
        ("A long first paragraph\nthat wraps over lines.", "body_only"),
    ],
)
def test_split_header_detects_format(text, header_format):
    assert split_header(text).header_format == header_format

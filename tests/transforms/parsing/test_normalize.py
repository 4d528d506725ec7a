import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from transforms.parsing.normalize import collapse_whitespace, normalize_body, normalize_text


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("\ufeffdate 2018-12-19 A", "date 2018-12-19 A"),
        ("a\r\nb\rc\n", "a\nb\nc\n"),
        ("Cafe\u0301", "Café"),  # decomposed e + combining acute -> NFC
        ("", ""),
    ],
)
def test_normalize_text(raw, expected):
    assert normalize_text(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("  Trump:   ‘We have won’  ", "Trump: ‘We have won’"),
        ("Line\nbroken\ttitle", "Line broken title"),
        ("“Quoted”\u00a0title", "“Quoted” title"),
        ("   ", ""),
    ],
)
def test_collapse_whitespace_collapses_whitespace_and_keeps_quotes(raw, expected):
    assert collapse_whitespace(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("One.\n\nTwo.", "One.\n\nTwo."),
        ("\n\nHard\nwrapped   line.\n \n\n\nNext  para.\n\n", "Hard wrapped line.\n\nNext para."),
        ("   \n\n  ", ""),
        ("Single paragraph", "Single paragraph"),
    ],
)
def test_normalize_body_keeps_paragraphs_as_blank_lines(raw, expected):
    assert normalize_body(raw) == expected


@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=200))
def test_collapse_whitespace_is_the_regex_definition(text):
    """Whitespace is every character `\\s` matches, Unicode spaces and separators included."""
    assert collapse_whitespace(text) == re.sub(r"\s+", " ", text).strip()


def test_collapse_whitespace_collapses_unicode_whitespace():
    assert collapse_whitespace("\u00a0Oslo\u2003\u2028 talks\x1c end\u3000") == "Oslo talks end"

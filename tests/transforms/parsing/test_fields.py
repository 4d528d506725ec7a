import datetime as dt

import pytest

from transforms.parsing.fields import normalize_header, normalize_language, split_authors


@pytest.mark.parametrize(
    ("value", "authors"),
    [
        ("By Jane Roe and John Doe", ("Jane Roe", "John Doe")),
        ("Jane Roe, John Doe; Ann Lee", ("Jane Roe", "John Doe", "Ann Lee")),
        ("BY  Claire   Dubois", ("Claire Dubois",)),
        ("Liam O'Brien & Ana Brandt", ("Liam O'Brien", "Ana Brandt")),
        ("Andrea Anderson", ("Andrea Anderson",)),  # 'and' inside a name is not a separator
        ("", ()),
    ],
)
def test_split_authors(value, authors):
    assert split_authors(value) == authors


@pytest.mark.parametrize(
    ("value", "code"),
    [("en", "en"), ("EN", "en"), ("en-US", "en"), ("fr_FR", "fr"), ("English", None), ("", None)],
)
def test_normalize_language(value, code):
    assert normalize_language(value) == code


def test_normalize_header_maps_aliases_case_insensitively():
    header = normalize_header(
        [
            ("HEADLINE", "  Rail   strike  "),
            ("Pubdate", "Tue, 05 Mar 2019 14:30:00 +0100"),
            ("Byline", "By A. Writer and B. Writer"),
            ("Site", "Paris Post"),
            ("Link", "https://example.org/a"),
            ("Lang", "fr-FR"),
            ("Section", "Transport"),
            ("Title", "second title goes to extra"),
        ]
    )
    assert header.title == "Rail strike"
    assert header.published_date == dt.date(2019, 3, 5)
    assert header.published_at == dt.datetime(2019, 3, 5, 13, 30, tzinfo=dt.UTC)
    assert header.authors == ("A. Writer", "B. Writer")
    assert header.source_name == "Paris Post"
    assert header.url == "https://example.org/a"
    assert header.language == "fr"
    assert header.header_extra == (
        ("Section", "Transport"),
        ("Title", "second title goes to extra"),
    )
    assert header.warnings == ()


def test_normalize_header_warns_on_missing_title_and_bad_date():
    header = normalize_header([("date", "2018-13-45")])
    assert header.title is None
    assert header.published_date is None
    assert [w.split(":")[0] for w in header.warnings] == ["date_unparseable", "title_missing"]

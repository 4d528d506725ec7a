"""Place resolution from an article's context, on the packaged gazetteer (no network)."""

import datetime as dt

import pytest

from benchmarks.places_eval import evaluate
from schemas import EntityMention
from transforms.places import load_gazetteer, place_key, resolve_places
from transforms.rollups import compute_rollups


def _resolve(text: str, names: list[str]) -> list[tuple]:
    mentions = []
    for name in names:
        start = text.index(name)
        mentions.append((name, "body", start, start + len(name)))
    results = resolve_places(mentions, {"body": text}, load_gazetteer())
    return [
        (r.place.name, r.place.country_code, r.place.kind, r.method)
        if r.place
        else (None, None, None, r.method)
        for r in results
    ]


@pytest.mark.parametrize(
    ("text", "names", "expected"),
    [
        ("He flew to Paris.", ["Paris"], [("Paris", "FR", "city", "prior")]),
        ("Paris, Texas is small.", ["Paris", "Texas"],
         [("Paris", "US", "city", "qualifier"), ("Texas", "US", "region", "unique")]),
        ("Atlanta, the capital of Georgia, voted.", ["Atlanta", "Georgia"],
         [("Atlanta", "US", "city", "unique"), ("Georgia", "US", "region", "context")]),
        ("Tbilisi and Georgia.", ["Tbilisi", "Georgia"],
         [("Tbilisi", "GE", "city", "unique"), ("Georgia", "GE", "country", "context")]),
        ("Georgia alone.", ["Georgia"], [("Georgia", "GE", "country", "prior")]),
        ("Portland, Maine, and Boston.", ["Portland", "Maine", "Boston"],
         [("Portland", "US", "city", "qualifier"), ("Maine", "US", "region", "unique"),
          ("Boston", "US", "city", "context")]),
        ("Valencia in Spain.", ["Valencia", "Spain"],
         [("Valencia", "ES", "city", "context"), ("Spain", "ES", "country", "unique")]),
        ("Kiev, Bombay, the UK and Britain.", ["Kiev", "Bombay", "UK", "Britain"],
         [("Kyiv", "UA", "city", "unique"), ("Mumbai", "IN", "city", "unique"),
          ("United Kingdom", "GB", "country", "unique"), ("United Kingdom", "GB", "country", "unique")]),
        ("Europe and the Middle East.", ["Europe", "Middle East"],
         [("Europe", None, "multinational", "unique"), ("Middle East", None, "multinational", "unique")]),
        ("Washington said no.", ["Washington"], [("Washington", "US", "city", "prior")]),
        ("Narnia is far.", ["Narnia"], [(None, None, None, "unresolved")]),
    ],
)  # fmt: skip
def test_places_resolve_from_their_article(text, names, expected):
    assert _resolve(text, names) == expected


def test_place_names_compare_without_accents_or_leading_the():
    assert place_key("Valparaíso") == place_key("valparaiso") == "valparaiso"
    assert place_key("the Netherlands") == "netherlands"


def test_the_labelled_set_resolves_at_least_nine_in_ten():
    result = evaluate()
    assert result["places_labelled"] >= 150 and result["mentions_scored"] >= 140
    assert result["accuracy"] >= 0.9, result["failures"]


def test_place_daily_counts_articles_mentions_and_sentences():
    day = dt.date(2019, 3, 4)

    def mention(article, sentence, score, start):
        return EntityMention(article, "body", "Oslo", "GPE", start, start + 4, sentence, 0, score,
                             "oslo", "GPE", day, "NO", "geonames:3143244", "Oslo", "city",
                             59.9, 10.7, "unique")  # fmt: skip

    rows = compute_rollups(
        [mention("a", 0, 0.5, 0), mention("a", 0, 0.5, 9), mention("a", 1, None, 20),
         mention("b", 0, -0.1, 0)], []
    )[3]  # fmt: skip
    assert [(r.place_id, r.country_code, r.articles, r.mentions, r.sentences) for r in rows] == [
        ("geonames:3143244", "NO", 2, 4, 2)
    ]
    assert rows[0].sentiment_mean == pytest.approx(0.2)

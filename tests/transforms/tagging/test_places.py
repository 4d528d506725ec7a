"""Place resolution from an article's context, on the packaged gazetteer (no network)."""

import datetime as dt
import pickle

import pytest

from benchmarks.places_eval import evaluate
from schemas import EntityMention
from tests.helpers import fresh_cache
from transforms.corpus.rollups import compute_rollups
from transforms.tagging.places import (
    build_gazetteer,
    build_key,
    load_gazetteer,
    place_key,
    resolve_places,
)


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


@pytest.fixture()
def fresh_gazetteer(tmp_path, monkeypatch):
    yield from fresh_cache(load_gazetteer, tmp_path, monkeypatch)


def test_a_cached_gazetteer_equals_a_fresh_build(fresh_gazetteer):
    built = build_gazetteer()
    first = load_gazetteer()  # builds, then writes the cache
    (cached,) = fresh_gazetteer.iterdir()
    assert cached.name == f"gazetteer-{build_key()}.pickle"
    load_gazetteer.cache_clear()
    second = load_gazetteer()  # reads the cache
    assert second is not first
    assert first == built and second == built
    assert len(second.by_name) > 60_000
    assert [p.name for p in second.by_name["paris"]][:1] == ["Paris"]


def test_a_bad_cache_is_rebuilt_and_an_unwritable_one_only_warned(fresh_gazetteer, caplog):
    fresh_gazetteer.mkdir()
    cached = fresh_gazetteer / f"gazetteer-{build_key()}.pickle"
    cached.write_bytes(pickle.dumps("not a gazetteer")[:5])  # truncated
    assert load_gazetteer() == build_gazetteer()
    assert "not used" in caplog.text
    assert pickle.loads(cached.read_bytes()) == build_gazetteer()  # replaced by a good one

    load_gazetteer.cache_clear()
    cached.unlink()
    fresh_gazetteer.rmdir()
    fresh_gazetteer.write_text("a file where the cache directory should be")
    assert load_gazetteer() == build_gazetteer()
    assert "gazetteer cache not written" in caplog.text


def test_the_cache_key_covers_the_alias_table(monkeypatch):
    from transforms.tagging import places

    key = build_key()
    monkeypatch.setattr(places, "_BUILT_FROM", ("places.py", "entity_keys.py"))
    assert build_key() != key


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

"""Keyphrases from the real spaCy model, on articles written for these tests."""

from __future__ import annotations

import datetime as dt

from transforms.parsing.parse import parse_article
from transforms.tagging.spacy_vader import annotate_batch

NOW = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
RATES = b"""date 2019-03-04 Bank of England holds interest rates as inflation eases

The Bank of England kept interest rates at 0.75 per cent on Thursday, saying inflation had \
eased to 1.9 per cent in January. Governor Mark Carney said the interest rate outlook depended \
on the Brexit talks.

Economists expect interest rates to stay on hold until the summer. Lower energy prices pulled \
inflation below the 2 per cent target for the first time in two years, the Bank of England said.
"""
FOOTBALL = b"""date 2019-03-10 Liverpool reach Champions League quarter-finals

Liverpool beat Bayern Munich 3-1 in Munich on Wednesday to reach the Champions League \
quarter-finals. Sadio Mane scored twice and Virgil van Dijk headed the other goal.

The Champions League draw takes place on Friday in Nyon. Liverpool manager Jurgen Klopp said \
his players had shown great character in the second half.
"""


def _keyphrases(taggers, *raw: bytes, limit: int = 10):
    articles = [parse_article(f"{i}.txt", data) for i, data in enumerate(raw)]
    tagged = annotate_batch(taggers, articles, run_id="r", processed_at=NOW, keyphrases=limit)
    return [list(t.keyphrases) for t in tagged]


def test_best_phrases_are_the_ones_an_editor_would_pick(taggers):
    rates, football = _keyphrases(taggers, RATES, FOOTBALL)
    assert [(k.rank, k.phrase, k.key, k.count) for k in rates[:3]] == [
        (1, "Bank of England", "bank of england", 3),
        (2, "interest rates", "interest rate", 3),  # "interest rate outlook" is its own phrase
        (3, "inflation", "inflation", 3),
    ]
    assert [(k.phrase, k.key) for k in football[:3]] == [
        ("Champions League", "champions league"),
        ("Liverpool", "liverpool"),
        ("quarter-finals", "quarter-final"),
    ]
    assert {"Mark Carney", "energy prices"} <= {k.phrase for k in rates}
    assert {"Bayern Munich", "Virgil van Dijk", "Jurgen Klopp"} <= {k.phrase for k in football}
    for found in (rates, football):
        assert [k.rank for k in found] == list(range(1, 11))
        assert [k.score for k in found] == sorted((k.score for k in found), reverse=True)
        assert {k.article_id for k in found} == {found[0].article_id}
    assert rates[0].published_date == dt.date(2019, 3, 4)


def test_no_stop_words_numbers_dates_or_one_letter_phrases(taggers):
    found = [k for phrases in _keyphrases(taggers, RATES, FOOTBALL) for k in phrases]
    words = {w for k in found for w in k.key.split()}
    assert not words & {"the", "a", "of the", "per", "cent", "thursday", "wednesday", "january"}
    assert not any(any(c.isdigit() for c in k.key) for k in found)
    assert all(len(k.key) > 1 and k.phrase == k.phrase.strip() for k in found)
    assert not [k for k in found if k.key.split()[0] in ("lower", "great", "second")]


def test_the_limit_and_odd_text(taggers):
    [three] = _keyphrases(taggers, RATES, limit=3)
    assert [k.phrase for k in three] == ["Bank of England", "interest rates", "inflation"]
    assert _keyphrases(taggers, RATES, limit=0) == [[]]
    odd = [
        b"date 2019-01-01 ...\n\n!!! ??? 123 456 --- 1,000,000",
        b"x\n\nthe of and a to in",
        "date 2019-01-01 \u202e\u200b\n\n\u00a0\ufffd \U0001f600 - -- a-b".encode(),
    ]
    assert _keyphrases(taggers, *odd) == [[], [], []]


def test_an_untagged_language_has_no_keyphrases(taggers):
    german = b"Senat tagt\n\nDer Berliner Senat hat am Samstag in Berlin einen Beschluss gefasst."
    assert _keyphrases(taggers, german) == [[]]

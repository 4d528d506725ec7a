"""`TagArticles`: runs any `ArticleTagger` over batches of parsed articles.

The transform owns what every tagger needs around it (as Beam's `RunInference` does for a
`ModelHandler`): the model loaded once per worker process, metrics, progress logs, and the
error output. A batch that raises is retried article by article, so only the article that
fails becomes an error row (code `internal`), never a failed run.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Iterator, Sequence

import apache_beam as beam
from apache_beam.metrics import Metrics

from schemas import ErrorRecord, ParsedArticle, Rows
from transforms.errors import INTERNAL
from transforms.runner import PORTABLE, RunnerProfile, process_cached, split_outputs
from transforms.runner.checkpoints import pause_point
from transforms.tagging.base import ArticleTagger, TaggedArticle

PROGRESS_INTERVAL_SECONDS = 30.0
_LOG = logging.getLogger(__name__)


def _load(tagger: ArticleTagger):
    return tagger.load_model()


class _TagArticlesFn(beam.DoFn):
    def __init__(self, tagger: ArticleTagger, run_id: str, profile: RunnerProfile = PORTABLE):
        self._tagger = tagger
        self._run_id = run_id
        self._profile = profile
        self._articles = Metrics.counter("newsbeam", "articles_tagged")
        self._words = Metrics.counter("newsbeam", "words_tagged")
        self._mentions = Metrics.counter("newsbeam", "entity_mentions")
        self._failed = Metrics.counter("newsbeam", "errors_internal")
        # Time inside the tagger (model and sentiment), summed over workers: the words/s the
        # run summary prints, apart from the run's fixed cost.
        self._tagging_ms = Metrics.counter("newsbeam", "tagging_ms")

    def setup(self):
        self._model = process_cached(_load, self._tagger)
        self._profile.settle()  # the model lives as long as the process
        self._started = self._last_log = time.monotonic()
        self._done_articles = self._done_words = 0

    def process(self, batch: list[ParsedArticle]) -> Iterator[tuple[str, object]]:
        pause_point("tagging")
        for result in self._tag_isolated(batch):
            if isinstance(result, ErrorRecord):
                self._failed.inc()
                yield "errors", result
                continue
            article, mentions, quotes = result.article, result.mentions, result.quotes
            self._articles.inc()
            self._words.inc(article.word_count)
            self._mentions.inc(len(mentions))
            self._done_articles += 1
            self._done_words += article.word_count
            yield "articles", article
            if mentions:
                yield "entities", Rows(mentions)  # one element per article, not per mention
            if quotes:
                yield "quotes", Rows(quotes)
            if result.keyphrases:
                yield "keyphrases", Rows(result.keyphrases)
        self._log_progress()

    def _tag(self, articles: Sequence[ParsedArticle]) -> list[TaggedArticle]:
        processed_at = dt.datetime.now(dt.UTC)
        started = time.perf_counter()
        tagged = list(
            self._tagger.tag_batch(
                self._model, articles, run_id=self._run_id, processed_at=processed_at
            )
        )
        self._tagging_ms.inc(round((time.perf_counter() - started) * 1000))
        return tagged

    def _tag_isolated(self, batch: list[ParsedArticle]) -> Iterator[TaggedArticle | ErrorRecord]:
        """The batch's results; if the batch raises, each article alone, failures as errors."""
        try:
            yield from self._tag(batch)
            return
        except Exception as err:  # an unexpected failure of one article must not end the run
            _LOG.warning("a batch of %d articles failed (%r); retrying one by one", len(batch), err)
        for article in batch:
            try:
                yield from self._tag([article])
            except Exception as err:
                message = f"tagging failed: {type(err).__name__}: {str(err)[:300]}"
                yield ErrorRecord(article.source_path, INTERNAL, message, self._run_id)

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
    """Batches of ParsedArticle -> `articles` (Article rows), `entities` (one list of
    EntityMention per article that has any: ~100 mentions an article would otherwise each pay
    Beam's per-element cost; write them with `WriteDataset(..., lists=True)`), `quotes` (one
    list of Quote per article that has any, keyed within the article), `keyphrases` (one list
    of Keyphrase per article that has any, written the same way) and `errors` (ErrorRecord,
    code `internal`, for articles the tagger failed on)."""

    def __init__(self, tagger: ArticleTagger, run_id: str, profile: RunnerProfile = PORTABLE):
        super().__init__()
        self._tagger = tagger
        self._run_id = run_id
        self._profile = profile

    def expand(self, batches):
        tagged = batches | "TagBatch" >> beam.ParDo(
            _TagArticlesFn(self._tagger, self._run_id, self._profile)
        )
        return split_outputs(tagged, "articles", "entities", "quotes", "keyphrases", "errors")

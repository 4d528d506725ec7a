"""One article per content: the same normalized title and body under several paths."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import apache_beam as beam
from apache_beam import pvalue
from apache_beam.metrics import Metrics

from schemas import DuplicateRecord, ParsedArticle


def pick_canonical(
    articles: Iterable[ParsedArticle], run_id: str
) -> tuple[ParsedArticle, list[DuplicateRecord]]:
    """Keeps the article with the smallest source_path (deterministic on every runner)."""
    ordered = sorted(articles, key=lambda article: article.source_path)
    kept = ordered[0]
    return kept, [
        DuplicateRecord(a.article_id, a.source_path, kept.source_path, run_id) for a in ordered[1:]
    ]


class _PickCanonicalFn(beam.DoFn):
    def __init__(self, run_id: str):
        self._run_id = run_id
        self._duplicates = Metrics.counter("newsbeam", "duplicates")

    def process(self, element) -> Iterator[ParsedArticle | pvalue.TaggedOutput]:
        _, articles = element
        kept, duplicates = pick_canonical(articles, self._run_id)
        yield kept
        for duplicate in duplicates:
            self._duplicates.inc()
            yield pvalue.TaggedOutput("duplicates", duplicate)


class DropDuplicates(beam.PTransform):
    """ParsedArticle -> one per article_id, with a `duplicates` output for the others."""

    def __init__(self, run_id: str):
        super().__init__()
        self._run_id = run_id

    def expand(self, articles):
        return (
            articles
            | "KeyByArticleId" >> beam.Map(lambda article: (article.article_id, article))
            | "GroupById" >> beam.GroupByKey()
            | "PickCanonical"
            >> beam.ParDo(_PickCanonicalFn(self._run_id)).with_outputs(
                "duplicates", main="articles"
            )
        )

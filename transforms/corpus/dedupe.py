"""One article per content, grouped into batches for tagging, in one shuffle.

Articles are keyed by a slice of their content-derived `article_id`, so every copy of an
article lands in the same group; a group is deduplicated (the smallest source_path wins) and
cut into batches of at most `batch_size`. Articles already published and kept by this run join
the same groups (as `PublishedArticle`s), so a new copy of one becomes a duplicate of the
published row instead of a second article. Batching after a GroupByKey, rather than with
`BatchElements` (which emits its last batch from `finish_bundle`), gives the same batches on
every runner: Beam 2.77's DaskRunner drops what `finish_bundle` emits.

Each parsed article waits for its group as what the runner profile's `hold` makes of it (the
article itself on most runners, a reference to a spill record on the local one); a
`HeldArticle` (id, path, handle) carries what deduplication needs beside it.
"""

from __future__ import annotations

import collections
import math
from collections.abc import Iterable, Iterator
from typing import NamedTuple

import apache_beam as beam
from apache_beam.metrics import Metrics
from apache_beam.pvalue import AsDict

from schemas import DuplicateRecord, ParsedArticle, PublishedArticle
from transforms.runner import RunnerProfile, split_outputs


class HeldArticle(NamedTuple):
    """A parsed article waiting for its group: what deduplication needs, and its handle."""

    article_id: str
    source_path: str
    handle: object  # RunnerProfile.load(handle) is the ParsedArticle


def _held(stored: tuple[tuple[str, str], object]) -> HeldArticle:
    (article_id, source_path), handle = stored
    return HeldArticle(article_id, source_path, handle)


def _id_and_path(article: ParsedArticle) -> tuple[str, str]:
    return article.article_id, article.source_path


def pick_kept_copy(
    articles: Iterable[ParsedArticle], run_id: str
) -> tuple[ParsedArticle, list[DuplicateRecord]]:
    """Keeps the article with the smallest source_path (deterministic on every runner)."""
    ordered = sorted(articles, key=lambda article: article.source_path)
    kept = ordered[0]
    return kept, [
        DuplicateRecord(a.article_id, a.source_path, kept.source_path, run_id) for a in ordered[1:]
    ]


def group_count(articles: int, batch_size: int, batches_per_group: int = 2) -> int:
    """Groups of about `batches_per_group` batches (the runner profile's): big enough for full
    batches, small enough to spread over the workers."""
    return max(1, math.ceil(articles / (batches_per_group * batch_size)))


class _DeduplicateAndBatchFn(beam.DoFn):
    def __init__(self, run_id: str, batch_size: int, profile: RunnerProfile):
        self._run_id = run_id
        self._batch_size = batch_size
        self._profile = profile
        self._duplicates = Metrics.counter("newsbeam", "duplicates")
        self._published_copies = Metrics.counter("newsbeam", "cross_run_duplicates")

    def process(self, element) -> Iterator[tuple[str, object]]:
        _, articles = element
        by_id: dict[str, list[ParsedArticle]] = collections.defaultdict(list)
        published: dict[str, str] = {}
        for article in articles:
            if isinstance(article, PublishedArticle):
                published[article.article_id] = article.source_path
            else:
                by_id[article.article_id].append(article)
        unique = []
        for article_id in sorted(by_id):
            kept, duplicates = pick_kept_copy(by_id[article_id], self._run_id)
            if article_id in published:
                self._published_copies.inc()
                duplicates.append(
                    DuplicateRecord(
                        article_id, kept.source_path, published[article_id], self._run_id
                    )
                )
            else:
                unique.append(kept)
            for duplicate in duplicates:
                self._duplicates.inc()
                yield "duplicates", duplicate
        unique = [self._profile.load(a.handle) for a in unique]
        for start in range(0, len(unique), self._batch_size):
            yield "batches", unique[start : start + self._batch_size]


class DropDuplicates(beam.PTransform):
    """ParsedArticle -> `batches` (lists of unique articles) and `duplicates` (DuplicateRecord).

    The input is a pair: the parsed articles, and the `PublishedArticle`s the run keeps (empty
    in a full run). With `published=True` (an incremental run), only the published articles
    that share an id with a parsed one join the groups, so the shuffle grows with what is new,
    not with what is published; the others could only leave their group unchanged.
    `expected_articles` only sizes the groups; any count gives correct results.
    """

    def __init__(self, run_id: str, *, batch_size: int = 64, expected_articles: int = 1,
                 published: bool = False, profile: RunnerProfile):  # fmt: skip
        super().__init__()
        self._run_id = run_id
        self._batch_size = batch_size
        self._groups = group_count(expected_articles, batch_size, profile.batches_per_group)
        self._published = published
        self._profile = profile

    def expand(self, inputs):
        articles, published = inputs
        groups = self._groups
        articles = self._profile.hold(articles, "HoldParsed", _id_and_path) | "Held" >> beam.Map(
            _held
        )
        if self._published:
            ids = articles | "ParsedIds" >> beam.Map(lambda a: (a.article_id, True))
            published = published | "CopiedPublished" >> beam.Filter(
                lambda a, parsed: a.article_id in parsed, AsDict(ids)
            )
        tagged = (
            (articles, published)
            | "WithPublished" >> beam.Flatten()
            | "KeyByContent" >> beam.Map(lambda a: (int(a.article_id[:12], 16) % groups, a))
            | "GroupByContent" >> beam.GroupByKey()
            | "DeduplicateAndBatch"
            >> beam.ParDo(_DeduplicateAndBatchFn(self._run_id, self._batch_size, self._profile))
        )
        return split_outputs(tagged, "batches", "duplicates")

"""The `articles` rows with their corpus-level columns, `story_id` (transforms/corpus/stories.py)
and `topic_id` (transforms/corpus/topics.py), in the Beam graph (`LabelArticles`).

New articles wait (held by `GroupStories`: in spill files on the local runner) for the corpus'
stories and topics, and are written with both. A published article is rewritten when its story
or its topic changes: the run re-emits every published article of each such partition with
its new `story_id` and `topic_id`, and marks the partition (`_restoried`), so that the version
build takes those partitions from the run instead of carrying them (pipelines/store/build.py).
Every other published article keeps its row, so `articles.topic_id` equals
`article_topics.topic_id` after every run.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

import apache_beam as beam
import pyarrow.parquet as pq
from apache_beam.io.filesystems import FileSystems
from apache_beam.metrics import Metrics
from apache_beam.pvalue import AsSingleton

from schemas import ARTICLES, Article, file_of, partition_dir
from transforms.corpus.stories import StoryResult
from transforms.io.published import repoint
from transforms.runner import Outputs, RunnerProfile

Partition = tuple[int, int]
TopicOf = Mapping[str, "str | None"]  # article_id -> topic_id (None: no topic)


def _labelled(
    held: tuple[str, object], stories: StoryResult, topic_of: TopicOf, profile: RunnerProfile
) -> Article:
    article = profile.load(held[1])
    return article._replace(
        story_id=stories.story_of[article.article_id], topic_id=topic_of.get(article.article_id)
    )


class _RepublishArticlesFn(beam.DoFn):
    """A partition whose stories or topics changed -> its published articles this run keeps,
    with their new `story_id` and `topic_id` (renamed files re-pointed)."""

    def __init__(self, previous: str, drop_files: frozenset[str], renames: dict[str, str]):
        self._previous = previous
        self._drop_files = drop_files
        self._renames = renames
        self._republished = Metrics.counter("newsbeam", "articles_republished")

    def process(
        self, partition: Partition, stories: StoryResult, topic_of: TopicOf
    ) -> Iterator[Article]:
        pattern = FileSystems.join(self._previous, ARTICLES.name, partition_dir(partition))
        for metadata in FileSystems.match([pattern + "*.parquet"])[0].metadata_list:
            with FileSystems.open(metadata.path) as handle:
                rows = pq.read_table(handle, schema=ARTICLES.schema).to_pylist()
            for row in rows:
                if file_of(row["source_path"]) in self._drop_files:
                    continue
                row["source_path"] = repoint(row["source_path"], self._renames)
                row["header_extra"] = tuple(row["header_extra"] or ())
                row["story_id"] = stories.story_of[row["article_id"]]
                row["topic_id"] = topic_of.get(row["article_id"])
                self._republished.inc()
                yield Article(**row)


class LabelArticles(beam.PTransform):
    """(held new articles, published partitions whose articles changed story, those whose
    articles changed topic, the StoryResult, the topic_of singleton) -> `articles` (the new
    ones, with `story_id` and `topic_id`), `republished` (the published articles of the changed
    partitions, re-emitted with both: a second writer, so the articles never wait together in
    a Flatten the local runner materializes) and `partitions` (the changed partitions, for the
    `_restoried` markers)."""

    def __init__(self, previous: str | None, drop_files: frozenset[str] = frozenset(),
                 renames=None, *, profile: RunnerProfile):  # fmt: skip
        super().__init__()
        self._previous = previous
        self._drop_files = frozenset(drop_files)
        self._renames = dict(renames or {})
        self._profile = profile

    def expand(self, inputs):
        held, story_partitions, topic_partitions, stories, topic_of = inputs
        articles = self._profile.separate(held, "SeparateLabel") | "SetStoryAndTopic" >> beam.Map(
            _labelled, AsSingleton(stories), AsSingleton(topic_of), self._profile
        )
        if self._previous is None:  # a full run: no published article to re-emit
            partitions = republished = held.pipeline | "NothingPublished" >> beam.Create([])
        else:
            partitions = (
                (story_partitions, topic_partitions)
                | "ChangedPartitions" >> beam.Flatten()
                | "DistinctPartitions" >> beam.Distinct()
            )
            republished = partitions | "Republish" >> beam.ParDo(
                _RepublishArticlesFn(self._previous, self._drop_files, self._renames),
                AsSingleton(stories),
                AsSingleton(topic_of),
            )
        return Outputs({"articles": articles, "republished": republished, "partitions": partitions})

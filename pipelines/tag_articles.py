"""Tags a folder of raw news articles and writes Hive-partitioned Parquet datasets.

    python -m pipelines.tag_articles --input data/raw --output data/out
    python -m pipelines.tag_articles --input 'data/raw/**.txt' --output data/out \\
        --spacy-model en_core_web_sm --runner DirectRunner --direct_num_workers 2 \\
        --direct_running_mode multi_processing

Options this module does not know are handed to Beam's PipelineOptions; an option neither
knows is a usage error (exit code 2). The job's phases are in `pipelines/job.py`; the graph is
`build_pipeline` below.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
import sys
import tempfile
import time

import apache_beam as beam
from apache_beam.runners.runner import PipelineState

from pipelines.config import JobConfig, UsageError, parse_config
from pipelines.job import EXIT_OK, GraphResult, GraphRun, run_job
from pipelines.store.build import RESTORIED, TOUCHED
from pipelines.store.layout import current_version
from pipelines.store.storage import storage_for
from schemas import (
    ARTICLE_ENTITIES,
    ARTICLE_TOPICS,
    ARTICLES,
    DUPLICATES,
    ENTITIES,
    ENTITY_DAILY,
    ENTITY_NAMES,
    ENTITY_PAIRS_DAILY,
    ERRORS,
    KEYPHRASES,
    PLACE_DAILY,
    QUOTES,
    SIGNATURES,
    SPEAKER_DAILY,
    STORIES,
    STORY_PAIRS,
    TOPIC_DAILY,
    TOPICS,
)
from transforms.corpus.articles import LabelArticles
from transforms.corpus.dedupe import DropDuplicates
from transforms.corpus.names import ResolveCorpusNames
from transforms.corpus.quotes import ResolveQuoteSpeakers
from transforms.corpus.rollups import DeriveRollups, mark_partition
from transforms.corpus.stories import GroupStories
from transforms.corpus.topics import DiscoverTopics
from transforms.io.published import ReadPublishedArticles
from transforms.io.read import ReadRawFiles
from transforms.io.write import AwaitWriters, WriteDataset
from transforms.parsing.parse import ParseArticles
from transforms.runner import RunnerProfile, pipeline_counters, profile_for
from transforms.tagging.tag import TagArticles

_LOG = logging.getLogger("newsbeam")
EXIT_USAGE = 2
__all__ = ["EXIT_OK", "EXIT_USAGE", "UsageError", "build_pipeline", "main", "run"]


def new_run_id() -> str:
    """Sortable by start time: `20261125T153000Z-1a2b3c`."""
    return f"{dt.datetime.now(dt.UTC):%Y%m%dT%H%M%SZ}-{secrets.token_hex(3)}"


def build_pipeline(
    pipeline: beam.Pipeline, config: JobConfig, run: GraphRun, profile: RunnerProfile
) -> None:
    """The graph: read -> parse -> dedupe -> tag -> group stories -> resolve names across the
    corpus -> derive rollups, key the quotations' speakers, topics -> give the articles their
    story and topic -> write eighteen datasets; every error flows to `errors`. What the steps need of the runner they ask of `profile`
    (transforms/runner/profile.py)."""
    staging, previous = str(run.staging), str(run.previous) if run.previous else None
    raw = pipeline | "ReadRawFiles" >> ReadRawFiles(run.paths, run.run_id, config.max_file_bytes)
    parsed = raw.files | "ParseArticles" >> ParseArticles(run.run_id, config.parse_options())
    published = pipeline | "ReadPublishedArticles" >> ReadPublishedArticles(
        previous, run.plan.drop_files, run.plan.renames
    )
    unique = (parsed.articles, published.kept) | "DropDuplicates" >> DropDuplicates(
        run.run_id, batch_size=config.batch_size, expected_articles=len(run.paths),
        published=run.previous is not None, profile=profile,
    )  # fmt: skip
    tagged = unique.batches | "TagArticles" >> TagArticles(config.tagger(), run.run_id, profile)
    stories = (tagged.articles, published.dropped) | "GroupStories" >> GroupStories(
        config.story_threshold, staging, previous, profile=profile
    )
    names = (
        tagged.entities, published.dropped, stories.partitions
    ) | "ResolveCorpusNames" >> ResolveCorpusNames(previous, profile=profile)  # fmt: skip
    quotes = (
        tagged.quotes, names.mentions, published.dropped, names.partitions, stories.result
    ) | "ResolveQuoteSpeakers" >> ResolveQuoteSpeakers(previous, profile=profile)  # fmt: skip
    rollups = (
        names.mentions, names.partitions, stories.result, quotes.article_speakers,
        quotes.speaker_days,
    ) | "DeriveRollups" >> DeriveRollups(
        config.rollup_exclude_labels, f"{staging}/{TOUCHED}", profile=profile
    )  # fmt: skip
    topics = (
        tagged.articles, tagged.keyphrases, tagged.entities, published.dropped, stories.result
    ) | "DiscoverTopics" >> DiscoverTopics(
        previous, config.rollup_exclude_labels, profile=profile,
        earlier=None if previous else current_version(config.output),  # full runs keep topic ids
    )  # fmt: skip
    articles = (
        stories.held, stories.partitions, topics.partitions, stories.result, topics.topic_of
    ) | "LabelArticles" >> LabelArticles(
        previous, run.plan.drop_files, run.plan.renames, profile=profile
    )  # fmt: skip
    errors = (raw.errors, parsed.errors, tagged.errors) | "MergeErrors" >> beam.Flatten()
    written = (
        articles.articles | "WriteArticles" >> WriteDataset(ARTICLES, staging),
        articles.republished | "WriteRepublishedArticles" >> WriteDataset(ARTICLES, staging),
        names.mentions | "WriteEntities" >> WriteDataset(ENTITIES, staging, lists=True),
        errors | "WriteErrors" >> WriteDataset(ERRORS, staging),
        unique.duplicates | "WriteDuplicates" >> WriteDataset(DUPLICATES, staging),
        rollups.article_entities
        | "WriteArticleEntities" >> WriteDataset(ARTICLE_ENTITIES, staging, lists=True),
        rollups.entity_daily
        | "WriteEntityDaily" >> WriteDataset(ENTITY_DAILY, staging, lists=True),
        rollups.entity_pairs_daily
        | "WriteEntityPairsDaily" >> WriteDataset(ENTITY_PAIRS_DAILY, staging, lists=True),
        rollups.place_daily | "WritePlaceDaily" >> WriteDataset(PLACE_DAILY, staging, lists=True),
        names.entity_names | "WriteEntityNames" >> WriteDataset(ENTITY_NAMES, staging, lists=True),
        stories.signatures | "WriteSignatures" >> WriteDataset(SIGNATURES, staging),
        stories.story_pairs | "WriteStoryPairs" >> WriteDataset(STORY_PAIRS, staging),
        stories.stories | "WriteStories" >> WriteDataset(STORIES, staging, lists=True),
        quotes.quotes | "WriteQuotes" >> WriteDataset(QUOTES, staging, lists=True),
        quotes.speaker_daily
        | "WriteSpeakerDaily" >> WriteDataset(SPEAKER_DAILY, staging, lists=True),
        tagged.keyphrases | "WriteKeyphrases" >> WriteDataset(KEYPHRASES, staging, lists=True),
        topics.article_topics
        | "WriteArticleTopics" >> WriteDataset(ARTICLE_TOPICS, staging, lists=True),
        topics.topics | "WriteTopics" >> WriteDataset(TOPICS, staging, lists=True),
        topics.topic_daily | "WriteTopicDaily" >> WriteDataset(TOPIC_DAILY, staging, lists=True),
        rollups.touched,
        stories.marker,
        articles.partitions | "MarkRestoried" >> beam.Map(mark_partition, f"{staging}/{RESTORIED}"),
    )
    _ = written | "AwaitWriters" >> AwaitWriters()


def run(argv: list[str] | None = None) -> int:
    """Runs one batch job; returns the process exit code (see `pipelines/job.py`)."""
    try:
        config = parse_config(argv)
    except UsageError as err:
        print(f"newsbeam: error: {err}", file=sys.stderr)
        return EXIT_USAGE

    scratch = tempfile.TemporaryDirectory(prefix="newsbeam-")

    def run_graph(graph: GraphRun) -> GraphResult:
        _LOG.info("run %s: reading %d files", graph.run_id, len(graph.paths))
        options = config.beam_options()
        # The local runner's spill files stay on this machine's disk, whatever the output.
        spill_root = graph.staging if storage_for(graph.staging).local else scratch.name
        profile = profile_for(options, spill_root)
        profile.prepare_driver(options)
        profile.settle()  # what the driver has imported lives as long as the process
        started = time.monotonic()
        pipeline = beam.Pipeline(runner=profile.runner(options), options=options)
        build_pipeline(pipeline, config, graph, profile)
        construction = round(time.monotonic() - started, 3)
        result = pipeline.run()
        state = result.wait_until_finish()
        if state != PipelineState.DONE:
            _LOG.error("pipeline ended in state %s", state)
        counters = pipeline_counters(result, "newsbeam")
        return GraphResult(state == PipelineState.DONE, counters, construction)

    with scratch:
        return run_job(config, new_run_id(), run_graph)


NOISY_LOGGERS = ("apache_beam", "absl")


def configure_logging(stream=None) -> None:
    """The command's log lines: newsbeam's at INFO, Beam's and absl's from WARNING, to `stream`
    (default: stderr)."""
    logging.basicConfig(
        level=logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=stream,
        force=True,
    )
    for noisy in NOISY_LOGGERS:
        logging.getLogger(noisy).setLevel(logging.WARNING)


def main() -> None:
    configure_logging()
    sys.exit(run())


if __name__ == "__main__":
    main()

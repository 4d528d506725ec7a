"""Arrow schemas of the output datasets: the single source of truth for columns and types.

Partition columns (`year`, `month`) live in the directory names only, never inside the files,
so `pandas.read_parquet(dataset_dir)` gets them exactly once, from the Hive paths.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import NamedTuple

import pyarrow as pa

# Undated articles are written to year=0/month=0. A null partition value
# (`__HIVE_DEFAULT_PARTITION__`) makes `pd.read_parquet(dir)` fail on pyarrow >= 25
# ("Cannot yet unify dictionaries with nulls"); 0 is no real year or month, so it cannot
# collide with data, and `published_date` stays null in those rows.
UNDATED_PARTITION = (0, 0)


def partition_of(published_date: dt.date | None) -> tuple[int, int]:
    """(year, month) of a date; undated rows go to the documented year=0/month=0 partition."""
    if published_date is None:
        return UNDATED_PARTITION
    return published_date.year, published_date.month


def partition_dir(partition: tuple[int, int] | None) -> str:
    if partition is None:
        return ""
    year, month = partition
    return f"year={year}/month={month}/"


class Dataset(NamedTuple):
    """An output dataset: its directory name, file schema, whether it is date-partitioned, and
    the columns that identify one of its rows (no timestamps: they differ on a retry)."""

    name: str
    schema: pa.Schema
    partitioned: bool
    keys: tuple[str, ...]


_UTC_TIMESTAMP = pa.timestamp("us", tz="UTC")

ARTICLES = Dataset(
    name="articles",
    partitioned=True,
    keys=("article_id",),
    schema=pa.schema(
        [
            pa.field("article_id", pa.string(), nullable=False),
            pa.field("source_path", pa.string(), nullable=False),
            pa.field("title", pa.string()),
            pa.field("published_date", pa.date32()),
            pa.field("published_at", _UTC_TIMESTAMP),
            pa.field("authors", pa.list_(pa.string())),
            pa.field("source_name", pa.string()),
            pa.field("url", pa.string()),
            pa.field("language", pa.string()),
            pa.field("header_format", pa.string(), nullable=False),
            pa.field("header_extra", pa.map_(pa.string(), pa.string())),
            pa.field("body", pa.string(), nullable=False),
            pa.field("word_count", pa.int32(), nullable=False),
            pa.field("sentence_count", pa.int32(), nullable=False),
            pa.field("entity_count", pa.int32(), nullable=False),
            pa.field("sentiment_compound", pa.float64()),
            pa.field("sentiment_positive", pa.float64()),
            pa.field("sentiment_negative", pa.float64()),
            pa.field("sentiment_neutral", pa.float64()),
            pa.field("title_sentiment_compound", pa.float64()),
            pa.field("warnings", pa.list_(pa.string())),
            pa.field("model", pa.string(), nullable=False),
            pa.field("pipeline_version", pa.string(), nullable=False),
            pa.field("run_id", pa.string(), nullable=False),
            pa.field("processed_at", _UTC_TIMESTAMP, nullable=False),
            pa.field("story_id", pa.string(), nullable=False),
            pa.field("topic_id", pa.string()),
        ]
    ),
)

ENTITIES = Dataset(
    name="entities",
    partitioned=True,
    keys=("article_id", "field", "start_char", "end_char", "label"),
    schema=pa.schema(
        [
            pa.field("article_id", pa.string(), nullable=False),
            pa.field("field", pa.string(), nullable=False),
            pa.field("text", pa.string(), nullable=False),
            pa.field("label", pa.string(), nullable=False),
            pa.field("start_char", pa.int32(), nullable=False),
            pa.field("end_char", pa.int32(), nullable=False),
            pa.field("sentence_index", pa.int32(), nullable=False),
            pa.field("paragraph_index", pa.int32(), nullable=False),
            pa.field("sentence_sentiment_compound", pa.float64()),
            pa.field("canonical", pa.string(), nullable=False),
            pa.field("canonical_label", pa.string(), nullable=False),
            pa.field("published_date", pa.date32()),
            # GPE and LOC mentions resolved to a place (transforms/tagging/places.py); null otherwise.
            pa.field("country_code", pa.string()),
            pa.field("place_id", pa.string()),
            pa.field("place_name", pa.string()),
            pa.field("place_kind", pa.string()),
            pa.field("latitude", pa.float64()),
            pa.field("longitude", pa.float64()),
            pa.field("place_method", pa.string()),
            pa.field("canonical_method", pa.string(), nullable=False),
            pa.field("article_canonical", pa.string(), nullable=False),
            pa.field("article_label", pa.string(), nullable=False),
            # Cue bits of the words around the mention (transforms/tagging/evidence.py).
            pa.field("evidence", pa.int32(), nullable=False),
            pa.field("label_method", pa.string(), nullable=False),
            pa.field("name", pa.string(), nullable=False),
        ]
    ),
)

QUOTES = Dataset(
    name="quotes",
    partitioned=True,
    keys=("article_id", "field", "start_char", "end_char"),
    schema=pa.schema(
        [
            pa.field("article_id", pa.string(), nullable=False),
            pa.field("field", pa.string(), nullable=False),
            pa.field("kind", pa.string(), nullable=False),
            pa.field("start_char", pa.int32(), nullable=False),
            pa.field("end_char", pa.int32(), nullable=False),
            pa.field("text", pa.string(), nullable=False),
            pa.field("speaker_text", pa.string()),
            pa.field("speaker_start", pa.int32()),
            pa.field("speaker_end", pa.int32()),
            pa.field("speaker", pa.string()),
            pa.field("speaker_label", pa.string()),
            pa.field("cue", pa.string()),
            pa.field("sentence_index", pa.int32(), nullable=False),
            pa.field("sentiment_compound", pa.float64()),
            pa.field("published_date", pa.date32()),
        ]
    ),
)

SPEAKER_DAILY = Dataset(
    name="speaker_daily",
    partitioned=True,
    keys=("published_date", "speaker", "speaker_label"),
    schema=pa.schema(
        [
            pa.field("published_date", pa.date32()),
            pa.field("speaker", pa.string(), nullable=False),
            pa.field("speaker_label", pa.string(), nullable=False),
            pa.field("quotations", pa.int32(), nullable=False),
            pa.field("articles", pa.int32(), nullable=False),
            pa.field("stories", pa.int32(), nullable=False),
            pa.field("sentiment_mean", pa.float64()),
            pa.field("sentiment_std", pa.float64()),
        ]
    ),
)

ERRORS = Dataset(
    name="errors",
    partitioned=False,
    keys=("source_path", "error_code"),
    schema=pa.schema(
        [
            pa.field("source_path", pa.string(), nullable=False),
            pa.field("error_code", pa.string(), nullable=False),
            pa.field("message", pa.string(), nullable=False),
            pa.field("run_id", pa.string(), nullable=False),
        ]
    ),
)

DUPLICATES = Dataset(
    name="duplicates",
    partitioned=False,
    keys=("source_path", "article_id"),
    schema=pa.schema(
        [
            pa.field("article_id", pa.string(), nullable=False),
            pa.field("source_path", pa.string(), nullable=False),
            pa.field("duplicate_of", pa.string(), nullable=False),
            pa.field("run_id", pa.string(), nullable=False),
        ]
    ),
)

ARTICLE_ENTITIES = Dataset(
    name="article_entities",
    partitioned=True,
    keys=("article_id", "canonical", "label"),
    schema=pa.schema(
        [
            pa.field("article_id", pa.string(), nullable=False),
            pa.field("canonical", pa.string(), nullable=False),
            pa.field("label", pa.string(), nullable=False),
            pa.field("mentions", pa.int32(), nullable=False),
            pa.field("first_position", pa.string(), nullable=False),
            pa.field("sentences", pa.int32(), nullable=False),
            pa.field("sentiment_mean", pa.float64()),
            pa.field("published_date", pa.date32()),
            pa.field("name", pa.string(), nullable=False),
            pa.field("quotes", pa.int32(), nullable=False),
        ]
    ),
)

ENTITY_DAILY = Dataset(
    name="entity_daily",
    partitioned=True,
    keys=("published_date", "canonical", "label"),
    schema=pa.schema(
        [
            pa.field("published_date", pa.date32()),
            pa.field("canonical", pa.string(), nullable=False),
            pa.field("label", pa.string(), nullable=False),
            pa.field("articles", pa.int32(), nullable=False),
            pa.field("stories", pa.int32(), nullable=False),
            pa.field("mentions", pa.int32(), nullable=False),
            pa.field("sentences", pa.int32(), nullable=False),
            pa.field("sentiment_mean", pa.float64()),
            pa.field("sentiment_std", pa.float64()),
            pa.field("name", pa.string(), nullable=False),
            pa.field("quotes", pa.int32(), nullable=False),
        ]
    ),
)

ENTITY_PAIRS_DAILY = Dataset(
    name="entity_pairs_daily",
    partitioned=True,
    keys=("published_date", "canonical_a", "label_a", "canonical_b", "label_b"),
    schema=pa.schema(
        [
            pa.field("published_date", pa.date32()),
            pa.field("canonical_a", pa.string(), nullable=False),
            pa.field("label_a", pa.string(), nullable=False),
            pa.field("canonical_b", pa.string(), nullable=False),
            pa.field("label_b", pa.string(), nullable=False),
            pa.field("articles", pa.int32(), nullable=False),
            pa.field("stories", pa.int32(), nullable=False),
            pa.field("sentences", pa.int32(), nullable=False),
            pa.field("name_a", pa.string(), nullable=False),
            pa.field("name_b", pa.string(), nullable=False),
        ]
    ),
)

PLACE_DAILY = Dataset(
    name="place_daily",
    partitioned=True,
    keys=("published_date", "place_id"),
    schema=pa.schema(
        [
            pa.field("published_date", pa.date32()),
            pa.field("country_code", pa.string()),
            pa.field("place_id", pa.string(), nullable=False),
            pa.field("place_name", pa.string(), nullable=False),
            pa.field("place_kind", pa.string(), nullable=False),
            pa.field("latitude", pa.float64()),
            pa.field("longitude", pa.float64()),
            pa.field("articles", pa.int32(), nullable=False),
            pa.field("mentions", pa.int32(), nullable=False),
            pa.field("sentences", pa.int32(), nullable=False),
            pa.field("sentiment_mean", pa.float64()),
        ]
    ),
)

ENTITY_NAMES = Dataset(
    name="entity_names",
    partitioned=True,
    keys=("published_date", "article_canonical", "article_label"),
    schema=pa.schema(
        [
            pa.field("published_date", pa.date32()),
            pa.field("article_canonical", pa.string(), nullable=False),
            pa.field("article_label", pa.string(), nullable=False),
            pa.field("articles", pa.int32(), nullable=False),
            pa.field("mentions", pa.int32(), nullable=False),
            pa.field("evidence", pa.list_(pa.int32()), nullable=False),
            pa.field("surfaces", pa.map_(pa.string(), pa.int32()), nullable=False),
        ]
    ),
)

SIGNATURES = Dataset(
    name="signatures",
    partitioned=True,
    keys=("article_id",),
    schema=pa.schema(
        [
            pa.field("article_id", pa.string(), nullable=False),
            pa.field("published_date", pa.date32()),
            pa.field("title", pa.string()),
            pa.field("source_name", pa.string()),
            pa.field("minhash", pa.list_(pa.uint32()), nullable=False),
        ]
    ),
)

KEYPHRASES = Dataset(
    name="keyphrases",
    partitioned=True,
    keys=("article_id", "key"),
    schema=pa.schema(
        [
            pa.field("article_id", pa.string(), nullable=False),
            pa.field("rank", pa.int32(), nullable=False),
            pa.field("phrase", pa.string(), nullable=False),
            pa.field("key", pa.string(), nullable=False),
            pa.field("score", pa.float64(), nullable=False),
            pa.field("count", pa.int32(), nullable=False),
            pa.field("published_date", pa.date32()),
        ]
    ),
)

STORY_PAIRS = Dataset(
    name="story_pairs",
    partitioned=False,
    keys=("article_id_a", "article_id_b"),
    schema=pa.schema(
        [
            pa.field("article_id_a", pa.string(), nullable=False),
            pa.field("article_id_b", pa.string(), nullable=False),
            pa.field("jaccard", pa.float64(), nullable=False),
        ]
    ),
)

STORIES = Dataset(
    name="stories",
    partitioned=False,
    keys=("story_id",),
    schema=pa.schema(
        [
            pa.field("story_id", pa.string(), nullable=False),
            pa.field("first_date", pa.date32()),
            pa.field("last_date", pa.date32()),
            pa.field("articles", pa.int32(), nullable=False),
            pa.field("sources", pa.list_(pa.string())),
            pa.field("headline", pa.string()),
            pa.field("article_ids", pa.list_(pa.string()), nullable=False),
        ]
    ),
)

ARTICLE_TOPICS = Dataset(
    name="article_topics",
    partitioned=False,
    keys=("article_id",),
    schema=pa.schema(
        [
            pa.field("article_id", pa.string(), nullable=False),
            pa.field("topic_id", pa.string()),
            pa.field("similarity", pa.float64()),
            pa.field("story_id", pa.string(), nullable=False),
            pa.field("published_date", pa.date32()),
            pa.field("sentiment_compound", pa.float64()),
            pa.field("entities", pa.list_(pa.string())),
        ]
    ),
)

TOPICS = Dataset(
    name="topics",
    partitioned=False,
    keys=("topic_id",),
    schema=pa.schema(
        [
            pa.field("topic_id", pa.string(), nullable=False),
            pa.field("label", pa.string(), nullable=False),
            pa.field("phrases", pa.list_(pa.string()), nullable=False),
            pa.field("articles", pa.int32(), nullable=False),
            pa.field("stories", pa.int32(), nullable=False),
            pa.field("first_date", pa.date32()),
            pa.field("last_date", pa.date32()),
            pa.field("top_entities", pa.list_(pa.string())),
            pa.field("terms", pa.list_(pa.string()), nullable=False),
            pa.field("weights", pa.list_(pa.float64()), nullable=False),
        ]
    ),
)

TOPIC_DAILY = Dataset(
    name="topic_daily",
    partitioned=True,
    keys=("published_date", "topic_id"),
    schema=pa.schema(
        [
            pa.field("published_date", pa.date32()),
            pa.field("topic_id", pa.string(), nullable=False),
            pa.field("articles", pa.int32(), nullable=False),
            pa.field("stories", pa.int32(), nullable=False),
            pa.field("sentiment_mean", pa.float64()),
            pa.field("sentiment_std", pa.float64()),
        ]
    ),
)

# Derived from `entities` in the Beam graph for every partition a run touches
# (transforms/corpus/rollups.py, transforms/corpus/names.py).
ROLLUPS = (
    ARTICLE_ENTITIES, ENTITY_DAILY, ENTITY_PAIRS_DAILY, PLACE_DAILY, ENTITY_NAMES, SPEAKER_DAILY
)  # fmt: skip

# Not a dataset for readers: the state of an output version, one row per input file it holds
# rows for. Incremental runs compare it with the files they find.
INPUT_FILES = Dataset(
    name="_inputs",
    partitioned=False,
    keys=("path",),
    schema=pa.schema(
        [
            pa.field("path", pa.string(), nullable=False),
            pa.field("size", pa.int64(), nullable=False),
            pa.field("sha256", pa.string(), nullable=False),
            pa.field("run_id", pa.string(), nullable=False),
            pa.field("modified", pa.float64()),  # the listing's, when the file was hashed
        ]
    ),
)

# One row per input record, entity mention or pair of articles, written by the Beam pipeline
# and carried from version to version.
DATASETS: dict[str, Dataset] = {
    d.name: d
    for d in (
        ARTICLES, ENTITIES, ERRORS, DUPLICATES, SIGNATURES, STORY_PAIRS, QUOTES, KEYPHRASES
    )
}
# Recomputed as a whole by every run that runs the graph (transforms/corpus/stories.py,
# transforms/corpus/topics.py).
WHOLE = (STORIES, ARTICLE_TOPICS, TOPICS, TOPIC_DAILY)
# Everything a version holds, as readers see it.
ALL_DATASETS: dict[str, Dataset] = {
    **DATASETS,
    **{d.name: d for d in ROLLUPS},
    **{d.name: d for d in WHOLE},
}


def schema_fingerprint() -> str:
    """Changes whenever a dataset's columns or types change; stored in every output version."""
    import hashlib

    text = "\n".join(f"{d.name}:{d.schema.to_string()}" for d in ALL_DATASETS.values())
    return hashlib.sha256(text.encode()).hexdigest()[:16]


# `source_path` of a record inside a multi-record file: `batch.jsonl#L3` is line 3. Every reader
# and writer of source paths goes through these two functions.
_LINE_SUFFIX = re.compile(r"#L\d+$")


def record_path(file_path: str, line_number: int) -> str:
    """The source path of line `line_number` (1-based) of a JSON Lines file."""
    return f"{file_path}#L{line_number}"


def file_of(source_path: str) -> str:
    """`batch.jsonl#L3` -> `batch.jsonl`: rows of JSON Lines records belong to their file."""
    return _LINE_SUFFIX.sub("", source_path)

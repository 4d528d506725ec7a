"""Record types that flow through the pipeline and the Arrow schemas of the output datasets."""

import pyarrow as pa

from schemas.datasets import (
    ALL_DATASETS,
    ARTICLE_ENTITIES,
    ARTICLES,
    DATASETS,
    DUPLICATES,
    ENTITIES,
    ENTITY_DAILY,
    ENTITY_NAMES,
    ENTITY_PAIRS_DAILY,
    ERRORS,
    INPUT_FILES,
    KEYPHRASES,
    PLACE_DAILY,
    ROLLUPS,
    SIGNATURES,
    STORIES,
    STORY_PAIRS,
    UNDATED_PARTITION,
    WHOLE,
    Dataset,
    file_of,
    partition_dir,
    partition_of,
    record_path,
    schema_fingerprint,
)
from schemas.records import (
    Article,
    ArticleEntity,
    DuplicateRecord,
    EntityDay,
    EntityMention,
    EntityNameDay,
    EntityPairDay,
    ErrorRecord,
    InputFile,
    Keyphrase,
    ParsedArticle,
    PlaceDay,
    PublishedArticle,
    Rows,
    Signature,
    Story,
    StoryPair,
)

# The record type of each dataset's rows: its fields are the schema's columns, in order
# (tests/schemas/test_datasets.py checks every pair).
RECORDS: dict[str, type] = {
    ARTICLES.name: Article,
    ENTITIES.name: EntityMention,
    ERRORS.name: ErrorRecord,
    DUPLICATES.name: DuplicateRecord,
    ARTICLE_ENTITIES.name: ArticleEntity,
    ENTITY_DAILY.name: EntityDay,
    ENTITY_PAIRS_DAILY.name: EntityPairDay,
    INPUT_FILES.name: InputFile,
    PLACE_DAILY.name: PlaceDay,
    ENTITY_NAMES.name: EntityNameDay,
    SIGNATURES.name: Signature,
    STORY_PAIRS.name: StoryPair,
    STORIES.name: Story,
    KEYPHRASES.name: Keyphrase,
}


def rows_of(table: pa.Table, dataset: Dataset) -> list:
    """A table of `dataset` as rows of its record type (dates as `datetime.date`)."""
    record = RECORDS[dataset.name]
    columns = (table[name].to_pylist() for name in record._fields)
    return [tuple.__new__(record, values) for values in zip(*columns, strict=True)]


__all__ = [
    "ALL_DATASETS",
    "ARTICLES",
    "ARTICLE_ENTITIES",
    "DATASETS",
    "DUPLICATES",
    "ENTITIES",
    "ENTITY_DAILY",
    "ENTITY_NAMES",
    "ENTITY_PAIRS_DAILY",
    "ERRORS",
    "INPUT_FILES",
    "KEYPHRASES",
    "PLACE_DAILY",
    "RECORDS",
    "ROLLUPS",
    "SIGNATURES",
    "STORIES",
    "STORY_PAIRS",
    "UNDATED_PARTITION",
    "WHOLE",
    "Article",
    "ArticleEntity",
    "Dataset",
    "DuplicateRecord",
    "EntityDay",
    "EntityMention",
    "EntityNameDay",
    "EntityPairDay",
    "ErrorRecord",
    "InputFile",
    "Keyphrase",
    "ParsedArticle",
    "PlaceDay",
    "PublishedArticle",
    "Rows",
    "Signature",
    "Story",
    "StoryPair",
    "file_of",
    "partition_dir",
    "partition_of",
    "record_path",
    "rows_of",
    "schema_fingerprint",
]

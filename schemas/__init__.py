"""Record types that flow through the pipeline and the Arrow schemas of the output datasets."""

from schemas.datasets import (
    ARTICLES,
    DATASETS,
    DUPLICATES,
    ENTITIES,
    ERRORS,
    INPUT_FILES,
    PARTITIONING,
    UNDATED_PARTITION,
    Dataset,
)
from schemas.records import Article, DuplicateRecord, EntityMention, ErrorRecord, ParsedArticle

__all__ = [
    "ARTICLES",
    "DATASETS",
    "DUPLICATES",
    "ENTITIES",
    "ERRORS",
    "INPUT_FILES",
    "PARTITIONING",
    "UNDATED_PARTITION",
    "Article",
    "Dataset",
    "DuplicateRecord",
    "EntityMention",
    "ErrorRecord",
    "ParsedArticle",
]

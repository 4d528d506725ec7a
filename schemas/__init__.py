"""Record types that flow through the pipeline and the Arrow schemas of the output datasets."""

from schemas.datasets import (
    ARTICLES,
    DATASETS,
    ENTITIES,
    ERRORS,
    PARTITIONING,
    UNDATED_PARTITION,
    Dataset,
)
from schemas.records import Article, EntityMention, ErrorRecord, ParsedArticle

__all__ = [
    "ARTICLES",
    "DATASETS",
    "ENTITIES",
    "ERRORS",
    "PARTITIONING",
    "UNDATED_PARTITION",
    "Article",
    "Dataset",
    "EntityMention",
    "ErrorRecord",
    "ParsedArticle",
]

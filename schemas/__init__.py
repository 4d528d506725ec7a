"""Record types that flow through the pipeline and the Arrow schemas of the output datasets."""

from schemas.datasets import (
    ALL_DATASETS,
    ARTICLE_ENTITIES,
    ARTICLES,
    DATASETS,
    DUPLICATES,
    ENTITIES,
    ENTITY_DAILY,
    ERRORS,
    INPUT_FILES,
    PARTITIONING,
    ROLLUPS,
    UNDATED_PARTITION,
    Dataset,
)
from schemas.records import (
    Article,
    ArticleEntity,
    DuplicateRecord,
    EntityDay,
    EntityMention,
    ErrorRecord,
    ParsedArticle,
)

__all__ = [
    "ALL_DATASETS",
    "ARTICLES",
    "ARTICLE_ENTITIES",
    "DATASETS",
    "DUPLICATES",
    "ENTITIES",
    "ENTITY_DAILY",
    "ERRORS",
    "INPUT_FILES",
    "PARTITIONING",
    "ROLLUPS",
    "UNDATED_PARTITION",
    "Article",
    "ArticleEntity",
    "Dataset",
    "DuplicateRecord",
    "EntityDay",
    "EntityMention",
    "ErrorRecord",
    "ParsedArticle",
]

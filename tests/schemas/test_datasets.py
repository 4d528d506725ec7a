import pyarrow as pa

from schemas import ARTICLES, ENTITIES, ERRORS, Article, EntityMention, ErrorRecord


def test_record_fields_match_dataset_schemas():
    assert list(Article._fields) == ARTICLES.schema.names
    assert list(EntityMention._fields) == ENTITIES.schema.names
    assert list(ErrorRecord._fields) == ERRORS.schema.names


def test_partition_columns_are_not_stored_in_files():
    for dataset in (ARTICLES, ENTITIES, ERRORS):
        assert "year" not in dataset.schema.names
        assert "month" not in dataset.schema.names


def test_timestamps_are_utc():
    assert ARTICLES.schema.field("published_at").type == pa.timestamp("us", tz="UTC")
    assert ARTICLES.schema.field("published_date").type == pa.date32()

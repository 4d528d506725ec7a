import pyarrow as pa
import pytest

from schemas import (
    ALL_DATASETS,
    ARTICLES,
    ENTITIES,
    ERRORS,
    INPUT_FILES,
    RECORDS,
    file_of,
    record_path,
)


@pytest.mark.parametrize("dataset", [*ALL_DATASETS.values(), INPUT_FILES], ids=lambda d: d.name)
def test_every_record_type_has_its_dataset_columns_in_order(dataset):
    assert list(RECORDS[dataset.name]._fields) == dataset.schema.names


@pytest.mark.parametrize("dataset", [*ALL_DATASETS.values(), INPUT_FILES], ids=lambda d: d.name)
def test_identity_keys_are_columns_that_are_never_timestamps(dataset):
    assert set(dataset.keys) <= set(dataset.schema.names)
    assert not {"run_id", "processed_at"} & set(dataset.keys)


def test_partition_columns_are_not_stored_in_files():
    for dataset in ALL_DATASETS.values():
        assert "year" not in dataset.schema.names
        assert "month" not in dataset.schema.names


def test_timestamps_are_utc():
    assert ARTICLES.schema.field("published_at").type == pa.timestamp("us", tz="UTC")
    assert ARTICLES.schema.field("published_date").type == pa.date32()


@pytest.mark.parametrize(
    ("source_path", "file"),
    [
        ("feeds/batch.jsonl#L3", "feeds/batch.jsonl"),
        ("a.txt", "a.txt"),
        ("odd#L.txt", "odd#L.txt"),
        ("x.jsonl#L12#L4", "x.jsonl#L12"),
    ],
)
def test_file_of_strips_only_a_trailing_line_suffix(source_path, file):
    assert file_of(source_path) == file


def test_record_path_round_trips_through_file_of():
    assert record_path("feeds/batch.jsonl", 7) == "feeds/batch.jsonl#L7"
    assert file_of(record_path("feeds/batch.jsonl", 7)) == "feeds/batch.jsonl"
    assert ENTITIES.keys[0] == "article_id" and ERRORS.keys == ("source_path", "error_code")


def test_articles_topic_id_is_the_last_column_nullable_and_defaults_to_none():
    """Added after `story_id` (issue 29): every earlier column keeps its position."""
    from schemas import Article

    assert ARTICLES.schema.names[-2:] == ["story_id", "topic_id"]
    assert ARTICLES.schema.field("topic_id").type == pa.string()
    assert ARTICLES.schema.field("topic_id").nullable
    assert ARTICLES.schema.names.index("story_id") == 25
    assert Article._field_defaults["topic_id"] is None

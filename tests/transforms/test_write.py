import datetime as dt

import apache_beam as beam
import pandas as pd
import pyarrow.parquet as pq
from apache_beam.testing.test_pipeline import TestPipeline
from apache_beam.testing.util import assert_that, equal_to

from schemas import ENTITIES, ERRORS, EntityMention, ErrorRecord
from transforms.write import WriteDataset, partition_of, write_empty


def _mention(article_id: str, date: dt.date | None, start: int) -> EntityMention:
    return EntityMention(
        article_id, "body", "Oslo", "GPE", start, start + 4, 0, 0, 0.5, "oslo", "GPE", date
    )


def test_partition_of():
    assert partition_of(dt.date(2018, 12, 19)) == (2018, 12)
    assert partition_of(None) == (0, 0)


def test_write_dataset_partitions_rows_and_commits_files(tmp_path):
    rows = [
        _mention("a", dt.date(2018, 12, 19), 0),
        _mention("a", dt.date(2018, 12, 19), 10),
        _mention("b", dt.date(2019, 1, 2), 5),
        _mention("c", None, 7),
    ]
    with TestPipeline() as pipeline:
        written = (
            pipeline | beam.Create(rows) | WriteDataset(ENTITIES, str(tmp_path), rows_per_file=2)
        )
        assert_that(
            written | beam.Map(lambda f: (f.relative_path.rsplit("/", 1)[0], f.rows)),
            equal_to([("year=2018/month=12", 2), ("year=2019/month=1", 1), ("year=0/month=0", 1)]),
        )
    files = sorted((tmp_path / "entities").rglob("*.parquet"))
    assert sorted(pq.read_metadata(f).num_rows for f in files) == [1, 1, 2]
    for f in files:
        assert pq.read_schema(f) == ENTITIES.schema
    frame = pd.read_parquet(tmp_path / "entities")
    assert sorted(zip(frame.article_id, frame.start_char, frame.year.astype(int), strict=True)) == [
        ("a", 0, 2018),
        ("a", 10, 2018),
        ("b", 5, 2019),
        ("c", 7, 0),
    ]
    assert len(pd.read_parquet(tmp_path / "entities", filters=[("year", "=", 2018)])) == 2


def test_lists_of_rows_are_written_as_their_rows(tmp_path):
    per_article = [
        [_mention("a", dt.date(2018, 12, 19), 0), _mention("a", dt.date(2018, 12, 19), 10)],
        [_mention("b", dt.date(2019, 1, 2), 5)],
    ]
    with TestPipeline() as pipeline:
        _ = pipeline | beam.Create(per_article) | WriteDataset(ENTITIES, str(tmp_path), lists=True)
    frame = pd.read_parquet(tmp_path / "entities")
    assert sorted(
        zip(frame.article_id, frame.start_char, frame.month.astype(int), strict=True)
    ) == [
        ("a", 0, 12),
        ("a", 10, 12),
        ("b", 5, 1),
    ]


def test_unpartitioned_dataset_and_empty_dataset(tmp_path):
    with TestPipeline() as pipeline:
        _ = (
            pipeline
            | beam.Create([ErrorRecord("x.txt", "empty", "the file is empty", "r1")])
            | WriteDataset(ERRORS, str(tmp_path))
        )
    frame = pd.read_parquet(tmp_path / "errors")
    assert frame.to_dict("records") == [
        {
            "source_path": "x.txt",
            "error_code": "empty",
            "message": "the file is empty",
            "run_id": "r1",
        }
    ]
    empty = write_empty(ENTITIES, str(tmp_path / "other"))
    assert empty.rows == 0
    assert list(pd.read_parquet(tmp_path / "other" / "entities").columns)[:3] == [
        "article_id",
        "field",
        "text",
    ]


def test_files_are_named_by_their_rows(tmp_path):
    rows = [_mention("a", dt.date(2018, 12, 19), 0), _mention("b", dt.date(2018, 12, 19), 3)]
    for attempt in ("first", "retry"):
        with TestPipeline() as pipeline:
            _ = pipeline | beam.Create(rows) | WriteDataset(ENTITIES, str(tmp_path / attempt))
    moved = [rows[0], rows[1]._replace(start_char=4, end_char=9)]
    with TestPipeline() as pipeline:
        _ = pipeline | beam.Create(moved) | WriteDataset(ENTITIES, str(tmp_path / "other"))
    first = sorted(p.name for p in (tmp_path / "first").rglob("*.parquet"))
    assert first == sorted(p.name for p in (tmp_path / "retry").rglob("*.parquet"))
    assert len(first) == 1
    assert [p.name for p in (tmp_path / "other").rglob("*.parquet")] != first


def test_writer_memory_is_bounded_by_flushing_the_biggest_partitions(tmp_path):
    rows = [_mention("a", dt.date(2018, 12, 1), i) for i in range(6)]
    rows += [_mention("b", dt.date(2019, 1, 1), i) for i in range(2)]
    with TestPipeline() as pipeline:
        _ = (
            pipeline
            | beam.Create(rows, reshuffle=False)
            | WriteDataset(ENTITIES, str(tmp_path), max_buffered_rows=4)
        )
    sizes = sorted(pq.read_metadata(p).num_rows for p in (tmp_path / "entities").rglob("*.parquet"))
    assert sum(sizes) == 8
    assert max(sizes) <= 4 and len(sizes) >= 3  # flushed before the bundle ended
    assert len(pd.read_parquet(tmp_path / "entities")) == 8

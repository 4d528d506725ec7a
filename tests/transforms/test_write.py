import datetime as dt

import apache_beam as beam
import pandas as pd
import pyarrow.parquet as pq
from apache_beam.testing.test_pipeline import TestPipeline
from apache_beam.testing.util import assert_that, equal_to

from schemas import ENTITIES, ERRORS, EntityMention, ErrorRecord
from transforms.write import (
    CommitWrittenFiles,
    WriteDataset,
    partition_of,
    read_commit_record,
    write_empty,
)


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
        _ = (written,) | CommitWrittenFiles(str(tmp_path))
    committed = read_commit_record(str(tmp_path))
    assert sorted(f.rows for f in committed) == [1, 1, 2]
    for f in committed:
        assert pq.read_schema(tmp_path / "entities" / f.relative_path) == ENTITIES.schema
    frame = pd.read_parquet(tmp_path / "entities")
    assert sorted(zip(frame.article_id, frame.start_char, frame.year.astype(int), strict=True)) == [
        ("a", 0, 2018),
        ("a", 10, 2018),
        ("b", 5, 2019),
        ("c", 7, 0),
    ]
    assert len(pd.read_parquet(tmp_path / "entities", filters=[("year", "=", 2018)])) == 2


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

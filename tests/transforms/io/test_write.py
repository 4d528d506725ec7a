import datetime as dt

import apache_beam as beam
import pandas as pd
import pyarrow.parquet as pq
import pytest
from apache_beam.testing.test_pipeline import TestPipeline
from apache_beam.testing.util import assert_that, equal_to

from schemas import ARTICLES, ENTITIES, ERRORS, EntityMention, ErrorRecord, partition_of
from tests.transforms.corpus.test_stories import _article
from transforms.io.write import WriteDataset, _WriteParquetFn, to_table, write_empty
from transforms.runner import pipeline_counters


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


@pytest.mark.parametrize("rows_per_file, max_buffered", [(3, 100), (100, 4), (2, 3)])
def test_a_table_is_written_as_the_same_files_as_its_rows(tmp_path, rows_per_file, max_buffered):
    """A table (the pairs rollup's output) is buffered in slices that flush exactly where its
    rows would: the same files, by name and by rows, whatever the limits; runs of one partition
    may repeat (December, then January, then December again, then undated)."""
    dates = [dt.date(2018, 12, 1)] * 5 + [dt.date(2019, 1, 1)] * 4 + [dt.date(2018, 12, 2)] * 2
    rows = [_mention(f"a{i}", date, i) for i, date in enumerate([*dates, None, None])]
    written = {}
    for kind, element in (("rows", rows), ("table", to_table(rows, ENTITIES))):
        with TestPipeline() as pipeline:
            _ = (
                pipeline
                | f"Create{kind}" >> beam.Create([element], reshuffle=False)
                | WriteDataset(
                    ENTITIES,
                    str(tmp_path / kind),
                    rows_per_file=rows_per_file,
                    max_buffered_rows=max_buffered,
                    lists=True,
                )
            )
        files = sorted((tmp_path / kind / "entities").rglob("*.parquet"))
        written[kind] = {
            str(f.relative_to(tmp_path / kind)): pq.read_table(f).to_pylist() for f in files
        }
    assert written["table"] == written["rows"]
    assert sum(len(r) for r in written["table"].values()) == 13
    assert max(len(r) for r in written["table"].values()) <= min(rows_per_file, max_buffered)
    assert {p.split("/part-")[0] for p in written["table"]} == {
        "entities/year=2018/month=12", "entities/year=2019/month=1", "entities/year=0/month=0",
    }  # fmt: skip


def test_an_unpartitioned_table_and_an_empty_table(tmp_path):
    """An unpartitioned dataset's table goes to one file at the top, as its rows would; an
    empty table writes nothing; a writer given rows and then a table in one bundle refuses."""
    errors = [ErrorRecord(f"f{i}.txt", "empty", "the file is empty", "r1") for i in range(3)]
    written = {}
    for kind, elements in (("rows", [errors]), ("table", [to_table(errors, ERRORS),
                                                          ERRORS.schema.empty_table()])):  # fmt: skip
        with TestPipeline() as pipeline:
            _ = (
                pipeline
                | f"Create{kind}" >> beam.Create(elements, reshuffle=False)
                | WriteDataset(ERRORS, str(tmp_path / kind), lists=True)
            )
        files = sorted((tmp_path / kind / "errors").rglob("*.parquet"))
        written[kind] = {f.name: pq.read_table(f).to_pylist() for f in files}
    assert written["table"] == written["rows"]
    assert [r["source_path"] for r in next(iter(written["table"].values()))] == [
        "f0.txt", "f1.txt", "f2.txt",
    ]  # fmt: skip
    fn = _WriteParquetFn(ERRORS, str(tmp_path / "mixed"), 10, 10, True)
    fn.start_bundle()
    assert list(fn.process(errors[:1])) == []
    with pytest.raises(ValueError, match="rows or tables, not both"):
        list(fn.process(to_table(errors[1:], ERRORS)))


def _run(rows, dataset, directory, **kwargs) -> dict[str, int]:
    pipeline = beam.Pipeline()
    _ = pipeline | beam.Create(rows) | WriteDataset(dataset, str(directory), **kwargs)
    result = pipeline.run()
    result.wait_until_finish()
    return pipeline_counters(result, "newsbeam")


def test_a_row_arrow_refuses_never_fails_the_bundle(tmp_path):
    """A lone surrogate is written escaped; an offset out of int64 range is left out and
    counted; the other rows of the same buffer are written."""
    rows = [
        _mention("a", dt.date(2018, 12, 19), 0),
        _mention("b", dt.date(2018, 12, 19), 0)._replace(text="Oslo \udce9"),
        _mention("c", dt.date(2018, 12, 19), 2**70),
        _mention("d", dt.date(2018, 12, 19), 9),
    ]
    counters = _run([rows], ENTITIES, tmp_path, lists=True)
    frame = pd.read_parquet(tmp_path / "entities").sort_values("article_id")
    assert list(zip(frame.article_id, frame.text, frame.start_char, strict=True)) == [
        ("a", "Oslo", 0), ("b", "Oslo \\udce9", 0), ("d", "Oslo", 9),
    ]  # fmt: skip
    assert counters["rows_written_entities"] == 3
    assert counters["rows_rejected_entities"] == 1
    assert not (tmp_path / "errors").exists()  # a derived row is not an input


def test_a_refused_article_becomes_an_internal_error_and_its_counters_move(tmp_path):
    good = _article("a1", "Ferries to Oslo resumed on Monday.")._replace(run_id="r1")
    bad = _article("a2", "Ferries to Bergen resumed.")._replace(run_id="r1", sentence_count=2**70)
    counters = _run([good, bad], ARTICLES, tmp_path)
    assert list(pd.read_parquet(tmp_path / "articles").article_id) == ["a1"]
    (error,) = pd.read_parquet(tmp_path / "errors").itertuples()
    assert (error.source_path, error.error_code, error.run_id) == ("a2.txt", "internal", "r1")
    assert error.message.startswith("writing articles failed: OverflowError")
    assert counters["rows_written_articles"] == 1
    assert counters["rows_written_errors"] == 1
    assert counters["errors_internal"] == 1
    assert counters["articles_tagged"] == -1  # the writer's move; the tagger's +1 comes first
    assert counters["words_tagged"] == -1

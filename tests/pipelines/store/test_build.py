"""Building the next version from a published one and a run's staged files (no Beam)."""

import datetime as dt
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from pipelines.store import build
from pipelines.store.inputs import Plan
from schemas import (
    ARTICLES,
    DUPLICATES,
    ENTITIES,
    ENTITY_DAILY,
    ERRORS,
    STORIES,
    STORY_PAIRS,
    Dataset,
)
from transforms.io.write import write_marker, write_table

D1, D2 = dt.date(2019, 1, 5), dt.date(2019, 2, 7)
NOW = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def _write(root, dataset: Dataset, partition: str, name: str, rows: list[dict]) -> None:
    defaults = {field.name: None for field in dataset.schema}
    defaults.update({c: 0 for c in ("quotes",) if c in defaults})  # non-nullable counts
    defaults.update({c: "" for c in ("name_a", "name_b") if c in defaults})
    table = pa.Table.from_pylist([{**defaults, **row} for row in rows], schema=dataset.schema)
    directory = root / dataset.name / partition
    directory.mkdir(parents=True, exist_ok=True)
    write_table(table, str(directory / name))


def _article(article_id: str, path: str, date) -> dict:
    return {"article_id": article_id, "source_path": path, "published_date": date,
            "header_format": "date_line", "body": "b", "word_count": 1, "sentence_count": 1,
            "entity_count": 1, "model": "m", "pipeline_version": "v", "run_id": "r1",
            "processed_at": NOW, "story_id": article_id}  # fmt: skip


def _mention(article_id: str, date) -> dict:
    return {"article_id": article_id, "field": "body", "text": "X", "label": "GPE",
            "start_char": 0, "end_char": 1, "sentence_index": 0, "paragraph_index": 0,
            "canonical": "x", "canonical_label": "GPE", "published_date": date,
            "canonical_method": "as_written", "article_canonical": "x",
            "article_label": "GPE", "evidence": 0, "label_method": "article",
            "name": "X"}  # fmt: skip


def _daily(date, canonical: str) -> dict:
    return {"published_date": date, "canonical": canonical, "label": "GPE", "articles": 1,
            "stories": 1, "mentions": 1, "sentences": 0, "name": canonical}  # fmt: skip


def _previous(root):
    _write(root, ARTICLES, "year=2019/month=1", "part-a.parquet",
           [_article("a", "in/a.txt", D1), _article("b", "in/b.txt", D1)])  # fmt: skip
    _write(root, ARTICLES, "year=2019/month=2", "part-c.parquet", [_article("c", "in/c.txt", D2)])
    _write(root, ENTITIES, "year=2019/month=1", "part-a.parquet",
           [_mention("a", D1), _mention("b", D1)])  # fmt: skip
    _write(root, ENTITIES, "year=2019/month=2", "part-c.parquet", [_mention("c", D2)])
    _write(root, ERRORS, "", "part-e.parquet",
           [{"source_path": "in/bad.txt", "error_code": "empty", "message": "m", "run_id": "r1"}])
    _write(root, DUPLICATES, "", "part-d.parquet",
           [{"article_id": "c", "source_path": "in/c-copy.txt", "duplicate_of": "in/c.txt",
             "run_id": "r1"}])  # fmt: skip
    _write(root, STORY_PAIRS, "", "part-p.parquet",
           [{"article_id_a": "a", "article_id_b": "b", "jaccard": 0.9},
            {"article_id_a": "a", "article_id_b": "c", "jaccard": 0.6}])  # fmt: skip
    _write(root, STORIES, "", "part-s.parquet",
           [{"story_id": i, "articles": 1, "article_ids": [i]} for i in "abc"])  # fmt: skip
    _write(root, ENTITY_DAILY, "year=2019/month=1", "part-r1.parquet", [_daily(D1, "old-jan")])
    _write(root, ENTITY_DAILY, "year=2019/month=2", "part-r2.parquet", [_daily(D2, "old-feb")])
    return root


def _column(root, dataset: Dataset, name: str) -> list:
    return sorted(
        value
        for path in build.dataset_files(root, dataset)
        for value in pq.read_table(path, columns=[name])[name].to_pylist()
    )


def test_dropped_and_renamed_files_are_rewritten_and_the_rest_linked(tmp_path):
    previous = _previous(tmp_path / "previous")
    staged = tmp_path / "staged"
    write_marker(str(staged / build.TOUCHED / "year=2019" / "month=1"))
    _write(staged, ENTITY_DAILY, "year=2019/month=1", "part-new.parquet", [_daily(D1, "new-jan")])
    # the run re-emits the kept mentions of the partitions it touched (a's, not b's)
    _write(staged, ENTITIES, "year=2019/month=1", "part-new.parquet", [_mention("a", D1)])
    plan = Plan(["in/b.txt"], frozenset({"in/b.txt"}), {"in/c.txt": "in/c2.txt"}, {}, {})
    target = tmp_path / "target"
    description = build.build_version(previous, staged, target, plan)

    assert _column(target, ARTICLES, "source_path") == ["in/a.txt", "in/c2.txt"]
    assert _column(target, ENTITIES, "article_id") == ["a", "c"]  # b's mention dropped
    assert [p.name for p in (target / "entities/year=2019/month=1").iterdir()] == [
        "part-new.parquet"
    ]  # a touched partition's entities come from the run only
    assert _column(target, DUPLICATES, "duplicate_of") == ["in/c2.txt"]  # re-pointed
    assert _column(target, STORY_PAIRS, "article_id_b") == ["c"]  # the pair naming b dropped
    # the run did not recompute the stories (no marker): the published ones are linked
    assert _column(target, STORIES, "story_id") == ["a", "b", "c"]
    assert _column(target, ENTITY_DAILY, "canonical") == ["new-jan", "old-feb"]
    february = "entities/year=2019/month=2/part-c.parquet"
    assert (target / february).stat().st_ino == (previous / february).stat().st_ino  # linked
    errors = "errors/part-e.parquet"
    assert (target / errors).stat().st_ino == (previous / errors).stat().st_ino
    assert description.rows["articles"] == 2
    assert description.rows_per_partition["entity_daily"] == {
        "year=2019/month=1": 1,
        "year=2019/month=2": 1,
    }
    assert description.rows["entity_pairs_daily"] == 0  # written empty, readable with columns
    assert Path(build.dataset_files(target, ENTITY_DAILY)[0]).name == "part-new.parquet"


def test_compact_rewrites_a_partition_of_several_files_into_one(tmp_path):
    _write(tmp_path, ERRORS, "", "part-1.parquet",
           [{"source_path": "a", "error_code": "empty", "message": "m", "run_id": "r"}])  # fmt: skip
    _write(tmp_path, ERRORS, "", "part-2.parquet",
           [{"source_path": "b", "error_code": "binary", "message": "m", "run_id": "r"}])  # fmt: skip
    build.compact_dataset(tmp_path, ERRORS)
    [only] = build.dataset_files(tmp_path, ERRORS)
    assert pq.read_table(only)["source_path"].to_pylist() == ["a", "b"]


def test_published_state_readers_stream_the_previous_version(tmp_path):
    previous = _previous(tmp_path)
    assert build.dropped_article_ids(previous, frozenset({"in/b.txt"})) == {"b"}
    assert build.duplicates_by_kept_copy(previous) == {"in/c.txt": {"in/c-copy.txt"}}
    assert sorted(build.source_files_and_models(previous)) == [
        ("in/a.txt", "m", "v"), ("in/b.txt", "m", "v"), ("in/c.txt", "m", "v"),
    ]  # fmt: skip
    assert build.touched_partitions(tmp_path) == set()

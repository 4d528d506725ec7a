"""Builds the next output version from the published one and the rows a run just wrote.

Files of the previous version that hold no affected row are hard-linked (no copy, no rewrite);
files that do are rewritten without the dropped rows and with renamed paths re-pointed. Every
file is written once and never modified, so a published version never changes under a reader.
"""

from __future__ import annotations

import collections
import os
import uuid
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import NamedTuple

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from pipelines.incremental import Plan, file_of
from schemas import (
    ALL_DATASETS,
    ARTICLE_ENTITIES,
    ARTICLES,
    DATASETS,
    DUPLICATES,
    ENTITIES,
    ENTITY_DAILY,
    ENTITY_PAIRS_DAILY,
    ERRORS,
    Dataset,
)
from transforms.checkpoints import pause_point
from transforms.entities import DEFAULT_ROLLUP_EXCLUDED
from transforms.entity_rollups import article_entities, entity_daily, entity_pairs_daily
from transforms.write import write_empty, write_table


class BuildResult(NamedTuple):
    cross_run_duplicates: int  # new articles already published from another path
    cross_run_entities: int  # their entity rows, dropped with them
    rows: dict[str, int]
    rows_per_partition: dict[str, dict[str, int]]
    files: dict[str, int]


def _files(root: Path, dataset: Dataset) -> list[Path]:
    directory = root / dataset.name
    return sorted(directory.rglob("*.parquet")) if directory.is_dir() else []


def _new_name() -> str:
    return f"part-{uuid.uuid4().hex}.parquet"


def _repoint(column: pa.ChunkedArray, renames: dict[str, str]) -> pa.Array:
    values = []
    for value in column.to_pylist():
        base = file_of(value)
        values.append(renames[base] + value[len(base) :] if base in renames else value)
    return pa.array(values, type=pa.string())


class _Rewriter:
    """Copies one dataset into the new version: link untouched files, rewrite touched ones."""

    def __init__(self, dataset: Dataset, source: Path, target: Path):
        self.dataset = dataset
        self.source = source / dataset.name
        self.target = target / dataset.name

    def carry(self, keep: Callable[[pa.Table], pa.Array | None], renames: dict[str, str]) -> None:
        """`keep(table)` gives a row mask, or None when every row stays."""
        for path in _files(self.source.parent, self.dataset):
            relative = path.relative_to(self.source)
            table = pq.read_table(path, columns=_key_columns(self.dataset))
            mask = keep(table)
            touched = _needs_repoint(table, renames)
            destination = self.target / relative
            destination.parent.mkdir(parents=True, exist_ok=True)
            if mask is None and not touched:
                os.link(path, destination)
                continue
            full = pq.read_table(path, schema=self.dataset.schema)
            if mask is not None:
                full = full.filter(mask)
            for column in ("source_path", "duplicate_of"):
                if column in full.column_names and renames:
                    full = full.set_column(
                        full.schema.get_field_index(column),
                        self.dataset.schema.field(column),
                        _repoint(full[column], renames),
                    )
            if full.num_rows:
                write_table(full, str(destination.with_name(_new_name())))


def _key_columns(dataset: Dataset) -> list[str]:
    return [c for c in ("article_id", "source_path", "duplicate_of") if c in dataset.schema.names]


def _needs_repoint(table: pa.Table, renames: dict[str, str]) -> bool:
    if not renames:
        return False
    for column in ("source_path", "duplicate_of"):
        if column in table.column_names and any(
            file_of(v) in renames for v in table[column].to_pylist()
        ):
            return True
    return False


def _source_file_mask(table: pa.Table, drop: frozenset[str], column: str = "source_path"):
    if not drop:
        return None
    files = [file_of(value) for value in table[column].to_pylist()]
    if not any(f in drop for f in files):
        return None
    return pa.array([f not in drop for f in files])


def _id_mask(table: pa.Table, dropped_ids: set[str]):
    if not dropped_ids:
        return None
    hit = pc.is_in(table["article_id"], value_set=pa.array(sorted(dropped_ids), type=pa.string()))
    return pc.invert(hit) if pc.any(hit).as_py() else None


def _column_values(root: Path, dataset: Dataset, columns: list[str]) -> list[dict]:
    return [
        row
        for path in _files(root, dataset)
        for row in pq.read_table(path, columns=columns).to_pylist()
    ]


def build_version(
    previous: Path | None,
    new: Path,
    target: Path,
    plan: Plan,
    run_id: str,
    *,
    compact: bool = False,
    excluded_labels: Iterable[str] = DEFAULT_ROLLUP_EXCLUDED,
) -> BuildResult:
    """previous (published) + new (this run's rows) -> target (the next version)."""
    target.mkdir(parents=True, exist_ok=True)
    dropped_ids: set[str] = set()
    kept_articles: dict[str, str] = {}
    if previous is not None:
        for row in _column_values(previous, ARTICLES, ["article_id", "source_path"]):
            if file_of(row["source_path"]) in plan.drop_files:
                dropped_ids.add(row["article_id"])
            else:
                base = file_of(row["source_path"])
                path = plan.renames.get(base, base) + row["source_path"][len(base) :]
                kept_articles[row["article_id"]] = path
        drop = plan.drop_files
        _Rewriter(ARTICLES, previous, target).carry(
            lambda t: _source_file_mask(t, drop), plan.renames
        )
        _Rewriter(ENTITIES, previous, target).carry(lambda t: _id_mask(t, dropped_ids), {})
        _Rewriter(ERRORS, previous, target).carry(
            lambda t: _source_file_mask(t, drop), plan.renames
        )
        _Rewriter(DUPLICATES, previous, target).carry(
            lambda t: _combine(
                _source_file_mask(t, drop), _source_file_mask(t, drop, "duplicate_of")
            ),
            plan.renames,
        )
    pause_point("building")
    cross, cross_entities = _add_new_rows(new, target, kept_articles, run_id)
    if compact:
        for dataset in DATASETS.values():
            compact_dataset(target, dataset)
    build_rollups(previous, target, excluded_labels)
    return _describe(target, cross, cross_entities)


def _partition_files(root: Path | None, dataset: Dataset) -> dict[str, list[Path]]:
    result: dict[str, list[Path]] = collections.defaultdict(list)
    if root is None:
        return result
    for path in _files(root, dataset):
        result[path.parent.relative_to(root / dataset.name).as_posix()].append(path)
    return result


def build_rollups(previous: Path | None, target: Path, excluded_labels: Iterable[str]) -> set[str]:
    """Recomputes the rollups of the partitions whose entities changed (each partition's
    entities read once for all three); links the previous rollup files of the others. Returns
    the recomputed partitions."""
    before = _partition_files(previous, ENTITIES)
    after = _partition_files(target, ENTITIES)
    touched = {
        partition
        for partition, paths in after.items()
        if sorted(p.name for p in paths) != sorted(p.name for p in before.get(partition, []))
    }
    derived = (
        (ARTICLE_ENTITIES, article_entities),
        (ENTITY_DAILY, entity_daily),
        (ENTITY_PAIRS_DAILY, entity_pairs_daily),
    )
    previous_rollups = {dataset: _partition_files(previous, dataset) for dataset, _ in derived}
    excluded_labels = list(excluded_labels)
    for partition, paths in after.items():
        entities = None
        for dataset, derive in derived:
            directory = target / dataset.name / partition
            directory.mkdir(parents=True, exist_ok=True)
            if partition not in touched and previous_rollups[dataset].get(partition):
                for path in previous_rollups[dataset][partition]:
                    os.link(path, directory / path.name)
                continue
            if entities is None:
                entities = pa.concat_tables(pq.read_table(p, schema=ENTITIES.schema) for p in paths)
            table = derive(entities, excluded_labels)
            if table.num_rows:
                write_table(table, str(directory / _new_name()))
    return touched


def _combine(first, second):
    if first is None:
        return second
    if second is None:
        return first
    return pc.and_(first, second)


def _add_new_rows(
    new: Path, target: Path, kept_articles: dict[str, str], run_id: str
) -> tuple[int, int]:
    """Moves this run's files in; a new article already published elsewhere becomes a duplicate."""
    new_ids = {
        row["article_id"]: row["source_path"]
        for row in _column_values(new, ARTICLES, ["article_id", "source_path"])
    }
    cross = {
        article_id: path for article_id, path in new_ids.items() if article_id in kept_articles
    }
    dropped_entities = 0
    for dataset in DATASETS.values():
        for path in _files(new, dataset):
            destination = target / dataset.name / path.relative_to(new / dataset.name)
            destination.parent.mkdir(parents=True, exist_ok=True)
            if cross and dataset in (ARTICLES, ENTITIES):
                table = pq.read_table(path, schema=dataset.schema)
                mask = _id_mask(table.select(["article_id"]), set(cross))
                if mask is not None:
                    if dataset is ENTITIES:
                        dropped_entities += table.num_rows - pc.sum(mask).as_py()
                    table = table.filter(mask)
                    if table.num_rows:
                        write_table(table, str(destination))
                    continue
            os.replace(path, destination)
    if cross:
        rows = [
            {"article_id": i, "source_path": p, "duplicate_of": kept_articles[i], "run_id": run_id}
            for i, p in sorted(cross.items())
        ]
        destination = target / DUPLICATES.name / _new_name()
        destination.parent.mkdir(parents=True, exist_ok=True)
        write_table(pa.Table.from_pylist(rows, schema=DUPLICATES.schema), str(destination))
    return len(cross), dropped_entities


def compact_dataset(root: Path, dataset: Dataset) -> None:
    """Rewrites every partition that has several files into one file, rows unchanged."""
    by_partition: dict[Path, list[Path]] = collections.defaultdict(list)
    for path in _files(root, dataset):
        by_partition[path.parent].append(path)
    for directory, paths in by_partition.items():
        if len(paths) < 2:
            continue
        table = pa.concat_tables(pq.read_table(p, schema=dataset.schema) for p in paths)
        write_table(table, str(directory / _new_name()))
        for path in paths:
            path.unlink()


def _describe(target: Path, cross: int, cross_entities: int) -> BuildResult:
    rows: dict[str, int] = {}
    partitions: dict[str, dict[str, int]] = {}
    files: dict[str, int] = {}
    for dataset in ALL_DATASETS.values():
        paths = _files(target, dataset)
        if not paths:
            write_empty(dataset, str(target))
            paths = _files(target, dataset)
        counts: dict[str, int] = collections.Counter()
        for path in paths:
            relative = path.parent.relative_to(target / dataset.name).as_posix()
            counts[relative] += pq.read_metadata(path).num_rows
        rows[dataset.name] = sum(counts.values())
        partitions[dataset.name] = dict(sorted(counts.items()))
        files[dataset.name] = len(paths)
    return BuildResult(cross, cross_entities, rows, partitions, files)


def source_files(root: Path, dataset: Dataset) -> set[str]:
    return {file_of(row["source_path"]) for row in _column_values(root, dataset, ["source_path"])}


def duplicates_by_canonical(root: Path | None) -> dict[str, set[str]]:
    result: dict[str, set[str]] = collections.defaultdict(set)
    if root is None:
        return result
    for row in _column_values(root, DUPLICATES, ["source_path", "duplicate_of"]):
        result[file_of(row["duplicate_of"])].add(file_of(row["source_path"]))
    return result


def models_in(root: Path | None) -> dict[tuple[str, str], set[str]]:
    """(model, pipeline_version) -> source files of the articles it made."""
    result: dict[tuple[str, str], set[str]] = collections.defaultdict(set)
    if root is None:
        return result
    for row in _column_values(root, ARTICLES, ["model", "pipeline_version", "source_path"]):
        result[(row["model"], row["pipeline_version"])].add(file_of(row["source_path"]))
    return result


def all_source_files(
    root: Path, datasets: Iterable[Dataset] = (ARTICLES, ERRORS, DUPLICATES)
) -> set[str]:
    return set().union(*(source_files(root, d) for d in datasets))

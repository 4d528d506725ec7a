"""Builds the next version from the published one and the files a run staged.

Files of the previous version that hold no affected row are hard-linked (no copy, no rewrite);
files that do are rewritten without the dropped rows and with renamed paths re-pointed. The
rollups of the partitions the run recomputed (marked under `_touched`) come from the run; the
others are linked. Every file is written once and never modified, so a published version
never changes under a reader.
"""

from __future__ import annotations

import collections
import os
import uuid
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import NamedTuple

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from pipelines.store.inputs import Plan
from schemas import (
    ALL_DATASETS,
    ARTICLES,
    DATASETS,
    DUPLICATES,
    ENTITIES,
    ERRORS,
    ROLLUPS,
    SIGNATURES,
    STORY_PAIRS,
    WHOLE,
    Dataset,
    file_of,
)
from transforms.corpus.stories import STORIES_MARKER
from transforms.io.published import repoint
from transforms.io.write import write_empty, write_table
from transforms.runner.checkpoints import pause_point

TOUCHED = "_touched"  # below a run's staging directory: the partitions whose rollups it made
RESTORIED = "_restoried"  # ... the partitions whose articles it re-emitted (stories changed)
_PATH_COLUMNS = ("source_path", "duplicate_of")


class VersionDescription(NamedTuple):
    rows: dict[str, int]
    rows_per_partition: dict[str, dict[str, int]]
    files: dict[str, int]


def dataset_files(root: Path, dataset: Dataset) -> list[Path]:
    directory = root / dataset.name
    return sorted(directory.rglob("*.parquet")) if directory.is_dir() else []


def _new_name() -> str:
    return f"part-{uuid.uuid4().hex}.parquet"


RowMask = Callable[[pa.Table], pa.Array | None]  # a keep-mask, or None when every row stays


def _carry(
    dataset: Dataset, previous: Path, target: Path, keep: RowMask | None, renames,
    skip=frozenset(),
) -> None:
    """Copies one dataset into the new version: link untouched files, rewrite touched ones,
    leave out the partitions in `skip`. With no `keep` mask and no renames (a run that drops
    and renames nothing) no file is opened."""
    for path in dataset_files(previous, dataset):
        if _partition_of(path, previous, dataset) in skip:
            continue
        destination = target / path.relative_to(previous)
        destination.parent.mkdir(parents=True, exist_ok=True)
        if keep is None and not renames:
            os.link(path, destination)
            continue
        keys = pq.read_table(path, columns=_row_columns(dataset))
        mask = keep(keys) if keep is not None else None
        if mask is None and not _needs_repoint(keys, renames):
            os.link(path, destination)
            continue
        full = pq.read_table(path, schema=dataset.schema)
        if mask is not None:
            full = full.filter(mask)
        for column in _PATH_COLUMNS:
            if column in full.column_names and renames:
                values = [repoint(value, renames) for value in full[column].to_pylist()]
                index = full.schema.get_field_index(column)
                full = full.set_column(index, dataset.schema.field(column), pa.array(values))
        if full.num_rows:
            write_table(full, str(destination.with_name(_new_name())))


def _row_columns(dataset: Dataset) -> list[str]:
    """The columns that decide whether a row is kept or re-pointed."""
    names = ("article_id", "article_id_a", "article_id_b", *_PATH_COLUMNS)
    return [c for c in names if c in dataset.schema.names]


def _needs_repoint(table: pa.Table, renames: Mapping[str, str]) -> bool:
    return bool(renames) and any(
        file_of(value) in renames
        for column in _PATH_COLUMNS
        if column in table.column_names
        for value in table[column].to_pylist()
    )


def _file_mask(drop: frozenset[str], *columns: str) -> RowMask:
    """Keeps the rows whose source file (in every one of `columns`) is not dropped."""

    def keep(table: pa.Table) -> pa.Array | None:
        if not drop:
            return None
        hits = [[file_of(v) in drop for v in table[column].to_pylist()] for column in columns]
        dropped = [any(row) for row in zip(*hits, strict=True)]
        return pa.array([not d for d in dropped]) if any(dropped) else None

    return keep


def _id_mask(dropped_ids: set[str], *columns: str) -> RowMask:
    """Keeps the rows that name no dropped article (in any of `columns`)."""
    columns = columns or ("article_id",)

    def keep(table: pa.Table) -> pa.Array | None:
        if not dropped_ids:
            return None
        values = pa.array(sorted(dropped_ids), type=pa.string())
        hits = [pc.is_in(table[column], value_set=values) for column in columns]
        hit = hits[0] if len(hits) == 1 else pc.or_(*hits)
        return pc.invert(hit) if pc.any(hit).as_py() else None

    return keep


def dropped_article_ids(previous: Path, drop_files: frozenset[str]) -> set[str]:
    """Ids of the published articles whose files this run drops (read one file at a time)."""
    dropped: set[str] = set()
    if not drop_files:
        return dropped
    for path in dataset_files(previous, ARTICLES):
        table = pq.read_table(path, columns=["article_id", "source_path"])
        for article_id, source_path in zip(*table.to_pydict().values(), strict=True):
            if file_of(source_path) in drop_files:
                dropped.add(article_id)
    return dropped


def carry_previous(previous: Path, target: Path, plan: Plan, staged: Path) -> None:
    """The published rows this run keeps (the rollups are handled by `place_rollups`). The
    run re-emits every kept mention of the partitions it touched (with their corpus-level
    keys, transforms/corpus/names.py) and every kept article of the partitions whose stories
    changed (transforms/corpus/stories.py): those partitions are not carried."""
    drop = plan.drop_files
    dropped_ids = dropped_article_ids(previous, drop)

    def masked(mask: RowMask) -> RowMask | None:
        return mask if drop else None  # nothing dropped: every mask keeps every row

    _carry(ARTICLES, previous, target, masked(_file_mask(drop, "source_path")), plan.renames,
           skip=marked_partitions(staged, RESTORIED))  # fmt: skip
    _carry(ENTITIES, previous, target, masked(_id_mask(dropped_ids)), {},
           skip=marked_partitions(staged, TOUCHED))  # fmt: skip
    _carry(SIGNATURES, previous, target, masked(_id_mask(dropped_ids)), {})
    _carry(STORY_PAIRS, previous, target,
           masked(_id_mask(dropped_ids, "article_id_a", "article_id_b")), {})  # fmt: skip
    _carry(ERRORS, previous, target, masked(_file_mask(drop, "source_path")), plan.renames)
    _carry(DUPLICATES, previous, target,
           masked(_file_mask(drop, "source_path", "duplicate_of")), plan.renames)  # fmt: skip


def marked_partitions(staged: Path, marker: str) -> set[str]:
    """`year=2019/month=3` of every partition marked under `staged/marker`."""
    markers = staged / marker
    return {p.relative_to(markers).as_posix() for p in markers.glob("*/*")}


def touched_partitions(staged: Path) -> set[str]:
    """`year=2019/month=3` of every partition whose rollups the run recomputed."""
    return marked_partitions(staged, TOUCHED)


def _partition_of(path: Path, root: Path, dataset: Dataset) -> str:
    return path.parent.relative_to(root / dataset.name).as_posix()


def place_rollups(previous: Path | None, staged: Path, target: Path) -> None:
    """Recomputed partitions from the run, the others linked from the previous version."""
    touched = touched_partitions(staged)
    for dataset in ROLLUPS:
        for path in dataset_files(staged, dataset):
            _move(path, target / path.relative_to(staged))
        for path in dataset_files(previous, dataset) if previous else ():
            if _partition_of(path, previous, dataset) not in touched:
                destination = target / path.relative_to(previous)
                destination.parent.mkdir(parents=True, exist_ok=True)
                os.link(path, destination)


def _move(path: Path, destination: Path) -> None:
    destination.parent.mkdir(parents=True, exist_ok=True)
    os.replace(path, destination)


def build_version(
    previous: Path | None, staged: Path, target: Path, plan: Plan, *, compact: bool = False
) -> VersionDescription:
    """previous (published) + staged (this run's files) -> target (the next version)."""
    target.mkdir(parents=True, exist_ok=True)
    if previous is not None:
        carry_previous(previous, target, plan, staged)
    pause_point("building")
    for dataset in (*DATASETS.values(), *WHOLE):
        for path in dataset_files(staged, dataset):
            _move(path, target / path.relative_to(staged))
    if previous is not None and not (staged / STORIES_MARKER).is_dir():
        for dataset in WHOLE:  # the graph did not run: the previous stories still hold
            for path in dataset_files(previous, dataset):
                destination = target / path.relative_to(previous)
                destination.parent.mkdir(parents=True, exist_ok=True)
                os.link(path, destination)
    if compact:
        for dataset in DATASETS.values():
            compact_dataset(target, dataset)
    place_rollups(previous, staged, target)
    return describe_version(target)


def compact_dataset(root: Path, dataset: Dataset) -> None:
    """Rewrites every partition that has several files into one file, rows unchanged."""
    by_partition: dict[Path, list[Path]] = collections.defaultdict(list)
    for path in dataset_files(root, dataset):
        by_partition[path.parent].append(path)
    for directory, paths in by_partition.items():
        if len(paths) < 2:
            continue
        table = pa.concat_tables(pq.read_table(p, schema=dataset.schema) for p in paths)
        write_table(table, str(directory / _new_name()))
        for path in paths:
            path.unlink()


def describe_version(target: Path) -> VersionDescription:
    """Rows per dataset and partition, from the Parquet footers (no data is read); a dataset
    with no rows gets one empty file, so it reads back with its columns."""
    rows: dict[str, int] = {}
    partitions: dict[str, dict[str, int]] = {}
    files: dict[str, int] = {}
    for dataset in ALL_DATASETS.values():
        paths = dataset_files(target, dataset)
        if not paths:
            write_empty(dataset, str(target))
            paths = dataset_files(target, dataset)
        counts: dict[str, int] = collections.Counter()
        for path in paths:
            counts[_partition_of(path, target, dataset)] += pq.read_metadata(path).num_rows
        rows[dataset.name] = sum(counts.values())
        partitions[dataset.name] = dict(sorted(counts.items()))
        files[dataset.name] = len(paths)
    return VersionDescription(rows, partitions, files)


def staged_rows(staged: Path) -> dict[str, int]:
    """Rows per dataset in a run's staged files, from the Parquet footers."""
    return {
        dataset.name: sum(pq.read_metadata(p).num_rows for p in dataset_files(staged, dataset))
        for dataset in ALL_DATASETS.values()
    }


def source_files_and_models(version: Path | None) -> Iterator[tuple[str, str, str]]:
    """(source file, model, pipeline_version) of every published article, file by file."""
    for path in dataset_files(version, ARTICLES) if version else ():
        table = pq.read_table(path, columns=["source_path", "model", "pipeline_version"])
        for source_path, model, version_ in zip(*table.to_pydict().values(), strict=True):
            yield file_of(source_path), model, version_


def duplicates_by_kept_copy(version: Path | None) -> dict[str, set[str]]:
    """Source file of a published article -> the files recorded as its duplicates."""
    result: dict[str, set[str]] = collections.defaultdict(set)
    for path in dataset_files(version, DUPLICATES) if version else ():
        table = pq.read_table(path, columns=["source_path", "duplicate_of"])
        for source_path, duplicate_of in zip(*table.to_pydict().values(), strict=True):
            result[file_of(duplicate_of)].add(file_of(source_path))
    return result

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
from typing import NamedTuple

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from pipelines.store.inputs import Plan
from pipelines.store.storage import parent, relative, storage_for
from schemas import (
    ALL_DATASETS,
    ARTICLES,
    DATASETS,
    DUPLICATES,
    ENTITIES,
    ERRORS,
    KEYPHRASES,
    QUOTES,
    ROLLUPS,
    SIGNATURES,
    STORY_PAIRS,
    WHOLE,
    Dataset,
    file_of,
)
from transforms.corpus.stories import STORIES_MARKER
from transforms.io.published import repoint
from transforms.io.write import MARKER, write_empty, write_table
from transforms.runner.checkpoints import pause_point

TOUCHED = "_touched"  # below a run's staging directory: the partitions whose rollups it made
RESTORIED = "_restoried"  # ... partitions whose articles it re-emitted (story or topic changed)
_PATH_COLUMNS = ("source_path", "duplicate_of")


class VersionDescription(NamedTuple):
    rows: dict[str, int]
    rows_per_partition: dict[str, dict[str, int]]
    files: dict[str, int]


def dataset_files(root: str | os.PathLike, dataset: Dataset) -> list[str]:
    """The Parquet files of one dataset below a version or staging root, sorted."""
    store = storage_for(root)
    return store.files(store.join(dataset.name))


def _below(root: str | os.PathLike, path: str) -> str:
    """`path` (below one root) moved below `root`: `<previous>/x/y` -> `<target>/x/y`."""
    return storage_for(root).join(path)


def read_table(path: str, **options) -> pa.Table:
    store = storage_for(path)
    if store.local:
        return pq.read_table(path, **options)
    with store.open(path) as handle:
        return pq.read_table(handle, **options)


def read_metadata(path: str) -> pq.FileMetaData:
    store = storage_for(path)
    if store.local:
        return pq.read_metadata(path)
    with store.open(path) as handle:
        return pq.read_metadata(handle)


def _new_name() -> str:
    return f"part-{uuid.uuid4().hex}.parquet"


RowMask = Callable[[pa.Table], pa.Array | None]  # a keep-mask, or None when every row stays


def _carry(
    dataset: Dataset, previous: str, target: str, keep: RowMask | None, renames,
    skip=frozenset(),
) -> None:
    """Copies one dataset into the new version: link untouched files, rewrite touched ones,
    leave out the partitions in `skip`. With no `keep` mask and no renames (a run that drops
    and renames nothing) no file is opened."""
    store = storage_for(target)
    for path in dataset_files(previous, dataset):
        if _partition_of(path, previous, dataset) in skip:
            continue
        destination = store.join(relative(path, previous))
        if keep is None and not renames:
            store.link(path, destination)
            continue
        keys = read_table(path, columns=_row_columns(dataset))
        mask = keep(keys) if keep is not None else None
        if mask is None and not _needs_repoint(keys, renames):
            store.link(path, destination)
            continue
        full = read_table(path, schema=dataset.schema)
        if mask is not None:
            full = full.filter(mask)
        for column in _PATH_COLUMNS:
            if column in full.column_names and renames:
                values = [repoint(value, renames) for value in full[column].to_pylist()]
                index = full.schema.get_field_index(column)
                full = full.set_column(index, dataset.schema.field(column), pa.array(values))
        if full.num_rows:
            write_table(full, f"{parent(destination)}/{_new_name()}")


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


def dropped_article_ids(previous: str, drop_files: frozenset[str]) -> set[str]:
    """Ids of the published articles whose files this run drops (read one file at a time)."""
    dropped: set[str] = set()
    if not drop_files:
        return dropped
    for path in dataset_files(previous, ARTICLES):
        table = read_table(path, columns=["article_id", "source_path"])
        for article_id, source_path in zip(*table.to_pydict().values(), strict=True):
            if file_of(source_path) in drop_files:
                dropped.add(article_id)
    return dropped


def carry_previous(previous: str, target: str, plan: Plan, staged: str) -> None:
    """The published rows this run keeps (the rollups are handled by `place_rollups`). The
    run re-emits every kept mention of the partitions it touched (with their corpus-level
    keys, transforms/corpus/names.py) and every kept article of the partitions whose stories
    or topics changed (transforms/corpus/articles.py), and every kept quotation of the partitions it
    touched (transforms/corpus/quotes.py): those partitions are not carried."""
    drop = plan.drop_files
    dropped_ids = dropped_article_ids(previous, drop)

    def masked(mask: RowMask) -> RowMask | None:
        return mask if drop else None  # nothing dropped: every mask keeps every row

    _carry(ARTICLES, previous, target, masked(_file_mask(drop, "source_path")), plan.renames,
           skip=marked_partitions(staged, RESTORIED))  # fmt: skip
    _carry(ENTITIES, previous, target, masked(_id_mask(dropped_ids)), {},
           skip=marked_partitions(staged, TOUCHED))  # fmt: skip
    _carry(SIGNATURES, previous, target, masked(_id_mask(dropped_ids)), {})
    _carry(QUOTES, previous, target, masked(_id_mask(dropped_ids)), {},
           skip=marked_partitions(staged, TOUCHED))  # fmt: skip
    _carry(KEYPHRASES, previous, target, masked(_id_mask(dropped_ids)), {})
    _carry(STORY_PAIRS, previous, target,
           masked(_id_mask(dropped_ids, "article_id_a", "article_id_b")), {})  # fmt: skip
    _carry(ERRORS, previous, target, masked(_file_mask(drop, "source_path")), plan.renames)
    _carry(DUPLICATES, previous, target,
           masked(_file_mask(drop, "source_path", "duplicate_of")), plan.renames)  # fmt: skip


def marked_partitions(staged: str | os.PathLike, marker: str) -> set[str]:
    """`year=2019/month=3` of every partition marked under `staged/marker` (a marker file in
    each partition's directory)."""
    store = storage_for(staged)
    markers = store.join(marker)
    return {parent(relative(p, markers)) for p in store.files(markers, suffix=MARKER)}


def touched_partitions(staged: str | os.PathLike) -> set[str]:
    """`year=2019/month=3` of every partition whose rollups the run recomputed."""
    return marked_partitions(staged, TOUCHED)


def _partition_of(path: str, root: str, dataset: Dataset) -> str:
    """`year=2019/month=3`, or `.` for a dataset without partitions."""
    return relative(path, storage_for(root).join(dataset.name)).rpartition("/")[0] or "."


def place_rollups(previous: str | None, staged: str, target: str) -> None:
    """Recomputed partitions from the run, the others linked from the previous version."""
    store = storage_for(target)
    touched = touched_partitions(staged)
    for dataset in ROLLUPS:
        for path in dataset_files(staged, dataset):
            store.move(path, _below(target, relative(path, staged)))
        for path in dataset_files(previous, dataset) if previous else ():
            if _partition_of(path, previous, dataset) not in touched:
                store.link(path, _below(target, relative(path, previous)))


def build_version(
    previous: str | os.PathLike | None, staged: str | os.PathLike, target: str | os.PathLike,
    plan: Plan, *, compact: bool = False,
) -> VersionDescription:
    """previous (published) + staged (this run's files) -> target (the next version)."""
    previous = storage_for(previous).root if previous is not None else None
    staged, target = storage_for(staged).root, storage_for(target).root
    store = storage_for(target)
    if store.local:
        os.makedirs(target, exist_ok=True)
    if previous is not None:
        carry_previous(previous, target, plan, staged)
    pause_point("building")
    for dataset in (*DATASETS.values(), *WHOLE):
        for path in dataset_files(staged, dataset):
            store.move(path, _below(target, relative(path, staged)))
    stories_marked = store.files(storage_for(staged).join(STORIES_MARKER), suffix=MARKER)
    if previous is not None and not stories_marked:
        for dataset in WHOLE:  # the graph did not run: the previous stories still hold
            for path in dataset_files(previous, dataset):
                store.link(path, _below(target, relative(path, previous)))
    if compact:
        for dataset in DATASETS.values():
            compact_dataset(target, dataset)
    place_rollups(previous, staged, target)
    return describe_version(target)


def compact_dataset(root: str | os.PathLike, dataset: Dataset) -> None:
    """Rewrites every partition that has several files into one file, rows unchanged."""
    store = storage_for(root)
    by_partition: dict[str, list[str]] = collections.defaultdict(list)
    for path in dataset_files(root, dataset):
        by_partition[parent(path)].append(path)
    for directory, paths in by_partition.items():
        if len(paths) < 2:
            continue
        table = pa.concat_tables(read_table(p, schema=dataset.schema) for p in paths)
        write_table(table, f"{directory}/{_new_name()}")
        for path in paths:
            store.delete(path)


def describe_version(target: str | os.PathLike) -> VersionDescription:
    """Rows per dataset and partition, from the Parquet footers (no data is read); a dataset
    with no rows gets one empty file, so it reads back with its columns."""
    rows: dict[str, int] = {}
    partitions: dict[str, dict[str, int]] = {}
    files: dict[str, int] = {}
    for dataset in ALL_DATASETS.values():
        paths = dataset_files(target, dataset)
        if not paths:
            write_empty(dataset, storage_for(target).root)
            paths = dataset_files(target, dataset)
        counts: dict[str, int] = collections.Counter()
        for path in paths:
            counts[_partition_of(path, target, dataset)] += read_metadata(path).num_rows
        rows[dataset.name] = sum(counts.values())
        partitions[dataset.name] = dict(sorted(counts.items()))
        files[dataset.name] = len(paths)
    return VersionDescription(rows, partitions, files)


def staged_rows(staged: str | os.PathLike) -> dict[str, int]:
    """Rows per dataset in a run's staged files, from the Parquet footers."""
    return {
        dataset.name: sum(read_metadata(p).num_rows for p in dataset_files(staged, dataset))
        for dataset in ALL_DATASETS.values()
    }


def source_files_and_models(version: str | None) -> Iterator[tuple[str, str, str]]:
    """(source file, model, pipeline_version) of every published article, file by file."""
    for path in dataset_files(version, ARTICLES) if version else ():
        table = read_table(path, columns=["source_path", "model", "pipeline_version"])
        for source_path, model, version_ in zip(*table.to_pydict().values(), strict=True):
            yield file_of(source_path), model, version_


def duplicates_by_kept_copy(version: str | None) -> dict[str, set[str]]:
    """Source file of a published article -> the files recorded as its duplicates."""
    result: dict[str, set[str]] = collections.defaultdict(set)
    for path in dataset_files(version, DUPLICATES) if version else ():
        table = read_table(path, columns=["source_path", "duplicate_of"])
        for source_path, duplicate_of in zip(*table.to_pydict().values(), strict=True):
            result[file_of(duplicate_of)].add(file_of(source_path))
    return result

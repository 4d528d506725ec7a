"""Hive-partitioned Parquet, written with the explicit schemas from `schemas/`.

Beam has no partitioned Parquet sink, so a DoFn buffers rows per partition and writes Arrow
tables with pyarrow through Beam's FileSystems. Each file gets a unique name and is reported
downstream; only files reported by a successful bundle are committed (`commit_files`), so a
retried bundle's leftovers are never published.
"""

from __future__ import annotations

import collections
import datetime as dt
import json
import uuid
from collections.abc import Iterable, Iterator, Sequence
from typing import NamedTuple

import apache_beam as beam
import pyarrow as pa
import pyarrow.parquet as pq
from apache_beam.io.filesystem import CompressionTypes
from apache_beam.io.filesystems import FileSystems
from apache_beam.transforms.window import GlobalWindow
from apache_beam.utils.timestamp import MAX_TIMESTAMP
from apache_beam.utils.windowed_value import WindowedValue

from schemas import UNDATED_PARTITION, Dataset
from transforms.checkpoints import pause_point

COMMITTED_FILES = "_committed.json"
DEFAULT_ROWS_PER_FILE = 100_000


class WrittenFile(NamedTuple):
    dataset: str
    relative_path: str  # below the dataset directory, e.g. year=2018/month=12/part-x.parquet
    rows: int


def partition_of(published_date: dt.date | None) -> tuple[int, int]:
    """(year, month) of a date; undated rows go to the documented year=0/month=0 partition."""
    if published_date is None:
        return UNDATED_PARTITION
    return published_date.year, published_date.month


def partition_dir(partition: tuple[int, int] | None) -> str:
    if partition is None:
        return ""
    year, month = partition
    return f"year={year}/month={month}/"


def to_table(rows: Sequence[NamedTuple], dataset: Dataset) -> pa.Table:
    """Rows to an Arrow table with exactly the dataset's schema (never inferred)."""
    columns = {name: [getattr(row, name) for row in rows] for name in dataset.schema.names}
    return pa.Table.from_pydict(columns, schema=dataset.schema)


def write_table(table: pa.Table, path: str) -> None:
    with FileSystems.create(path, compression_type=CompressionTypes.UNCOMPRESSED) as handle:
        pq.write_table(table, handle, compression="zstd")


class _WriteParquetFn(beam.DoFn):
    """Buffers rows per partition; writes a file when a buffer is full and at bundle end."""

    def __init__(self, dataset: Dataset, directory: str, rows_per_file: int):
        self._dataset = dataset
        self._directory = directory
        self._rows_per_file = rows_per_file

    def start_bundle(self):
        self._buffers: dict = collections.defaultdict(list)

    def process(self, row) -> Iterator[WrittenFile]:
        partition = partition_of(row.published_date) if self._dataset.partitioned else None
        buffer = self._buffers[partition]
        buffer.append(row)
        if len(buffer) >= self._rows_per_file:
            yield self._flush(partition)

    def finish_bundle(self) -> Iterator[WindowedValue]:
        for partition in list(self._buffers):
            yield WindowedValue(self._flush(partition), MAX_TIMESTAMP, [GlobalWindow()])

    def _flush(self, partition) -> WrittenFile:
        rows = self._buffers.pop(partition)
        relative_path = f"{partition_dir(partition)}part-{uuid.uuid4().hex}.parquet"
        write_table(to_table(rows, self._dataset), self._path(relative_path))
        pause_point("writing")
        return WrittenFile(self._dataset.name, relative_path, len(rows))

    def _path(self, relative_path: str) -> str:
        return FileSystems.join(self._directory, self._dataset.name, relative_path)


class WriteDataset(beam.PTransform):
    """Rows -> Parquet files under `directory/<dataset>/`; outputs the `WrittenFile`s."""

    def __init__(
        self, dataset: Dataset, directory: str, *, rows_per_file: int = DEFAULT_ROWS_PER_FILE
    ):
        super().__init__()
        self._fn = _WriteParquetFn(dataset, directory, rows_per_file)

    def expand(self, rows):
        return rows | "WriteParquet" >> beam.ParDo(self._fn)


def _write_commit_record(files: list[WrittenFile], directory: str) -> None:
    payload = json.dumps([f._asdict() for f in sorted(files)], indent=1).encode()
    with FileSystems.create(FileSystems.join(directory, COMMITTED_FILES)) as handle:
        handle.write(payload)


class CommitWrittenFiles(beam.PTransform):
    """Collects every dataset's `WrittenFile`s into one commit record beside them."""

    def __init__(self, directory: str):
        super().__init__()
        self._directory = directory

    def expand(self, written_files):
        return (
            written_files
            | "Flatten" >> beam.Flatten()
            | "CollectFiles" >> beam.combiners.ToList()
            | "WriteCommitRecord" >> beam.Map(_write_commit_record, self._directory)
        )


def read_commit_record(directory: str) -> list[WrittenFile]:
    with FileSystems.open(FileSystems.join(directory, COMMITTED_FILES)) as handle:
        return [WrittenFile(**entry) for entry in json.loads(handle.read())]


def write_empty(dataset: Dataset, directory: str) -> WrittenFile:
    """A dataset with no rows still gets one empty file, so it reads back with its columns."""
    relative_path = (
        f"{partition_dir(UNDATED_PARTITION if dataset.partitioned else None)}part-empty.parquet"
    )
    write_table(
        dataset.schema.empty_table(), FileSystems.join(directory, dataset.name, relative_path)
    )
    return WrittenFile(dataset.name, relative_path, 0)


def committed_only(files: Iterable[WrittenFile], directory: str, dataset: Dataset) -> None:
    """Deletes files of a dataset that no successful bundle reported (retried bundles' leftovers)."""
    keep = {FileSystems.join(directory, dataset.name, f.relative_path) for f in files}
    pattern = FileSystems.join(directory, dataset.name, "**")
    stray = [m.path for m in FileSystems.match([pattern])[0].metadata_list if m.path not in keep]
    if stray:
        FileSystems.delete(stray)

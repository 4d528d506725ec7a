"""Hive-partitioned Parquet, written with the explicit schemas from `schemas/`.

Beam has no partitioned Parquet sink, so a DoFn buffers rows per partition and writes Arrow
tables with pyarrow through Beam's FileSystems, into the run's staging directory. Each file is
named by the rows it holds, so a bundle that a runner retries rewrites the same files rather
than adding copies; the driver then publishes every file in staging, after checking that the
rows in the staged files' footers equal the rows the writers counted (pipelines/counts.py), so
a bundle written twice would fail the run.

A row that Arrow refuses (a string no UTF-8 writer accepts, a number out of its column's range)
never fails its bundle: the buffer is converted row by row, a refused row is written again with
its strings escaped (`\\udce9`), and a row that still fails is left out. A left-out article or
duplicate becomes an `internal` error row for its input (its counters move with it, so the run's
counts still balance); a left-out row of a derived dataset is logged and counted
(`rows_rejected_<dataset>`).
"""

from __future__ import annotations

import collections
import hashlib
import itertools
import logging
from collections.abc import Iterator, Sequence
from typing import NamedTuple

import apache_beam as beam
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from apache_beam.io.filesystem import CompressionTypes
from apache_beam.io.filesystems import FileSystems
from apache_beam.metrics import Metrics
from apache_beam.transforms.window import GlobalWindow
from apache_beam.utils.timestamp import MAX_TIMESTAMP
from apache_beam.utils.windowed_value import WindowedValue

from schemas import (
    ARTICLES,
    DUPLICATES,
    ERRORS,
    UNDATED_PARTITION,
    Dataset,
    ErrorRecord,
    partition_dir,
    partition_of,
)
from transforms.errors import INTERNAL
from transforms.runner.checkpoints import pause_point

_LOG = logging.getLogger(__name__)
DEFAULT_ROWS_PER_FILE = 100_000
# Rows a writer holds across all partitions before it writes the biggest buffers out: bounds
# a worker's memory whatever the corpus size (about 100 MB of entity rows).
DEFAULT_MAX_BUFFERED_ROWS = 200_000


class WrittenFile(NamedTuple):
    dataset: str
    relative_path: str  # below the dataset directory, e.g. year=2018/month=12/part-x.parquet
    rows: int


def _partition_runs(table: pa.Table, partitioned: bool) -> Iterator[tuple[object, pa.Table]]:
    """(partition, slice) for each run of consecutive rows in one partition, in order."""
    if not table.num_rows:
        return
    if not partitioned:
        yield None, table
        return
    dates = table["published_date"]
    keys = pc.fill_null(pc.add(pc.multiply(pc.year(dates), 100), pc.month(dates)), 0)
    keys = keys.to_numpy()
    starts = [0, *(np.flatnonzero(keys[1:] != keys[:-1]) + 1).tolist(), len(keys)]
    for start, end in itertools.pairwise(starts):
        key = int(keys[start])
        yield (key // 100, key % 100), table.slice(start, end - start)


def to_table(rows: Sequence[NamedTuple], dataset: Dataset) -> pa.Table:
    """Rows to an Arrow table with exactly the dataset's schema (never inferred)."""
    columns = {name: [getattr(row, name) for row in rows] for name in dataset.schema.names}
    return pa.Table.from_pydict(columns, schema=dataset.schema)


# Datasets whose rows are inputs: a refused row becomes an `internal` error row for its input.
INPUT_DATASETS = (ARTICLES.name, DUPLICATES.name)
# What Arrow raises for a value that does not fit its column.
_CONVERSION_ERRORS = (pa.ArrowException, TypeError, ValueError, OverflowError, UnicodeError)


def _escaped(value):
    """Strings with what UTF-8 cannot hold (lone surrogates) written as backslash escapes."""
    if isinstance(value, str):
        return value.encode("utf-8", "backslashreplace").decode("utf-8")
    if isinstance(value, tuple | list):
        return type(value)(_escaped(v) for v in value)
    return value


def _counter_value(value) -> bool:
    """Whether a refused row's number can move between Beam counters (64-bit)."""
    return isinstance(value, int) and abs(value) < 2**62


def convert_rows(rows: Sequence[NamedTuple], dataset: Dataset) -> tuple[pa.Table, list]:
    """The rows as a table, and the rows that cannot be converted even escaped, with why.

    One call for the whole buffer; only when it fails, one call per row (slow, and rare)."""
    try:
        return to_table(rows, dataset), []
    except _CONVERSION_ERRORS:
        pass
    kept, refused = [], []
    for row in rows:
        for candidate in (row, type(row)(*map(_escaped, row))):
            try:
                to_table([candidate], dataset)
            except _CONVERSION_ERRORS as err:
                error = err
            else:
                kept.append(candidate)
                break
        else:
            refused.append((row, error))
    return to_table(kept, dataset), refused


def write_table(table: pa.Table, path: str) -> None:
    with FileSystems.create(path, compression_type=CompressionTypes.UNCOMPRESSED) as handle:
        pq.write_table(table, handle, compression="zstd")


def _file_name(dataset: Dataset, partition, table: pa.Table) -> str:
    """Named by content: a retried bundle rewrites the same rows under the same name (the
    Arrow IPC bytes of the identifying columns, in row order, are hashed)."""
    digest = hashlib.sha256(f"{dataset.name}/{partition}".encode())
    sink = pa.BufferOutputStream()
    keys = table.select(list(dataset.keys))
    # Fresh buffers: a slice of a larger table (what a writer given tables holds) keeps its
    # parent's buffers, and its IPC bytes differ from those of the same rows built anew.
    keys = pa.table(
        [pa.concat_arrays(column.chunks) if column.num_chunks else column for column in keys.columns],
        schema=keys.schema,
    )  # fmt: skip
    with pa.ipc.new_stream(sink, keys.schema) as stream:
        stream.write_table(keys)
    digest.update(sink.getvalue())
    return f"part-{digest.hexdigest()[:32]}.parquet"


class _WriteParquetFn(beam.DoFn):
    """Buffers rows per partition; writes a file when a buffer is full and at bundle end.

    The files are the output; the `WrittenFile` records are for logging only (the DaskRunner
    drops what `finish_bundle` emits, so nothing may depend on them).
    """

    def __init__(
        self, dataset: Dataset, directory: str, rows_per_file: int, max_buffered: int, lists: bool
    ):
        self._dataset = dataset
        self._directory = directory
        self._rows_per_file = rows_per_file
        self._max_buffered = max_buffered
        self._lists = lists
        self._rows_written = Metrics.counter("newsbeam", f"rows_written_{dataset.name}")

    def start_bundle(self):
        # A writer takes rows (or lists of them) or tables, not both: rows per partition, or
        # table slices per partition with their row counts.
        self._buffers: dict = collections.defaultdict(list)
        self._tables: dict = collections.defaultdict(list)
        self._table_rows: collections.Counter = collections.Counter()
        self._buffered = 0

    def process(self, element) -> Iterator[WrittenFile]:
        if isinstance(element, pa.Table):
            yield from self._process_table(element)
            return
        if self._tables:
            raise ValueError(f"the {self._dataset.name} writer takes rows or tables, not both")
        # One loop over the rows, no call per row: ~200k entity rows per 2000 articles.
        rows = element if self._lists else (element,)
        partitioned = self._dataset.partitioned
        for row in rows:
            partition = partition_of(row.published_date) if partitioned else None
            buffer = self._buffers[partition]
            buffer.append(row)
            self._buffered += 1
            if len(buffer) >= self._rows_per_file:
                yield self._flush(partition)
            elif self._buffered >= self._max_buffered:
                yield from self._flush_biggest()

    def _process_table(self, table: pa.Table) -> Iterator[WrittenFile]:
        """A table with the dataset's schema, buffered in slices exactly where the loop over
        rows above would have flushed: the same files, without a Python object per row."""
        if self._buffers:
            raise ValueError(f"the {self._dataset.name} writer takes rows or tables, not both")
        held = self._table_rows
        for partition, run in _partition_runs(table, self._dataset.partitioned):
            start = 0
            while start < run.num_rows:
                room = min(self._rows_per_file - held[partition],
                           self._max_buffered - self._buffered)  # fmt: skip
                taken = max(1, min(run.num_rows - start, room))
                self._tables[partition].append(run.slice(start, taken))
                held[partition] += taken
                self._buffered += taken
                start += taken
                if held[partition] >= self._rows_per_file:
                    yield self._flush(partition)
                elif self._buffered >= self._max_buffered:
                    yield from self._flush_biggest()

    def _held(self, partition) -> int:
        return len(self._buffers.get(partition, ())) + self._table_rows[partition]

    def _flush_biggest(self) -> Iterator[WrittenFile]:
        """Biggest partitions first, until half the budget is free: few, large files."""
        for biggest in sorted([*self._buffers, *self._tables], key=lambda p: -self._held(p)):
            yield self._flush(biggest)
            if self._buffered <= self._max_buffered // 2:
                break

    def finish_bundle(self) -> Iterator[WindowedValue]:
        for partition in [*self._buffers, *self._tables]:
            yield WindowedValue(self._flush(partition), MAX_TIMESTAMP, [GlobalWindow()])

    def _flush(self, partition) -> WrittenFile:
        if partition in self._buffers:
            rows = self._buffers.pop(partition)
            self._buffered -= len(rows)
            table, refused = convert_rows(rows, self._dataset)
            if refused:
                self._refuse(refused)
        else:
            table = pa.concat_tables(self._tables.pop(partition))
            self._buffered -= self._table_rows.pop(partition)
        relative_path = partition_dir(partition) + _file_name(self._dataset, partition, table)
        if table.num_rows:
            write_table(table, self._path(self._dataset, relative_path))
        self._rows_written.inc(table.num_rows)
        pause_point("writing")
        return WrittenFile(self._dataset.name, relative_path, table.num_rows)

    def _refuse(self, refused: list) -> None:
        """Rows Arrow refused: inputs become `internal` errors, derived rows are counted."""
        name = self._dataset.name
        Metrics.counter("newsbeam", f"rows_rejected_{name}").inc(len(refused))
        errors = []
        for row, error in refused:
            message = _escaped(f"writing {name} failed: {type(error).__name__}: {str(error)[:300]}")
            _LOG.warning("%s row %s not written: %s", name, _escaped(str(row)[:200]), message)
            if name in INPUT_DATASETS:
                errors.append(ErrorRecord(*map(_escaped, (row.source_path, INTERNAL, message,
                                                           row.run_id))))  # fmt: skip
        if not errors:
            return
        # The input's counters move from articles/duplicates to errors.
        if name == ARTICLES.name:
            Metrics.counter("newsbeam", "articles_tagged").dec(len(errors))
            words = sum(r.word_count for r, _ in refused if _counter_value(r.word_count))
            Metrics.counter("newsbeam", "words_tagged").dec(words)
        else:
            Metrics.counter("newsbeam", "duplicates").dec(len(errors))
        Metrics.counter("newsbeam", f"errors_{INTERNAL}").inc(len(errors))
        table = to_table(errors, ERRORS)
        write_table(table, self._path(ERRORS, _file_name(ERRORS, None, table)))
        Metrics.counter("newsbeam", f"rows_written_{ERRORS.name}").inc(len(errors))

    def _path(self, dataset: Dataset, relative_path: str) -> str:
        return FileSystems.join(self._directory, dataset.name, relative_path)


class WriteDataset(beam.PTransform):
    """Rows -> Parquet files under `directory/<dataset>/`; outputs `WrittenFile`s (for logs).

    With `lists=True` each element is a list of rows (as `TagArticles` emits entities).
    """

    def __init__(
        self,
        dataset: Dataset,
        directory: str,
        *,
        rows_per_file: int = DEFAULT_ROWS_PER_FILE,
        max_buffered_rows: int = DEFAULT_MAX_BUFFERED_ROWS,
        lists: bool = False,
    ):
        super().__init__()
        self._fn = _WriteParquetFn(dataset, directory, rows_per_file, max_buffered_rows, lists)

    def expand(self, rows):
        return rows | "WriteParquet" >> beam.ParDo(self._fn)


class AwaitWriters(beam.PTransform):
    """Joins every writer's output into the graph's last step.

    Runners that compute only the sinks the final step depends on (the DaskRunner computes the
    last transform of the graph) then still run every writer.
    """

    def expand(self, written_files):
        return (
            written_files
            | "FlattenWritten" >> beam.Flatten()
            | "LogWritten" >> beam.Map(lambda f: _LOG.debug("wrote %s", f) or f)
        )


def write_empty(dataset: Dataset, directory: str) -> WrittenFile:
    """A dataset with no rows still gets one empty file, so it reads back with its columns."""
    relative_path = (
        f"{partition_dir(UNDATED_PARTITION if dataset.partitioned else None)}part-empty.parquet"
    )
    write_table(
        dataset.schema.empty_table(), FileSystems.join(directory, dataset.name, relative_path)
    )
    return WrittenFile(dataset.name, relative_path, 0)


MARKER = "_marker"  # a one-byte file: its directory exists in the staging area


def write_marker(directory: str) -> None:
    """Marks `directory` of the staging area (any Beam filesystem) with a file: what the
    version build asks of a marker is that the directory exists."""
    # One byte, not none: Beam's S3 writer cannot complete an upload of an empty file.
    with FileSystems.create(FileSystems.join(directory, MARKER)) as handle:
        handle.write(b"\n")

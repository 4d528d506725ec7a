"""Reads every matching file with Beam's file IO, so any Beam filesystem (local, gs://, s3://) works."""

from __future__ import annotations

import os
import posixpath
from collections.abc import Iterator

import apache_beam as beam
from apache_beam.io.filesystem import CompressionTypes
from apache_beam.io.filesystems import FileSystems
from apache_beam.metrics import Metrics

from schemas import ErrorRecord
from transforms.errors import READ
from transforms.runner_compat import split_outputs


def input_pattern(path: str) -> str:
    """A directory (local, or any path ending in /) means every file below it, recursively;
    anything else is a single file or a glob."""
    if any(ch in path for ch in "*?["):
        return path
    if path.endswith("/") or ("://" not in path and os.path.isdir(path)):
        return path.rstrip("/") + "/**"
    return path


def is_hidden(path: str) -> bool:
    """Dotfiles (.gitkeep, .DS_Store) are not articles."""
    return posixpath.basename(path.replace("\\", "/")).startswith(".")


def list_inputs(pattern: str) -> list[str]:
    """The files a run will read, as the pipeline will match them (used for up-front checks)."""
    metadata = FileSystems.match([pattern])[0].metadata_list
    return sorted(m.path for m in metadata if not is_hidden(m.path))


class _ReadFileFn(beam.DoFn):
    def __init__(self, run_id: str):
        self._run_id = run_id
        self._files_read = Metrics.counter("newsbeam", "files_read")
        self._bytes_read = Metrics.counter("newsbeam", "bytes_read")
        self._unreadable = Metrics.counter("newsbeam", f"errors_{READ}")

    def process(self, path: str) -> Iterator[tuple[str, object]]:
        try:
            with FileSystems.open(path, compression_type=CompressionTypes.UNCOMPRESSED) as handle:
                data = handle.read()
        except OSError as err:
            message = f"the file could not be read: {err}"
            self._unreadable.inc()
            yield "errors", ErrorRecord(path, READ, message, self._run_id)
            return
        self._files_read.inc()
        self._bytes_read.inc(len(data))
        yield "files", (path, data)


class ReadRawFiles(beam.PTransform):
    """File paths -> `files` ((path, bytes), dotfiles skipped) and `errors` (ErrorRecord).

    The paths are the driver's listing (`list_inputs`), which an incremental run narrows to
    the new and changed files. Every runner splits a `Create` of them into partitions; a
    one-element `MatchFiles` input stays in one partition on the DaskRunner.
    """

    def __init__(self, paths: list[str], run_id: str):
        super().__init__()
        self._paths = paths
        self._run_id = run_id

    def expand(self, pbegin):
        tagged = (
            pbegin
            | "ListedFiles" >> beam.Create(self._paths)
            | "SkipHidden" >> beam.Filter(lambda path: not is_hidden(path))
            | "SpreadFiles" >> beam.Reshuffle()
            | "ReadFile" >> beam.ParDo(_ReadFileFn(self._run_id))
        )
        return split_outputs(tagged, "files", "errors")

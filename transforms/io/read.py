"""Lists and reads the input files with Beam's file IO, so any Beam filesystem (local, gs://,
s3://) works.

A local input folder is walked with `os.scandir`: symbolic links to folders are followed once
(a folder reached twice, as by a link loop, is skipped), and entries that are not regular files
(FIFOs, sockets, devices, dangling or looping links) are listed so that they become `read`
errors with a reason, never opened: reading a FIFO would block the run forever.
"""

from __future__ import annotations

import errno
import logging
import os
import posixpath
import re
import stat
from collections.abc import Iterator
from typing import NamedTuple

import apache_beam as beam
from apache_beam.io.filesystem import CompressionTypes
from apache_beam.io.filesystems import FileSystems
from apache_beam.metrics import Metrics

from schemas import ErrorRecord
from transforms.errors import READ, TOO_LARGE
from transforms.runner import split_outputs


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


DEFAULT_MAX_FILE_BYTES = 256 * 2**20
_LOG = logging.getLogger(__name__)
_KINDS = {
    stat.S_IFIFO: "a FIFO (named pipe)",
    stat.S_IFSOCK: "a socket",
    stat.S_IFCHR: "a character device",
    stat.S_IFBLK: "a block device",
    stat.S_IFDIR: "a directory",
}


def _local(path: str) -> bool:
    return "://" not in path


def printable_path(path: str) -> str:
    """The path itself, or, when a name in it is not valid UTF-8 (Python hands its bytes over as
    lone surrogates, which no Beam coder or Parquet writer accepts), the path with those bytes
    written as `\\xNN`. Such an entry is reported as a `read` error, never opened."""
    try:
        path.encode("utf-8")
    except UnicodeEncodeError:
        return os.fsencode(path).decode("utf-8", "backslashreplace")
    return path


_ESCAPED_BYTE = re.compile(rb"\\x([89a-f][0-9a-f])")


def _named_in_bytes(path: str) -> bool:
    """Whether `path` is the printable form of an entry whose name is not valid UTF-8."""
    if "\\x" not in path:
        return False
    raw = _ESCAPED_BYTE.sub(lambda m: bytes([int(m.group(1), 16)]), path.encode("utf-8"))
    return os.path.lexists(raw)


def not_readable_reason(path: str) -> str | None:
    """Why a local input must not be opened (not a regular file), or None when it may be."""
    if not _local(path):
        return None
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        if os.path.islink(path):
            return "a symbolic link to nothing (dangling)"
        if _named_in_bytes(path):
            return "its name is not valid UTF-8 (shown with \\x escapes); rename it to read it"
        return "vanished"
    except OSError as err:
        if err.errno == errno.ELOOP:
            return "a symbolic link loop"
        return f"cannot be inspected: {err.strerror}"
    if stat.S_ISREG(mode):
        return None
    return f"{_KINDS.get(stat.S_IFMT(mode), 'not a regular file')}, not a regular file"


def _walk_local(root: str) -> Iterator[tuple[str, os.stat_result | None]]:
    """Every non-directory entry below `root` (paths keep the root as given) with what `stat`
    says of it (None where it cannot), each folder visited once even when links lead to it
    again."""
    visited: set[str] = set()
    stack = [root]
    while stack:
        directory = stack.pop()
        real = os.path.realpath(directory)
        if real in visited:
            _LOG.warning(
                "not listing %s again: a link leads back to a folder already listed", directory
            )
            continue
        visited.add(real)
        try:
            entries = sorted(os.scandir(directory), key=lambda entry: entry.name)
        except OSError as err:
            _LOG.warning("cannot list %s: %s", directory, err.strerror)
            continue
        for entry in entries:
            path = posixpath.join(directory, entry.name)
            try:
                is_dir = entry.is_dir(follow_symlinks=True)
            except OSError:
                is_dir = False
            if is_dir:
                stack.append(path)
                continue
            try:
                yield path, entry.stat(follow_symlinks=True)
            except OSError:  # a dangling or looping link: a `read` error later
                yield path, None


class ListedFile(NamedTuple):
    """An input as the listing saw it: its size and modification time (seconds since the
    epoch; a local file's mtime, an object's LastModified), None where the listing has none."""

    path: str
    size: int | None
    modified: float | None


def list_input_files(pattern: str) -> list[ListedFile]:
    """The inputs a run reads: regular files, and the other entries it reports as `read`
    errors, with their size and modification time from the listing itself (no request per
    file on an object store). Dotfiles are skipped."""
    if _local(pattern) and pattern.endswith("/**") and "*" not in pattern[:-3]:
        listed = [
            (path, None if st is None else st.st_size, None if st is None else st.st_mtime_ns / 1e9)
            for path, st in _walk_local(pattern[:-3] or "/")
        ]
    else:
        metadata = FileSystems.match([pattern])[0].metadata_list
        if not metadata and "://" in pattern and not any(ch in pattern for ch in "*?["):
            # An object store has no directories: a prefix that names no object means every
            # object below it, as a local directory does.
            metadata = FileSystems.match([pattern + "/**"])[0].metadata_list
        listed = [(m.path, m.size_in_bytes, m.last_updated_in_seconds or None) for m in metadata]
    return sorted(
        ListedFile(printable_path(path), size, modified)
        for path, size, modified in listed
        if not is_hidden(path)
    )


def list_inputs(pattern: str) -> list[str]:
    """The paths of `list_input_files`."""
    return [listed.path for listed in list_input_files(pattern)]


class _ReadFileFn(beam.DoFn):
    def __init__(self, run_id: str, max_file_bytes: int):
        self._run_id = run_id
        self._max_file_bytes = max_file_bytes
        self._files_read = Metrics.counter("newsbeam", "files_read")
        self._bytes_read = Metrics.counter("newsbeam", "bytes_read")
        self._not_read = Metrics.counter("newsbeam", "files_not_read")

    def _error(self, path: str, code: str, message: str) -> tuple[str, ErrorRecord]:
        Metrics.counter("newsbeam", f"errors_{code}").inc()
        self._not_read.inc()
        return "errors", ErrorRecord(path, code, message, self._run_id)

    def process(self, path: str) -> Iterator[tuple[str, object]]:
        reason = not_readable_reason(path)
        if reason is not None:
            yield self._error(path, READ, f"not read: {reason}")
            return
        if _local(path) and (size := os.path.getsize(path)) > self._max_file_bytes:
            message = f"the file has {size:,} bytes, over the limit of {self._max_file_bytes:,}"
            yield self._error(path, TOO_LARGE, message)
            return
        try:
            with FileSystems.open(path, compression_type=CompressionTypes.UNCOMPRESSED) as handle:
                data = handle.read()
        except OSError as err:
            yield self._error(path, READ, f"the file could not be read: {err}")
            return
        self._files_read.inc()
        self._bytes_read.inc(len(data))
        yield "files", (path, data)


class ReadRawFiles(beam.PTransform):
    """File paths -> `files` ((path, bytes), dotfiles skipped) and `errors` (ErrorRecord: a
    `read` error for an entry that is not a regular file, `too_large` for a file over
    `max_file_bytes`, never read into memory).

    The paths are the driver's listing (`list_inputs`), which an incremental run narrows to
    the new and changed files. Every runner splits a `Create` of them into partitions; a
    one-element `MatchFiles` input stays in one partition on the DaskRunner.
    """

    def __init__(self, paths: list[str], run_id: str, max_file_bytes: int = DEFAULT_MAX_FILE_BYTES):
        super().__init__()
        self._paths = paths
        self._run_id = run_id
        self._max_file_bytes = max_file_bytes

    def expand(self, pbegin):
        tagged = (
            pbegin
            | "ListedFiles" >> beam.Create(self._paths)
            | "SkipHidden" >> beam.Filter(lambda path: not is_hidden(path))
            | "SpreadFiles" >> beam.Reshuffle()
            | "ReadFile" >> beam.ParDo(_ReadFileFn(self._run_id, self._max_file_bytes))
        )
        return split_outputs(tagged, "files", "errors")

"""Elements that wait at a barrier wait in files, not in the runner.

Some steps need the whole corpus first: deduplication groups every parsed article, the stories
need every signature, the corpus-level name resolver needs every article's mentions. What waits
for them sits in the runner's shuffle, and on the local FnApiRunner that is the driver process,
where it grows with the corpus (issue 12). Only `LocalProfile` (transforms/runner/profile.py)
spills; on every other runner the shuffle is the runner's, and nothing is spilled. `SpillToFiles` writes each element where it is made (a zlib-compressed pickle, below the
run's staging directory) and passes on only a `Spilled` reference, (path, offset, size);
`read_spilled` loads it on the far side of the barrier. The files go away with the run's
staging directory; the version build never reads them (it reads datasets by name).

`local.Compacted` writes a CombineFn's large partial accumulators the same way.

Each thread of each process appends to a file of its own (`append_spill`): one file per
element cost a file creation each (three per article), far slower than appends to one file
(docs/performance.md). A record is written in `process`, by an open-append-close, so a
reference is only ever handed on once its bytes are written and the file closed. A retried
bundle appends its records again; the earlier copies are never referenced.
"""

from __future__ import annotations

import os
import pickle
import threading
import uuid
import zlib
from collections.abc import Callable, Iterator
from typing import Any

import apache_beam as beam

SPILL = "_spill"  # below a run's staging directory

Spilled = tuple[str, int, int]  # (path, offset, size): a plain tuple, which Beam's coder encodes
_FILES = threading.local()  # this thread's file per directory


def packed(value) -> bytes:
    """`value` as a zlib-compressed pickle (what a spill record holds)."""
    return zlib.compress(pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL), 1)


def unpacked(data: bytes):
    return pickle.loads(zlib.decompress(data))


def _own_file(directory: str) -> str:
    """This process and thread's file in `directory` (no other writer appends to it)."""
    files = getattr(_FILES, "by_directory", None)
    if files is None or _FILES.pid != os.getpid():  # a forked child gets its own files
        files = _FILES.by_directory = {}
        _FILES.pid = os.getpid()
    if directory not in files:
        os.makedirs(directory, exist_ok=True)
        files[directory] = os.path.join(directory, f"{os.getpid()}-{uuid.uuid4().hex}.spill")
    return files[directory]


def append_spill(directory: str, data: bytes) -> Spilled:
    """Appends `data` to this thread's file in `directory`; returns where it is."""
    path = _own_file(directory)
    with open(path, "ab") as handle:
        offset = handle.tell()  # append mode starts at the end
        handle.write(data)
    return path, offset, len(data)


def read_spilled(spilled: Spilled):
    path, offset, size = spilled
    with open(path, "rb") as handle:
        handle.seek(offset)
        data = handle.read(size)
    if len(data) != size:
        raise OSError(f"spill file {path} is truncated: {size} bytes expected at {offset}")
    return unpacked(data)


class _SpillFn(beam.DoFn):
    def __init__(self, directory: str, key: Callable | None):
        self._directory = directory
        self._key = key

    def process(self, element) -> Iterator[Any]:  # Spilled, or (key, Spilled) with a key
        spilled = append_spill(self._directory, packed(element))
        yield spilled if self._key is None else (self._key(element), spilled)


class SpillToFiles(beam.PTransform):
    """Elements -> `Spilled` references to them (read them back with `read_spilled`), or
    (key(element), reference) with `key`."""

    def __init__(self, directory: str, key: Callable | None = None):
        super().__init__()
        self._directory = directory
        self._key = key

    def expand(self, elements):
        return elements | "Spill" >> beam.ParDo(_SpillFn(self._directory, self._key))

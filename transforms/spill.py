"""Elements that wait at a barrier wait in files, not in the runner.

Some steps need the whole corpus first: deduplication groups every parsed article, the stories
need every signature, the corpus-level name resolver needs every article's mentions. What waits
for them sits in the runner's shuffle, and on the local FnApiRunner that is the driver process:
the mentions of 2,000 articles alone took about 130 MB there, growing with the corpus (issue
12). `SpillToFiles` writes each element where it is made (one zlib-compressed pickle per
element, below the run's staging directory, named by its content so a retried bundle rewrites
the same file) and passes on only the path; `read_spilled` loads it on the far side of the
barrier. The files go away with the run's staging directory; the version build never reads
them (it reads datasets by name).

`runner_compat.Compacted` writes a CombineFn's large partial accumulators the same way.

One file per element, written in `process`, because the DaskRunner drops what `finish_bundle`
emits (transforms/runner_compat.py): a path is only ever handed on once its file is complete.
"""

from __future__ import annotations

import hashlib
import pickle
import zlib
from collections.abc import Callable, Iterator

import apache_beam as beam
from apache_beam.io.filesystem import CompressionTypes
from apache_beam.io.filesystems import FileSystems

SPILL = "_spill"  # below a run's staging directory


def packed(value) -> bytes:
    """`value` as a zlib-compressed pickle (what a spill file holds)."""
    return zlib.compress(pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL), 1)


def unpacked(data: bytes):
    return pickle.loads(zlib.decompress(data))


def write_spill_file(directory: str, data: bytes) -> str:
    """Writes `data` to a file in `directory` named by its content; returns its path."""
    digest = hashlib.sha256(data).hexdigest()
    path = FileSystems.join(directory, digest[:2], f"{digest[2:34]}.pickle")
    with FileSystems.create(path, compression_type=CompressionTypes.UNCOMPRESSED) as handle:
        handle.write(data)
    return path


class _SpillFn(beam.DoFn):
    def __init__(self, directory: str, key: Callable | None):
        self._directory = directory
        self._key = key

    def process(self, element) -> Iterator[str | tuple]:
        path = write_spill_file(self._directory, packed(element))
        yield path if self._key is None else (self._key(element), path)


class SpillToFiles(beam.PTransform):
    """Elements -> paths of files that hold them (read them back with `read_spilled`), or
    (key(element), path) with `key`."""

    def __init__(self, directory: str, key: Callable | None = None):
        super().__init__()
        self._directory = directory
        self._key = key

    def expand(self, elements):
        return elements | "Spill" >> beam.ParDo(_SpillFn(self._directory, self._key))


def read_spilled(path: str):
    with FileSystems.open(path, compression_type=CompressionTypes.UNCOMPRESSED) as handle:
        return unpacked(handle.read())

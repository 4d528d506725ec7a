"""Where an output lives: a local directory or a prefix of an object store, behind one API.

Every path is a string (a local path or a URL such as `s3://bucket/out/_versions/<run>`); the
files are read and written through Beam's `FileSystems`, so any filesystem Beam has (S3, GCS,
Azure, HDFS) works. The few operations that differ between a disk and an object store are
methods of a `Storage`:

    operation        local directory (`LocalStorage`)        object store (`ObjectStorage`)
    link(src, dst)   hard link (no copy)                      server-side copy
    move(src, dst)   one rename                               copy, then delete
    current marker   `_current`, a symlink swapped by rename  `_current`, a small object whose
                                                              text is `_versions/<run_id>`
                                                              (one PUT: readers see the old or
                                                              the new text)
    lock             flock, dropped by the kernel at death    a lease object created with a
                                                              conditional PUT (layout.py)
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

from apache_beam.io.filesystem import CompressionTypes
from apache_beam.io.filesystems import FileSystems

_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*://")
_RAW = CompressionTypes.UNCOMPRESSED


def is_url(path: str) -> bool:
    """`s3://...`, `gs://...`; a plain path (or `file://`?) is local."""
    return bool(_SCHEME.match(str(path)))


def relative(path: str, root: str) -> str:
    """`path` below `root`, with `/` separators."""
    path, root = str(path), str(root).rstrip("/")
    if not path.startswith(root + "/"):
        raise ValueError(f"{path!r} is not below {root!r}")
    return path[len(root) + 1 :]


def parent(path: str) -> str:
    return str(path).rstrip("/").rsplit("/", 1)[0]


def name(path: str) -> str:
    return str(path).rstrip("/").rsplit("/", 1)[-1]


class Storage:
    """Operations on files below an output root, through Beam's FileSystems."""

    local = False

    def __init__(self, root: str):
        self.root = str(root).rstrip("/") if is_url(root) else os.path.abspath(root)

    def join(self, *parts: str) -> str:
        return FileSystems.join(self.root, *parts) if parts else self.root

    def files(self, prefix: str, suffix: str = ".parquet") -> list[str]:
        """Every file below `prefix` whose name ends with `suffix`, sorted."""
        pattern = FileSystems.join(str(prefix), f"**{suffix}")
        matched = FileSystems.match([pattern])[0].metadata_list
        return sorted(m.path for m in matched)

    def exists(self, path: str) -> bool:
        return FileSystems.exists(str(path))

    def read_bytes(self, path: str) -> bytes:
        with FileSystems.open(str(path), compression_type=_RAW) as handle:
            return handle.read()

    def write_bytes(self, path: str, data: bytes) -> None:
        """Writes a whole file: one PUT on an object store (readers see all of it or none)."""
        with FileSystems.create(str(path), compression_type=_RAW) as handle:
            handle.write(data)

    def open(self, path: str):
        return FileSystems.open(str(path), compression_type=_RAW)

    def link(self, source: str, destination: str) -> None:
        FileSystems.copy([source], [destination])

    def move(self, source: str, destination: str) -> None:
        FileSystems.rename([source], [destination])

    def delete(self, path: str) -> None:
        FileSystems.delete([path])

    def delete_tree(self, prefix: str) -> None:
        paths = self.files(prefix, suffix="")
        if paths:
            FileSystems.delete(paths)

    def children(self, prefix: str) -> list[str]:
        """Names of the entries directly below `prefix` (on an object store, the first path
        segment of every key below it)."""
        below = str(prefix).rstrip("/")
        return sorted({relative(p, below).split("/", 1)[0] for p in self.files(below, "")})

    def read_current(self) -> str | None:
        """The published version's path relative to the root (`_versions/<run_id>`)."""
        marker = self.join("_current")
        if not self.exists(marker):
            return None
        return self.read_bytes(marker).decode().strip() or None

    def set_current(self, relative_version: str) -> None:
        self.write_bytes(self.join("_current"), f"{relative_version}\n".encode())


class LocalStorage(Storage):
    """A local (or shared POSIX) directory: hard links, renames and a symlink for `_current`."""

    local = True

    def files(self, prefix: str, suffix: str = ".parquet") -> list[str]:
        directory = Path(prefix)
        if not directory.is_dir():
            return []
        return sorted(str(p) for p in directory.rglob(f"*{suffix}") if p.is_file())

    def exists(self, path: str) -> bool:
        return os.path.lexists(path)

    def write_bytes(self, path: str, data: bytes) -> None:
        """Writes a temporary file and renames it: readers see the old file or the new one."""
        os.makedirs(os.path.dirname(path), exist_ok=True)
        temporary = f"{path}.tmp"
        with open(temporary, "wb") as handle:
            handle.write(data)
        os.replace(temporary, path)

    def open(self, path: str):
        return open(path, "rb")

    def link(self, source: str, destination: str) -> None:
        os.makedirs(os.path.dirname(destination), exist_ok=True)
        os.link(source, destination)

    def move(self, source: str, destination: str) -> None:
        os.makedirs(os.path.dirname(destination), exist_ok=True)
        os.replace(source, destination)

    def delete(self, path: str) -> None:
        os.unlink(path)

    def delete_tree(self, prefix: str) -> None:
        shutil.rmtree(prefix, ignore_errors=True)

    def children(self, prefix: str) -> list[str]:
        return sorted(os.listdir(prefix)) if os.path.isdir(prefix) else []

    def read_current(self) -> str | None:
        link = self.join("_current")
        if not os.path.islink(link) or not os.path.isdir(link):
            return None
        return os.readlink(link)

    def set_current(self, relative_version: str) -> None:
        """Points `_current` at the version with one atomic rename of a new symlink."""
        link = self.join("_current")
        temporary = os.path.join(os.path.dirname(link), "._current.tmp")
        if os.path.lexists(temporary):
            os.unlink(temporary)
        os.symlink(relative_version, temporary)
        os.replace(temporary, link)


class ObjectStorage(Storage):
    """A prefix of an object store (S3, GCS, ...): copies for links, an object for `_current`."""

    def set_current(self, relative_version: str) -> None:
        """One PutObject on S3 (Beam's writer makes every file a multipart upload)."""
        if not self.root.startswith("s3://"):
            return super().set_current(relative_version)
        from pipelines.store.objectlock import put_object

        put_object(self.join("_current"), f"{relative_version}\n".encode())


def storage_for(root: str | os.PathLike) -> Storage:
    root = os.fspath(root)
    return ObjectStorage(root) if is_url(root) else LocalStorage(root)

"""The cache directory: what a process derives once from what the packages ship (the
decompressed language model, the gazetteer) and later processes reuse. `NEWSBEAM_CACHE_DIR`,
else `$XDG_CACHE_HOME/newsbeam`, else `~/.cache/newsbeam`; nothing in it is a result, and an
unwritable one only costs the time (docs/operations.md)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

CACHE_DIR_ENV = "NEWSBEAM_CACHE_DIR"


def cache_dir() -> Path:
    if os.environ.get(CACHE_DIR_ENV):
        return Path(os.environ[CACHE_DIR_ENV])
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "newsbeam"


def write_cache_file(path: Path, data: bytes) -> None:
    """Writes one file of the cache directory so that a reader never sees half of it; of two
    processes writing it at once, the last one wins (with the same bytes)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}-", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.replace(temporary, path)
    except BaseException:
        os.unlink(temporary)
        raise

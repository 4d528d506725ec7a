"""Helpers for tests that run the real command, and for tests of the cache directory."""

from __future__ import annotations

import pickle
import subprocess
import sys
import zlib
from collections.abc import Iterator
from pathlib import Path

import pandas as pd

from schemas import ALL_DATASETS

VOLATILE = ["run_id", "processed_at"]
DATASET_NAMES = tuple(ALL_DATASETS)  # every dataset a version holds


def fresh_cache(cached, tmp_path: Path, monkeypatch) -> Iterator[Path]:
    """For a fixture: `cached`'s per-process cache emptied before and after, and the cache
    directory (`NEWSBEAM_CACHE_DIR`) moved to an empty `tmp_path / "cache"`, which it yields."""
    from transforms.cache import CACHE_DIR_ENV

    monkeypatch.setenv(CACHE_DIR_ENV, str(tmp_path / "cache"))
    cached.cache_clear()
    yield tmp_path / "cache"
    cached.cache_clear()


def spilled_records(directory: Path) -> list:
    """Every record of every spill file below `directory` (each is one zlib stream)."""
    records = []
    for path in sorted(directory.rglob("*.spill")):
        data = path.read_bytes()
        while data:
            stream = zlib.decompressobj()
            records.append(pickle.loads(stream.decompress(data)))
            data = stream.unused_data
    return records


def command(*args: str) -> list[str]:
    return [sys.executable, "-m", "pipelines.tag_articles", *args]


def run_pipeline(
    *args: str, env: dict | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess:
    return subprocess.run(
        command(*args), capture_output=True, text=True, timeout=600, check=False, env=env,
        cwd=cwd,
    )  # fmt: skip


def read_dataset(output: Path, name: str, *, drop_volatile: bool = True) -> pd.DataFrame:
    frame = pd.read_parquet(output / name)
    if drop_volatile:
        frame = frame.drop(columns=[c for c in VOLATILE if c in frame.columns])
    return frame


def sorted_rows(frame: pd.DataFrame) -> list[str]:
    return sorted(map(repr, frame.astype(str).itertuples(index=False)))


def snapshot(output: Path, *, drop_volatile: bool = False) -> dict[str, list[str]]:
    """Every row of every dataset, as plain pandas reads them."""
    return {
        name: sorted_rows(read_dataset(output, name, drop_volatile=drop_volatile))
        for name in DATASET_NAMES
    }

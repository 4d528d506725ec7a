"""Helpers for tests that run the real command, and for tests of the cache directory."""

from __future__ import annotations

import contextlib
import gc
import io
import logging
import os
import pickle
import subprocess
import sys
import traceback
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
    *args: str, cwd: Path | None = None, separate: bool = False
) -> subprocess.CompletedProcess:
    """The command with `args`: its exit code, stdout and stderr. It runs in this process
    (`run_in_process`); with `separate`, in a new Python process, as a user starts it."""
    if separate:
        return subprocess.run(
            command(*args), capture_output=True, text=True, timeout=600, check=False, cwd=cwd
        )
    return run_in_process(*args, cwd=cwd)


def run_in_process(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    """`pipelines.tag_articles.run(args)` in this process, with the command's logging set-up,
    in `cwd`: what it prints and returns, as `subprocess.run` would give them (an exception
    that escapes is printed as a traceback, exit code 1). What the process has loaded (imports,
    the tagger, the gazetteer) stays for the next run, as it does in a Dask worker; that saves
    about 3 s a run. The run's process-wide settings (logging, the collector's, the directory)
    are put back afterwards."""
    from pipelines import tag_articles

    out, err = io.StringIO(), io.StringIO()
    root = logging.getLogger()
    saved_logging = root.handlers[:], root.level
    saved_levels = {name: logging.getLogger(name).level for name in tag_articles.NOISY_LOGGERS}
    saved_gc = gc.get_threshold()
    saved_dir = os.getcwd()
    try:
        if cwd is not None:
            os.chdir(cwd)
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            tag_articles.configure_logging(err)
            try:
                code = tag_articles.run(list(args))
            except SystemExit as exit_:  # as the interpreter maps it
                code = exit_.code if isinstance(exit_.code, int) else int(exit_.code is not None)
            except Exception:
                traceback.print_exc()
                code = 1
    finally:
        os.chdir(saved_dir)
        root.handlers[:] = saved_logging[0]
        root.setLevel(saved_logging[1])
        for name, level in saved_levels.items():
            logging.getLogger(name).setLevel(level)
        gc.unfreeze()  # the run froze what was alive (profile.settle)
        gc.set_threshold(*saved_gc)
    return subprocess.CompletedProcess(command(*args), code, out.getvalue(), err.getvalue())


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

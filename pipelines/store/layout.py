"""The output directory: one writer at a time, staging, atomic publish, run manifests.

Layout of `--output`:
    _lock                   held (flock) by the run that writes; released by the kernel on death
    _staging/<run_id>/      a run in progress (or a dead run's leftovers, removed by the next run)
    _versions/<run_id>/     a complete, immutable version of every dataset
    _current -> _versions/<run_id>        swapped atomically with one rename
    articles -> _current/articles          stable paths for readers (likewise the other datasets)
    _runs/<run_id>.json     one manifest per run
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import os
import shutil
import socket
import tempfile
from pathlib import Path

from schemas import ALL_DATASETS
from transforms.runner.checkpoints import pause_point

STAGING = "_staging"
VERSIONS = "_versions"
CURRENT = "_current"
RUNS = "_runs"
LOCK = "_lock"


class OutputError(ValueError):
    pass


class LockedError(RuntimeError):
    pass


def check_writable(output: Path) -> None:
    """Fails fast, before any work, when the output directory cannot be used."""
    try:
        output.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=output, prefix=".write-check-"):
            pass
    except OSError as err:
        raise OutputError(
            f"output directory {str(output)!r} is not writable: {err.strerror}"
        ) from err
    for name in ALL_DATASETS:
        path = output / name
        if path.exists() and not path.is_symlink():
            raise OutputError(
                f"{str(path)!r} exists and was not written by newsbeam; move it away or pick "
                "another --output"
            )


class OutputLock:
    """An exclusive flock on `<output>/_lock`. The kernel drops it when the holder dies, even by
    SIGKILL, so a crashed run never blocks the next one; its details stay in the file."""

    def __init__(self, output: Path, run_id: str):
        self._path = output / LOCK
        self._run_id = run_id
        self._handle = None
        self.previous_holder: dict | None = None

    def acquire(self) -> OutputLock:
        handle = open(self._path, "a+")  # noqa: SIM115 (held open for the whole run)
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "unknown"
            handle.close()
            raise LockedError(
                f"another newsbeam run is writing to {str(self._path.parent)!r} ({holder})"
            ) from None
        handle.seek(0)
        text = handle.read().strip()
        self.previous_holder = json.loads(text) if text.startswith("{") else None
        handle.seek(0)
        handle.truncate()
        handle.write(
            json.dumps({"run_id": self._run_id, "pid": os.getpid(), "host": socket.gethostname()})
        )
        handle.flush()
        self._handle = handle
        return self

    def release(self) -> None:
        if self._handle is not None:
            self._handle.seek(0)
            self._handle.truncate()
            self._handle.flush()
            fcntl.flock(self._handle, fcntl.LOCK_UN)
            self._handle.close()
            self._handle = None


def staging_dir(output: Path, run_id: str) -> Path:
    return output / STAGING / run_id


def current_version(output: Path) -> Path | None:
    link = output / CURRENT
    return link.resolve() if link.is_symlink() and link.resolve().is_dir() else None


def clean_up_dead_runs(output: Path) -> list[str]:
    """Under the lock: removes what runs that died left behind; returns their run ids."""
    dead: set[str] = set()
    staging = output / STAGING
    if staging.is_dir():
        for path in staging.iterdir():
            dead.add(path.name)
            shutil.rmtree(path, ignore_errors=True)
    current = current_version(output)
    versions = output / VERSIONS
    if versions.is_dir():
        for path in versions.iterdir():
            # A version newer than the current one was never published: its run died mid-publish.
            if current is None or (path.name > current.name and path.resolve() != current):
                dead.add(path.name)
                shutil.rmtree(path, ignore_errors=True)
    for manifest in (output / RUNS).glob("*.json") if (output / RUNS).is_dir() else ():
        data = json.loads(manifest.read_text())
        if data.get("status") == "running":
            data["status"] = "died"
            write_manifest(output, data["run_id"], data)
            dead.add(data["run_id"])
    return sorted(dead)


def _replace_symlink(link: Path, target: str) -> None:
    """Points `link` at `target` with one atomic rename; readers see the old or the new target."""
    temporary = link.with_name(f".{link.name}.tmp")
    if temporary.is_symlink() or temporary.exists():
        temporary.unlink()
    os.symlink(target, temporary)
    os.replace(temporary, link)


def publish(output: Path, built: Path, run_id: str, keep_versions: int = 2) -> Path:
    """Moves a built version into `_versions` and makes it current with one atomic rename.

    Older versions beyond `keep_versions` are deleted; keeping at least one previous version
    lets readers that listed files just before the swap finish reading them.
    """
    version = output / VERSIONS / run_id
    version.parent.mkdir(parents=True, exist_ok=True)
    os.replace(built, version)
    pause_point("publish")
    _replace_symlink(output / CURRENT, f"{VERSIONS}/{run_id}")
    for name in ALL_DATASETS:
        link = output / name
        if not link.is_symlink():
            os.symlink(f"{CURRENT}/{name}", link)
    _prune_versions(output, keep_versions)
    return version


def _prune_versions(output: Path, keep_versions: int) -> None:
    current = os.readlink(output / CURRENT).rsplit("/", 1)[-1]
    versions = sorted(p.name for p in (output / VERSIONS).iterdir())
    old = [name for name in versions if name != current]
    for name in old[: max(len(old) - (keep_versions - 1), 0)]:
        shutil.rmtree(output / VERSIONS / name, ignore_errors=True)


def write_manifest(output: Path, run_id: str, manifest: dict) -> Path:
    path = output / RUNS / f"{run_id}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".json.tmp")
    temporary.write_text(json.dumps(manifest, indent=2, sort_keys=True, default=str) + "\n")
    os.replace(temporary, path)
    return path


def read_manifests(output: Path) -> list[dict]:
    runs = output / RUNS
    if not runs.is_dir():
        return []
    return [json.loads(p.read_text()) for p in sorted(runs.glob("*.json"))]


def utc_now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")

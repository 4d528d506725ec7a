"""The output: one writer at a time, staging, atomic publish, run manifests.

Layout of `--output` (a local directory, or a prefix of an object store: pipelines/store/storage.py):
    _lock                   held by the run that writes (locally a flock, which the kernel drops
                            when the holder dies; on an object store a lease: see ObjectLock)
    _staging/<run_id>/      a run in progress (or a dead run's leftovers, removed by the next run)
    _versions/<run_id>/     a complete, immutable version of every dataset
    _current                the published version: locally a symlink to `_versions/<run_id>`
                            swapped with one rename; on an object store an object whose text is
                            `_versions/<run_id>`, written with one PUT after the whole version
    articles -> _current/articles          stable paths for readers (local directories only)
    _runs/<run_id>.json     one manifest per run
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import os
import socket
import tempfile
from pathlib import Path

from pipelines.store.storage import LocalStorage, Storage, name, storage_for
from schemas import ALL_DATASETS
from transforms.runner.checkpoints import pause_point

STAGING = "_staging"
VERSIONS = "_versions"
CURRENT = "_current"
RUNS = "_runs"
LOCK = "_lock"
DEFAULT_LEASE_SECONDS = 300.0


class OutputError(ValueError):
    pass


class LockedError(RuntimeError):
    pass


def check_writable(output: str | os.PathLike) -> None:
    """Fails fast, before any work, when the output cannot be used."""
    store = storage_for(output)
    if not store.local:
        _check_object_store(store)
        return
    path = Path(store.root)
    try:
        path.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path, prefix=".write-check-"):
            pass
    except OSError as err:
        raise OutputError(
            f"output directory {str(output)!r} is not writable: {err.strerror}"
        ) from err
    for dataset in ALL_DATASETS:
        entry = path / dataset
        if entry.exists() and not entry.is_symlink():
            raise OutputError(
                f"{str(entry)!r} exists and was not written by newsbeam; move it away or pick "
                "another --output"
            )


def _check_object_store(store: Storage) -> None:
    from pipelines.store.objectlock import check_bucket

    check_bucket(store.root)


def output_lock(
    output: str | os.PathLike, run_id: str, lease_seconds: float = DEFAULT_LEASE_SECONDS
):
    """The lock of this output's kind (a flock on disk, a lease object on an object store)."""
    store = storage_for(output)
    if store.local:
        return OutputLock(Path(store.root), run_id)
    from pipelines.store.objectlock import ObjectLock

    return ObjectLock(store.join(LOCK), run_id, lease_seconds)


def holder_text(run_id: str) -> str:
    return json.dumps({"run_id": run_id, "pid": os.getpid(), "host": socket.gethostname()})


class OutputLock:
    """An exclusive flock on `<output>/_lock`. The kernel drops it when the holder dies, even by
    SIGKILL, so a crashed run never blocks the next one; its details stay in the file."""

    def __init__(self, output: Path, run_id: str):
        self._path = Path(output) / LOCK
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
        handle.write(holder_text(self._run_id))
        handle.flush()
        self._handle = handle
        return self

    def check_held(self) -> None:
        """The kernel holds a flock for as long as the process lives."""

    def release(self) -> None:
        if self._handle is not None:
            self._handle.seek(0)
            self._handle.truncate()
            self._handle.flush()
            fcntl.flock(self._handle, fcntl.LOCK_UN)
            self._handle.close()
            self._handle = None


def staging_dir(output: str | os.PathLike, run_id: str) -> str:
    return storage_for(output).join(STAGING, run_id)


def current_version(output: str | os.PathLike) -> str | None:
    """The published version's path (a local path or a URL), or None before the first run."""
    store = storage_for(output)
    current = store.read_current()
    return store.join(current) if current else None


def clean_up_dead_runs(output: str | os.PathLike) -> list[str]:
    """Under the lock: removes what runs that died left behind; returns their run ids."""
    store = storage_for(output)
    dead: set[str] = set()
    for run_id in store.children(store.join(STAGING)):
        dead.add(run_id)
        store.delete_tree(store.join(STAGING, run_id))
    current = store.read_current()
    current_id = name(current) if current else None
    for run_id in store.children(store.join(VERSIONS)):
        # A version newer than the current one was never published: its run died mid-publish.
        if current_id is None or run_id > current_id:
            dead.add(run_id)
            store.delete_tree(store.join(VERSIONS, run_id))
    for manifest in read_manifests(output):
        if manifest.get("status") == "running":
            manifest["status"] = "died"
            write_manifest(output, manifest["run_id"], manifest)
            dead.add(manifest["run_id"])
    return sorted(dead)


def version_dir(output: str | os.PathLike, run_id: str) -> str:
    return storage_for(output).join(VERSIONS, run_id)


def build_dir(output: str | os.PathLike, run_id: str) -> str:
    """Where a run builds its version: in its staging directory on a disk (then renamed into
    `_versions`); on an object store directly in `_versions/<run_id>` (a rename would copy every
    file), which no reader sees before `_current` names it."""
    store = storage_for(output)
    if store.local:
        return store.join(STAGING, run_id, "version")
    return version_dir(output, run_id)


def publish(
    output: str | os.PathLike, built: str, run_id: str, keep_versions: int = 2, lock=None
) -> str:
    """Makes a built version current: locally one rename into `_versions` and one atomic rename
    of the `_current` symlink; on an object store one PUT of `_current`.

    Older versions beyond `keep_versions` are deleted; keeping at least one previous version
    lets readers that listed files just before the swap finish reading them.
    """
    store = storage_for(output)
    version = version_dir(output, run_id)
    if store.local:
        os.makedirs(os.path.dirname(version), exist_ok=True)
        os.replace(built, version)
    pause_point("publish")
    if lock is not None:
        lock.check_held()  # a lease that lapsed may have let another run in: publish nothing
    store.set_current(f"{VERSIONS}/{run_id}")
    if isinstance(store, LocalStorage):
        for dataset in ALL_DATASETS:
            link = store.join(dataset)
            if not os.path.islink(link):
                os.symlink(f"{CURRENT}/{dataset}", link)
    _prune_versions(store, run_id, keep_versions)
    return version


def _prune_versions(store: Storage, current: str, keep_versions: int) -> None:
    old = [v for v in store.children(store.join(VERSIONS)) if v != current]
    for run_id in old[: max(len(old) - (keep_versions - 1), 0)]:
        store.delete_tree(store.join(VERSIONS, run_id))


def write_manifest(output: str | os.PathLike, run_id: str, manifest: dict) -> str:
    store = storage_for(output)
    path = store.join(RUNS, f"{run_id}.json")
    text = json.dumps(manifest, indent=2, sort_keys=True, default=str) + "\n"
    store.write_bytes(path, text.encode())
    return path


def read_manifests(output: str | os.PathLike) -> list[dict]:
    store = storage_for(output)
    return [json.loads(store.read_bytes(p)) for p in store.files(store.join(RUNS), ".json")]


def utc_now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")

"""The input state of a version, and which inputs an incremental run must read (by content hash).

    new file          -> read and tagged
    edited file       -> its old rows are dropped, it is read and tagged again
    renamed file      -> (same content, old path gone) rows re-pointed to the new path, not re-tagged
    unchanged file    -> rows kept
    deleted file      -> rows kept, unless --prune-deleted drops them
    stale file        -> (--reprocess-stale) rows made by another model or pipeline version re-tagged

Files recorded as duplicates of a file whose rows are dropped are re-read too, so their article
is not lost with the row it pointed to.
"""

from __future__ import annotations

import collections
import hashlib
import json
import os
from collections.abc import Iterable, Mapping
from typing import NamedTuple

import pyarrow as pa
import pyarrow.parquet as pq
from apache_beam.io.filesystem import CompressionTypes
from apache_beam.io.filesystems import FileSystems

from pipelines.store.storage import storage_for
from schemas import INPUT_FILES, InputFile, schema_fingerprint
from transforms.io.read import ListedFile, not_readable_reason
from transforms.io.write import write_table

_CHUNK = 1 << 20


class Plan(NamedTuple):
    to_process: list[str]
    drop_files: frozenset[str]  # files whose published rows are removed
    renames: dict[str, str]  # old path -> new path
    state: dict[str, InputFile]  # the input table of the new version, before this run's files
    counts: dict[str, int]


def hash_file(path: str) -> InputFile:
    """Size and SHA-256 of a file; an entry that must not be opened (a FIFO, a dangling link)
    gets a stand-in digest naming why, so the next run sees it unchanged and does not report
    it again."""
    reason = not_readable_reason(path)
    if reason is not None:
        return InputFile(path, 0, "not-read:" + hashlib.sha256(reason.encode()).hexdigest()[:16])
    digest = hashlib.sha256()
    size = 0
    with FileSystems.open(path, compression_type=CompressionTypes.UNCOMPRESSED) as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return InputFile(path, size, digest.hexdigest())


def identify_inputs(
    paths: Iterable[str], listing: Iterable[ListedFile], previous: Mapping[str, InputFile]
) -> tuple[list[InputFile], int]:
    """Each input's size and SHA-256, and how many were read to get them. A file whose size and
    modification time in the listing are those recorded when the previous version hashed it
    keeps that hash without being read (as rsync and make decide): an incremental run over a
    large published corpus, on a bucket above all, then reads only what is new or changed.
    Without a previous version (`--mode full`, a first run) every file is read."""
    listed = {entry.path: entry for entry in listing}
    found, hashed = [], 0
    for path in paths:
        entry, before = listed.get(path), previous.get(path)
        modified = entry.modified if entry is not None else None
        if (
            before is not None and modified is not None and before.modified == modified
            and before.size == entry.size
        ):  # fmt: skip
            found.append(InputFile(path, before.size, before.sha256, modified=modified))
            continue
        found.append(hash_file(path)._replace(modified=modified))
        hashed += 1
    return found, hashed


SCHEMA_FILE = "_schema.json"


def read_schema_fingerprint(version: str | os.PathLike) -> str | None:
    store = storage_for(version)
    path = store.join(SCHEMA_FILE)
    return json.loads(store.read_bytes(path))["fingerprint"] if store.exists(path) else None


def write_schema_fingerprint(version: str | os.PathLike) -> None:
    store = storage_for(version)
    text = json.dumps({"fingerprint": schema_fingerprint()}) + "\n"
    store.write_bytes(store.join(SCHEMA_FILE), text.encode())


def read_input_state(version: str | os.PathLike | None) -> dict[str, InputFile]:
    if version is None:
        return {}
    store = storage_for(version)
    path = store.join(f"{INPUT_FILES.name}.parquet")
    if not store.exists(path):
        return {}
    with store.open(path) as handle:
        rows = pq.read_table(handle).to_pylist()
    return {row["path"]: InputFile(**row) for row in rows}


def write_input_state(version: str | os.PathLike, state: Iterable[InputFile]) -> None:
    rows = sorted(state)
    table = pa.Table.from_pylist([r._asdict() for r in rows], schema=INPUT_FILES.schema)
    write_table(table, storage_for(version).join(f"{INPUT_FILES.name}.parquet"))


def _classify(
    current: Mapping[str, InputFile], previous: Mapping[str, InputFile], stale_files: set[str]
) -> tuple[dict[str, list[str]], dict[str, str]]:
    """Each file found now: new, renamed (same content as a file gone), edited, stale or
    unchanged; and the renames (old path -> new path)."""
    missing_by_hash: dict[str, list[str]] = collections.defaultdict(list)
    for path in sorted(set(previous) - set(current)):
        missing_by_hash[previous[path].sha256].append(path)
    kinds: dict[str, list[str]] = collections.defaultdict(list)
    renames: dict[str, str] = {}
    for path in sorted(current):
        found, before = current[path], previous.get(path)
        if before is None:
            if missing_by_hash.get(found.sha256):
                renames[missing_by_hash[found.sha256].pop(0)] = path
                kinds["renamed"].append(path)
            else:
                kinds["new"].append(path)
        elif before.sha256 != found.sha256:
            kinds["edited"].append(path)
        elif path in stale_files:
            kinds["stale"].append(path)
        else:
            kinds["unchanged"].append(path)
    return kinds, renames


def plan_run(
    current: Iterable[InputFile],
    previous: Mapping[str, InputFile],
    *,
    duplicates_of: Mapping[str, set[str]] | None = None,
    stale_files: Iterable[str] = (),
    prune_deleted: bool = False,
) -> Plan:
    """Compares the files found now with the previous version's input table."""
    current = {f.path: f for f in current}
    kinds, renames = _classify(current, previous, set(stale_files))
    deleted = sorted(set(previous) - set(current) - set(renames))
    drop = set(kinds["edited"]) | set(kinds["stale"]) | (set(deleted) if prune_deleted else set())
    # A duplicate's article lives only in the row it points to: re-read it if that row goes.
    for canonical in sorted(drop):
        for duplicate in sorted((duplicates_of or {}).get(canonical, ())):
            if duplicate in current and duplicate not in drop:
                drop.add(duplicate)
                kinds["duplicate_of_dropped"].append(duplicate)
    process = sorted(set(kinds["new"]) | drop & set(current))
    state = {  # kept files as found now (their modification time), with the run of their rows
        path: current[path]._replace(run_id=entry.run_id) if path in current else entry
        for path, entry in previous.items()
        if (path not in renames and path not in drop and path in current)
        or (path in deleted and not prune_deleted)
    }
    for old, new in renames.items():
        state[new] = current[new]._replace(run_id=previous[old].run_id)
    counts = {kind: len(paths) for kind, paths in kinds.items()}
    counts["deleted_kept" if not prune_deleted else "deleted_pruned"] = len(deleted)
    return Plan(process, frozenset(drop), renames, state, counts)

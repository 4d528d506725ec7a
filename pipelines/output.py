"""The output directory: staging, atomic publish, old versions, run summaries.

Layout of `--output`:
    _staging/<run_id>/      a run in progress (or a dead run's leftovers)
    _versions/<run_id>/     a complete, published version of every dataset
    _current -> _versions/<run_id>       swapped atomically with one rename
    articles -> _current/articles         stable paths for readers (likewise entities, errors)
    _runs/<run_id>.json     one summary per run
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path

from schemas import DATASETS

STAGING = "_staging"
VERSIONS = "_versions"
CURRENT = "_current"
RUNS = "_runs"


class OutputError(ValueError):
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
    for name in DATASETS:
        path = output / name
        if path.exists() and not path.is_symlink():
            raise OutputError(
                f"{str(path)!r} exists and was not written by newsbeam; move it away or pick "
                "another --output"
            )


def staging_dir(output: Path, run_id: str) -> Path:
    return output / STAGING / run_id


def clean_staging(output: Path) -> list[str]:
    """Removes what earlier runs that died left in staging; returns their run ids."""
    root = output / STAGING
    if not root.is_dir():
        return []
    leftovers = sorted(p.name for p in root.iterdir())
    for name in leftovers:
        shutil.rmtree(root / name, ignore_errors=True)
    return leftovers


def _replace_symlink(link: Path, target: str) -> None:
    """Points `link` at `target` with one atomic rename; readers see the old or the new target."""
    temporary = link.with_name(f".{link.name}.tmp")
    if temporary.is_symlink() or temporary.exists():
        temporary.unlink()
    os.symlink(target, temporary)
    os.replace(temporary, link)


def publish(output: Path, run_id: str, keep_versions: int = 2) -> Path:
    """Moves a finished staging directory into `_versions` and makes it current.

    Older versions beyond `keep_versions` are deleted; keeping at least one previous version
    lets readers that listed files just before the swap finish reading them.
    """
    version = output / VERSIONS / run_id
    version.parent.mkdir(parents=True, exist_ok=True)
    os.replace(staging_dir(output, run_id), version)
    _replace_symlink(output / CURRENT, f"{VERSIONS}/{run_id}")
    for name in DATASETS:
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


def write_run_summary(output: Path, run_id: str, summary: dict) -> Path:
    path = output / RUNS / f"{run_id}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".json.tmp")
    temporary.write_text(json.dumps(summary, indent=2, sort_keys=True, default=str) + "\n")
    os.replace(temporary, path)
    return path

"""The same pipeline on Beam's DaskRunner over a local dask.distributed cluster."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.conftest import write_corpus
from tests.helpers import command, run_pipeline, snapshot

pytestmark = pytest.mark.cluster

pytest.importorskip("dask.distributed", reason="install the 'dask' extra: pip install -e .[dask]")


@pytest.fixture(scope="module")
def cluster():
    from benchmarks.dask_cluster import local_cluster

    with local_cluster(workers=2) as address:
        yield address


@pytest.mark.parametrize(
    "runner", ["DaskRunner", "apache_beam.runners.dask.dask_runner.DaskRunner"]
)
def test_dask_runner_gives_the_same_rows_as_the_local_run(tmp_path, cluster, runner):
    raw = write_corpus(tmp_path / "raw")
    local = run_pipeline("--input", str(raw), "--output", str(tmp_path / "local"))
    assert local.returncode == 0, local.stderr
    dask = run_pipeline(
        "--input", str(raw), "--output", str(tmp_path / "dask"),
        "--runner", runner, "--dask_client_address", cluster,
    )  # fmt: skip
    assert dask.returncode == 0, dask.stderr
    assert "this run: 11 inputs = 6 articles + 4 errors + 1 duplicates" in dask.stdout
    ours, theirs = (
        snapshot(tmp_path / "local", drop_volatile=True),
        snapshot(tmp_path / "dask", drop_volatile=True),
    )
    for name in ours:
        assert theirs[name] == ours[name], name
    assert len(ours["entities"]) > 10 and len(ours["errors"]) == 4


# The command with every compacted accumulator spilled to a file (runner_compat.SPILL_BYTES).
SPILL_EVERY_ACCUMULATOR = (
    "import sys, transforms.runner_compat as compat; compat.SPILL_BYTES = 0; "
    "from pipelines.tag_articles import run; sys.exit(run())"
)


def test_dask_runner_groups_stories_and_names_like_the_local_run_incrementally(tmp_path, cluster):
    """Stories and corpus-level names, a full run then an incremental one that bridges two
    stories (published articles rewritten): the same rows on both runners. On Dask every
    partial accumulator (rollups, names, resolver, LSH bands, stories) crosses as a spill file,
    locally none does (this corpus' are all small)."""
    from tests.story_corpus import write_raw

    first = {"bridge-a.txt", "bridge-c.txt", "flood.txt", "flood-dateline.txt"}
    outputs = {}
    for name, extra in (("local", ()), ("dask", ("--runner", "DaskRunner",
                                                  "--dask_client_address", cluster))):  # fmt: skip
        raw = tmp_path / f"raw-{name}"
        for names in (first, None):
            write_raw(raw, names)
            args = ("--input", str(raw), "--output", str(tmp_path / name), *extra)
            result = subprocess.run(
                [sys.executable, "-c", SPILL_EVERY_ACCUMULATOR, *args]
                if name == "dask" else command(*args),
                capture_output=True, text=True, timeout=600, check=False,
            )  # fmt: skip
            assert result.returncode == 0, result.stderr[-3000:]
        outputs[name] = snapshot(tmp_path / name, drop_volatile=True)
    for dataset, rows in outputs["local"].items():
        if dataset in ("articles", "errors", "duplicates"):  # source paths differ by raw dir
            rows = [r.replace("raw-local", "raw-dask") for r in rows]
        assert outputs["dask"][dataset] == rows, dataset
    assert len(outputs["local"]["stories"]) == 5  # 17 files: flood, budget, bridge, 2 apart

"""The same pipeline on Beam's DaskRunner over a local dask.distributed cluster."""

from __future__ import annotations

import os
import signal
import subprocess
from pathlib import Path

import pandas as pd
import pytest

from tests.conftest import write_corpus
from tests.helpers import VOLATILE, command, run_pipeline, snapshot, sorted_rows
from transforms.runner.checkpoints import PAUSE_ENV

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


def _run_and_list_staged_spill_files(args: tuple[str, ...]) -> list[str]:
    """Runs the command, paused just before it publishes (the graph has run, the staging area
    is whole), and returns the spill files staged there by then; then lets it finish."""
    env = {**os.environ, PAUSE_ENV: "publish"}
    process = subprocess.Popen(
        command(*args), stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True, env=env
    )
    for line in process.stderr:
        if line.startswith("newsbeam-paused-at publish"):
            break
    output = Path(args[args.index("--output") + 1])
    spilled = sorted(p.name for p in (output / "_staging").rglob("*.spill"))
    process.send_signal(signal.SIGUSR1)
    tail = process.stderr.read()
    assert process.wait() == 0, tail[-3000:]
    return spilled


def test_dask_runner_groups_stories_and_names_like_the_local_run_incrementally(tmp_path, cluster):
    """Stories and corpus-level names, a full run then an incremental one that bridges two
    stories (published articles rewritten): the same rows on both runners. The local runner
    stages spill files (its profile); the DaskRunner's run, plain Beam, none."""
    from tests.story_corpus import write_raw

    first = {"bridge-a.txt", "bridge-c.txt", "flood.txt", "flood-dateline.txt"}
    outputs, spilled = {}, {}
    for name, extra in (("local", ()), ("dask", ("--runner", "DaskRunner",
                                                  "--dask_client_address", cluster))):  # fmt: skip
        raw = tmp_path / f"raw-{name}"
        write_raw(raw, first)
        args = ("--input", str(raw), "--output", str(tmp_path / name), *extra)
        result = run_pipeline(*args)
        assert result.returncode == 0, result.stderr[-3000:]
        write_raw(raw, None)
        spilled[name] = _run_and_list_staged_spill_files(args)
        outputs[name] = snapshot(tmp_path / name, drop_volatile=True)
    assert spilled["dask"] == [] and len(spilled["local"]) >= 1
    for dataset, rows in outputs["local"].items():
        if dataset in ("articles", "errors", "duplicates"):  # source paths differ by raw dir
            rows = [r.replace("raw-local", "raw-dask") for r in rows]
        assert outputs["dask"][dataset] == rows, dataset
    assert len(outputs["local"]["stories"]) == 5  # 17 files: flood, budget, bridge, 2 apart


def test_dask_runner_reads_from_and_writes_to_a_bucket_like_a_local_run(tmp_path, cluster, s3):
    """No shared disk: the workers read the raw objects and write the version's files to S3
    (moto's server), with the S3 options they get from the driver (dask_workers.py)."""
    client, options, filesystem = s3
    from tests.conftest import CORPUS

    raw = write_corpus(tmp_path / "raw")
    for relative, data in CORPUS.items():
        client.put_object(Bucket="raw-in", Key=f"dask/{relative}", Body=data)
    local = run_pipeline("--input", str(raw), "--output", str(tmp_path / "local"))
    assert local.returncode == 0, local.stderr
    dask = run_pipeline(
        "--input", "s3://raw-in/dask/", "--output", "s3://news-out/dask", *options,
        "--runner", "DaskRunner", "--dask_client_address", cluster,
    )  # fmt: skip
    assert dask.returncode == 0, dask.stderr[-3000:]
    current = client.get_object(Bucket="news-out", Key="dask/_current")["Body"].read().decode()
    ours = snapshot(tmp_path / "local", drop_volatile=True)
    for name, rows in ours.items():
        frame = pd.read_parquet(f"news-out/dask/{current.strip()}/{name}", filesystem=filesystem)
        frame = frame.drop(columns=[c for c in VOLATILE if c in frame.columns])
        for column in ("source_path", "duplicate_of"):
            if column in frame.columns:
                frame[column] = frame[column].str.replace("s3://raw-in/dask/", f"{raw}/")
        assert sorted_rows(frame) == rows, name
    assert len(ours["articles"]) == 6

"""Raw files from a bucket, datasets to a bucket: the real command against a real S3 API (moto's
server on 127.0.0.1), with the guarantees it has on disk: the rows of a local run, an
incremental run, a run killed between its version and `_current`, one writer at a time, and no
credential in what it writes or prints."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import time
from pathlib import Path

import pandas as pd
import pytest

from tests.conftest import CORPUS, SECRET, write_corpus
from tests.helpers import DATASET_NAMES, VOLATILE, command, run_pipeline, sorted_rows

boto3 = pytest.importorskip("boto3")
pytest.importorskip("moto.server")

pytestmark = pytest.mark.e2e

NEW_FILE = (
    b"date 2019-01-20 Ferry returns to Bergen\n\nThe ferry to Bergen sailed again on Sunday.\n"
)


def _upload(client, files: dict[str, bytes]) -> None:
    for relative, data in files.items():
        client.put_object(Bucket="raw-in", Key=f"raw/{relative}", Body=data)


def _rows(read, prefix: str) -> dict[str, list[str]]:
    """Every row of every dataset, with the input's location cut from the path columns."""
    snapshot = {}
    for name in DATASET_NAMES:
        frame = read(name)
        frame = frame.drop(columns=[c for c in VOLATILE if c in frame.columns])
        for column in ("source_path", "duplicate_of"):
            if column in frame.columns:
                frame[column] = frame[column].str.removeprefix(prefix)
        snapshot[name] = sorted_rows(frame)
    return snapshot


def _s3_rows(filesystem, client) -> dict[str, list[str]]:
    current = _current(client)
    return _rows(
        lambda name: pd.read_parquet(f"news-out/out/{current}/{name}", filesystem=filesystem),
        "s3://raw-in/raw/",
    )


def _local_rows(raw: Path, output: Path) -> dict[str, list[str]]:
    return _rows(lambda name: pd.read_parquet(output / name), f"{raw}/")


def _current(client) -> str:
    return client.get_object(Bucket="news-out", Key="out/_current")["Body"].read().decode().strip()


def _keys(client) -> list[str]:
    listed = client.list_objects_v2(Bucket="news-out", Prefix="out/")
    return sorted(item["Key"] for item in listed.get("Contents", []))


def _s3_run(options, *extra: str) -> subprocess.CompletedProcess:
    return run_pipeline("--input", "s3://raw-in/raw/", "--output", "s3://news-out/out",
                        *options, *extra)  # fmt: skip


def test_a_bucket_run_matches_disk_and_keeps_the_guarantees(s3, tmp_path):
    client, options, filesystem = s3
    raw, local_out = write_corpus(tmp_path / "raw"), tmp_path / "out"
    _upload(client, CORPUS)
    assert run_pipeline("--input", str(raw), "--output", str(local_out)).returncode == 0
    printed = []

    first = _s3_run(options)
    printed.append(first.stdout + first.stderr)
    assert first.returncode == 0, first.stdout + first.stderr
    first_version = _current(client)
    assert first_version.startswith("_versions/")
    published = _s3_rows(filesystem, client)
    assert published == _local_rows(raw, local_out)
    assert len(published["articles"]) == 6
    runs = subprocess.run(
        [*command()[:2], "pipelines.runs", "--output", "s3://news-out/out", "--current",
         "articles", *options], capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert runs.stdout.strip() == f"s3://news-out/out/{first_version}/articles"

    # A new file; the run that reads it stops between building its version and `_current`.
    _upload(client, {"2019/ferry.txt": NEW_FILE})
    (raw / "2019" / "ferry.txt").write_bytes(NEW_FILE)
    paused = subprocess.Popen(
        command("--input", "s3://raw-in/raw/", "--output", "s3://news-out/out", *options,
                "--lock-lease-seconds", "3"),
        stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True,
        env={**os.environ, "NEWSBEAM_PAUSE_AT": "publish"},
    )  # fmt: skip
    for line in paused.stderr:
        printed.append(line)
        if line.startswith("newsbeam-paused-at publish"):
            break
    else:
        raise AssertionError(f"the run ended before publishing: exit {paused.wait()}")
    try:
        assert any(key.startswith("out/_versions/") and first_version not in key
                   for key in _keys(client))  # its version is built  # fmt: skip
        second = _s3_run(options)  # while it holds the lock
        printed.append(second.stdout + second.stderr)
        assert second.returncode == 75
        assert "another newsbeam run is writing to 's3://news-out/out'" in second.stdout
    finally:
        paused.send_signal(signal.SIGKILL)
        paused.wait()
    assert _current(client) == first_version  # readers still see the first run, whole
    assert _s3_rows(filesystem, client) == published

    time.sleep(3.5)  # the dead run's lease ends
    third = run_pipeline(
        "--input", "s3://raw-in/raw", "--output", "s3://news-out/out", *options
    )  # a prefix that names no object: every object below it
    printed.append(third.stdout + third.stderr)
    assert third.returncode == 0, third.stdout + third.stderr
    assert "did not finish" in third.stderr
    assert "(new 1, unchanged 9); 1 read" in third.stdout
    assert run_pipeline("--input", str(raw), "--output", str(local_out)).returncode == 0
    after = _s3_rows(filesystem, client)
    assert after == _local_rows(raw, local_out)
    assert "Ferry returns to Bergen" in " ".join(after["articles"])
    keys = _keys(client)
    assert not [k for k in keys if k.startswith("out/_staging/")]
    assert "out/_lock" not in keys  # released
    versions = {k.split("/")[2] for k in keys if k.startswith("out/_versions/")}
    assert versions == {first_version.split("/")[1], _current(client).split("/")[1]}
    manifests = [
        json.loads(client.get_object(Bucket="news-out", Key=k)["Body"].read())
        for k in keys if k.startswith("out/_runs/")
    ]  # fmt: skip
    assert [m["status"] for m in manifests] == ["succeeded", "died", "succeeded"]

    # The report reads the bucket's published version.
    report = subprocess.run(
        [*command()[:2], "pipelines.report", "--data", "s3://news-out/out", "--out",
         str(tmp_path / "report.html"), *options], capture_output=True, text=True,
    )  # fmt: skip
    assert report.returncode == 0, report.stderr
    page = (tmp_path / "report.html").read_text()
    assert f"run {_current(client).split('/')[1]}" in page
    cards = re.sub(r"<[^>]+>", "|", page[page.index('class="cards"') :])
    assert re.sub(r"\|+", "|", cards).startswith(
        'class="cards">|7|articles|7|stories|2018-12-03 to 2019-01-21|date range|'
    )

    # No credential in anything the runs wrote or printed; the manifest says it was set.
    for key in keys:
        body = client.get_object(Bucket="news-out", Key=key)["Body"].read()
        assert SECRET.encode() not in body, key
    assert not [text for text in printed if SECRET in text]
    beam_args = manifests[-1]["options"]["beam_args"]
    assert beam_args[beam_args.index("--s3_secret_access_key") + 1] == "<set, not recorded>"

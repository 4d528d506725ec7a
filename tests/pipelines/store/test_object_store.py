"""The object-store side of the store against a real S3 API (moto's server on 127.0.0.1): the
lease lock, the `_current` object, listing and copying, and the manifest's redaction."""

from __future__ import annotations

import json
import subprocess
import sys
import time

import pytest

boto3 = pytest.importorskip("boto3")
moto_server = pytest.importorskip("moto.server")

from apache_beam.io.filesystems import FileSystems  # noqa: E402
from apache_beam.options.pipeline_options import PipelineOptions  # noqa: E402

from pipelines.config import REDACTED, redact_secrets  # noqa: E402
from pipelines.store import layout  # noqa: E402
from pipelines.store.storage import ObjectStorage, storage_for  # noqa: E402


@pytest.fixture(scope="module")
def bucket():
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=0)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    FileSystems.set_options(PipelineOptions([
        "--s3_endpoint_url", endpoint, "--s3_access_key_id", "k", "--s3_secret_access_key", "s",
        "--s3_region_name", "us-east-1",
    ]))  # fmt: skip
    client = boto3.client("s3", endpoint_url=endpoint, aws_access_key_id="k",
                          aws_secret_access_key="s", region_name="us-east-1")  # fmt: skip
    client.create_bucket(Bucket="unit-out")
    yield client
    FileSystems.set_options(PipelineOptions([]))
    server.stop()


def test_the_lock_admits_one_run_and_a_dead_lease_is_taken_over(bucket):
    first = layout.output_lock("s3://unit-out/a", "run-1", lease_seconds=60).acquire()
    with pytest.raises(layout.LockedError, match="run-1"):
        layout.output_lock("s3://unit-out/a", "run-2", lease_seconds=60).acquire()
    first.release()
    assert "Contents" not in bucket.list_objects_v2(Bucket="unit-out", Prefix="a/_lock")
    # A run that died: its lease object stays, and ends.
    bucket.put_object(
        Bucket="unit-out",
        Key="a/_lock",
        Body=json.dumps(
            {"run_id": "dead", "pid": 1, "host": "h", "expires_at": time.time() - 1}
        ).encode(),
    )
    taker = layout.output_lock("s3://unit-out/a", "run-3", lease_seconds=60).acquire()
    assert taker.previous_holder["run_id"] == "dead"
    held = json.loads(bucket.get_object(Bucket="unit-out", Key="a/_lock")["Body"].read())
    assert held["run_id"] == "run-3"
    taker.check_held()
    taker.release()


def test_a_run_that_lost_its_lease_may_not_publish(bucket):
    lock = layout.output_lock("s3://unit-out/b", "run-1", lease_seconds=0.6).acquire()
    # Another run took the lock over (as after a stall longer than the lease).
    bucket.put_object(Bucket="unit-out", Key="b/_lock", Body=b'{"run_id": "other"}')
    time.sleep(0.5)  # the next renewal finds an ETag that is not its own
    with pytest.raises(RuntimeError, match="lost"):
        lock.check_held()
    lock.release()  # leaves the other run's lock alone
    assert json.loads(bucket.get_object(Bucket="unit-out", Key="b/_lock")["Body"].read()) == {
        "run_id": "other"
    }


def test_current_is_an_object_naming_the_version_and_old_versions_are_pruned(bucket):
    store = storage_for("s3://unit-out/c")
    assert isinstance(store, ObjectStorage)
    assert layout.current_version("s3://unit-out/c") is None
    for run_id in ("20260101T000000Z-a", "20260102T000000Z-b", "20260103T000000Z-c"):
        store.write_bytes(store.join("_versions", run_id, "articles", "part-x.parquet"), b"x")
        layout.publish("s3://unit-out/c", layout.build_dir("s3://unit-out/c", run_id), run_id)
    body = bucket.get_object(Bucket="unit-out", Key="c/_current")["Body"].read()
    assert body == b"_versions/20260103T000000Z-c\n"
    assert (
        layout.current_version("s3://unit-out/c") == "s3://unit-out/c/_versions/20260103T000000Z-c"
    )
    assert store.children(store.join("_versions")) == ["20260102T000000Z-b", "20260103T000000Z-c"]
    # A version newer than the current one was never published: the next run removes it.
    store.write_bytes(store.join("_versions", "20260104T000000Z-d", "articles", "p.parquet"), b"x")
    store.write_bytes(store.join("_staging", "20260104T000000Z-d", "new", "m"), b"x")
    assert layout.clean_up_dead_runs("s3://unit-out/c") == ["20260104T000000Z-d"]
    assert store.children(store.join("_versions")) == ["20260102T000000Z-b", "20260103T000000Z-c"]
    assert store.children(store.join("_staging")) == []


def test_credentials_in_beam_options_are_not_recorded():
    args = [
        "--s3_access_key_id",
        "AKIA1",
        "--s3_secret_access_key=topsecret",
        "--s3_session_token",
        "tok",
        "--s3_region_name",
        "eu-west-1",
        "--runner",
        "DirectRunner",
    ]
    assert redact_secrets(args) == [
        "--s3_access_key_id", REDACTED, f"--s3_secret_access_key={REDACTED}",
        "--s3_session_token", REDACTED, "--s3_region_name", "eu-west-1", "--runner", "DirectRunner",
    ]  # fmt: skip


def test_without_boto3_an_s3_path_is_one_line_and_exit_2(tmp_path):
    (tmp_path / "sitecustomize.py").write_text("import sys\nsys.modules['boto3'] = None\n")
    result = subprocess.run(
        [sys.executable, "-m", "pipelines.tag_articles", "--input", "s3://raw/in/",
         "--output", str(tmp_path / "out")],
        capture_output=True, text=True, env={"PYTHONPATH": str(tmp_path), "PATH": "/usr/bin"},
    )  # fmt: skip
    assert result.returncode == 2
    assert result.stderr == (
        "newsbeam: error: --input 's3://raw/in/': s3:// needs boto3: pip install 'newsbeam[s3]'\n"
    )

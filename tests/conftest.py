"""Shared fixtures: a small corpus written for the tests, and the real spaCy model."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import NamedTuple

import pytest

# Written for these tests. Each constant is asserted on somewhere, so keep them in sync.
QUOTED_TITLE = "Minister: ‘We will not back down,’ says “defiant” Ortega"
CORPUS: dict[str, bytes] = {
    "2018/quoted-title.txt": (
        f"date 2018-12-19 {QUOTED_TITLE}\n\n"
        "Maria Lopez spoke in Madrid on Wednesday.\n\n"
        "The government said the reform would continue.\n"
    ).encode(),
    "2018/positive.txt": (
        b"date 2018-12-03 Wonderful concert delights Vienna\n\n"
        b"The orchestra gave a wonderful, joyful performance and the happy audience loved it. "
        b"Critics praised the brilliant conductor.\n"
    ),
    "2019/negative.txt": (
        b"Title: Deadly storm devastates coastal towns\n"
        b"Date: 2019-01-15T06:00:00-05:00\n"
        b"Author: By Jane Roe and John Doe\n"
        b"Source: Coastal Herald\n"
        b"URL: https://example.org/storm\n\n"
        b"A horrible, deadly storm killed dozens and destroyed hundreds of homes. "
        b"Terrified survivors described awful scenes of panic and grief.\n"
    ),
    "undated.txt": (b"Library opens in Leeds\n\nA new public library opened in Leeds this week.\n"),
    "feeds/wire.jsonl": (
        b'{"title": "Port strike ends", "date": "2019-01-20", "author": "Ana Ruiz",'
        b' "text": "Dock workers in Valencia returned to work on Sunday."}\n'
        b"\n"
        b'{"headline": "Bakery wins award", "published": "Jan. 21, 2019", "body": "A bakery in'
        b' Porto won a national prize for its bread."}\n'
        b'{"title": "Cut off", "text": "This record was trunc\n'
    ),
    "copies/positive-copy.txt": (
        b"date 2018-12-03 Wonderful concert delights Vienna\n\n"
        b"The orchestra gave a wonderful, joyful performance and the happy audience loved it. "
        b"Critics praised the brilliant conductor.\n"
    ),
    "bad/empty.txt": b"",
    "bad/picture.bin": b"\x00\x01\x02\x03\xff\xfe\x00\x00binary\x00payload",
    "bad/header-only.txt": b"date 2019-02-02 A title and nothing else\n",
}
ERROR_CODES = {
    "bad/empty.txt": "empty",
    "bad/picture.bin": "binary",
    "bad/header-only.txt": "no_body",
    "feeds/wire.jsonl#L4": "json_invalid",
}


def write_corpus(root: Path, files: dict[str, bytes] = CORPUS) -> Path:
    for relative, data in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return root


@pytest.fixture()
def corpus(tmp_path: Path) -> Path:
    return write_corpus(tmp_path / "raw")


@pytest.fixture(scope="session")
def tagger():
    from transforms.tagging.spacy_models import DEFAULT_MODEL
    from transforms.tagging.spacy_vader import load_model as load_tagger

    return load_tagger(DEFAULT_MODEL)


@pytest.fixture(scope="session")
def taggers(tagger):
    return {"en": tagger, None: tagger}


@pytest.fixture(scope="session", autouse=True)
def _model_cache(tmp_path_factory):
    """The decompressed language model goes to a temporary cache, not the user's ~/.cache
    (subprocesses started by tests inherit the variable)."""
    import os

    from transforms.cache import CACHE_DIR_ENV

    previous = os.environ.get(CACHE_DIR_ENV)
    os.environ[CACHE_DIR_ENV] = str(tmp_path_factory.mktemp("newsbeam-cache"))
    yield
    if previous is None:
        del os.environ[CACHE_DIR_ENV]
    else:
        os.environ[CACHE_DIR_ENV] = previous


class Published(NamedTuple):
    """A published output of `CORPUS`: `root` holds `raw/` and `out/`, and the run's stdout.
    The command ran in `root` with relative paths, so rows name their files `raw/...`."""

    root: Path
    stdout: str

    @property
    def raw(self) -> Path:
        return self.root / "raw"

    @property
    def output(self) -> Path:
        return self.root / "out"


@pytest.fixture(scope="session")
def published_corpus(tmp_path_factory) -> Published:
    """`CORPUS` published by the real command once per test run (with pytest-xdist, once for
    all workers: the first to take the lock builds it, the others wait and reuse it).
    Read-only: a test that runs the command on it takes `published_copy`."""
    import fcntl

    from tests.helpers import run_pipeline

    # this test run's own: with xdist, the parent of the workers' base directories; without
    # it, the base directory itself (its parent holds every earlier run's, built by older code)
    base = tmp_path_factory.getbasetemp()
    shared = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
    root = shared / "published-corpus"
    with open(shared / "published-corpus.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (root / "stdout.txt").exists():
            shutil.rmtree(root, ignore_errors=True)
            write_corpus(root / "raw")
            result = run_pipeline("--input", "raw", "--output", "out", cwd=root, separate=True)
            assert result.returncode == 0, result.stdout + result.stderr
            (root / "stdout.txt").write_text(result.stdout)
    return Published(root, (root / "stdout.txt").read_text())


@pytest.fixture()
def published_copy(published_corpus, tmp_path, monkeypatch) -> Published:
    """A copy of `published_corpus` of this test's own, and the test's working directory:
    `Path("raw")` and `Path("out")` are the copy's, as the published rows name them."""
    root = tmp_path / "published"
    shutil.copytree(published_corpus.root, root, symlinks=True)
    monkeypatch.chdir(root)
    return Published(root, published_corpus.stdout)


@pytest.fixture()
def profile(tmp_path):
    """The runner profile of the runner `TestPipeline` runs on (Beam's in-process one), as the
    command would choose it: its spill files below `tmp_path`."""
    from apache_beam.options.pipeline_options import PipelineOptions

    from transforms.runner import profile_for

    return profile_for(PipelineOptions([]), str(tmp_path / "staging"))


SECRET = "s3cr3t-do-not-record-9f2c"  # the S3 secret key the tests pass to the command


@pytest.fixture(scope="module")
def s3():
    """A real S3 API on 127.0.0.1 (moto's server) with buckets `raw-in` and `news-out`:
    (boto3 client, the Beam options that reach it, a pyarrow S3FileSystem)."""
    boto3 = pytest.importorskip("boto3")
    from moto.server import ThreadedMotoServer
    from pyarrow import fs as pafs

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    client = boto3.client(
        "s3", endpoint_url=endpoint, aws_access_key_id="test-key", aws_secret_access_key=SECRET,
        region_name="us-east-1",
    )  # fmt: skip
    for bucket in ("raw-in", "news-out"):
        client.create_bucket(Bucket=bucket)
    options = ["--s3_endpoint_url", endpoint, "--s3_access_key_id", "test-key",
               "--s3_secret_access_key", SECRET, "--s3_region_name", "us-east-1"]  # fmt: skip
    filesystem = pafs.S3FileSystem(
        endpoint_override=f"{host}:{port}", scheme="http", access_key="test-key",
        secret_key=SECRET, region="us-east-1",
    )  # fmt: skip
    yield client, options, filesystem
    server.stop()

"""The output lock on an object store: a lease object written with S3's conditional PUTs.

An object store has no flock and no process that dies with the holder, so the lock is a lease:
`<output>/_lock` holds the run id, host, pid and when the lease ends. A run takes it with
`PutObject(IfNoneMatch="*")` (created only if no lock exists: of two runs, exactly one
succeeds), renews it from a thread with `PutObject(IfMatch=<its ETag>)`, and deletes it with
`DeleteObject(IfMatch=<its ETag>)`. A lock whose lease has ended (its run died) is taken over
with `PutObject(IfMatch=<the dead lease's ETag>)`, so of two runs taking over, one wins. A run
checks that it still holds its lease right before it writes `_current`; one that lost it
(stalled longer than the lease) publishes nothing.

S3 only for now (boto3, `pip install newsbeam[s3]`); the client takes Beam's own S3 options
(`--s3_endpoint_url`, `--s3_access_key_id`, ...) and otherwise the standard AWS chain.
"""

from __future__ import annotations

import json
import os
import socket
import threading
import time
from urllib.parse import urlparse

from apache_beam.io.filesystems import FileSystems

_MISSING_EXTRA = "s3:// outputs need boto3: pip install 'newsbeam[s3]' (apache-beam[aws])"


class ObjectStoreError(ValueError):
    """An object-store output that cannot be used (reported as one line, exit code 2)."""


def _split(url: str) -> tuple[str, str, str]:
    parsed = urlparse(url)
    return parsed.scheme, parsed.netloc, parsed.path.lstrip("/")


def s3_client():
    """A boto3 S3 client from the options Beam's S3 filesystem was given (FileSystems)."""
    try:
        import boto3
    except ImportError as err:
        raise ObjectStoreError(_MISSING_EXTRA) from err
    from apache_beam.options.pipeline_options import PipelineOptions, S3Options

    options = (FileSystems._pipeline_options or PipelineOptions([])).view_as(S3Options)
    settings = {
        "endpoint_url": options.s3_endpoint_url,
        "aws_access_key_id": options.s3_access_key_id,
        "aws_secret_access_key": options.s3_secret_access_key,
        "aws_session_token": options.s3_session_token,
        "region_name": options.s3_region_name,
        "verify": options.s3_verify,
        "use_ssl": not options.s3_disable_ssl,
    }
    return boto3.client("s3", **{k: v for k, v in settings.items() if v is not None})


def put_object(url: str, body: bytes) -> None:
    """One PutObject: readers see the old object or the new one, never a part."""
    _, bucket, key = _split(url)
    s3_client().put_object(Bucket=bucket, Key=key, Body=body)


def check_bucket(root: str) -> None:
    """The output is on S3 and its bucket answers (before any work)."""
    scheme, bucket, _ = _split(root)
    if scheme != "s3":
        raise ObjectStoreError(
            f"--output {root!r}: object-store outputs are s3:// for now (the lock needs "
            "conditional writes); inputs may be on any Beam filesystem"
        )
    client = s3_client()
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        client.head_bucket(Bucket=bucket)
    except (ClientError, BotoCoreError) as err:
        raise ObjectStoreError(
            f"--output {root!r}: bucket {bucket!r} cannot be used: {err}"
        ) from err


def _error_code(err) -> str:
    return err.response.get("Error", {}).get("Code", "")


class ObjectLock:
    """An exclusive lease on `<output>/_lock` (see the module docstring)."""

    def __init__(self, url: str, run_id: str, lease_seconds: float):
        _, self._bucket, self._key = _split(url)
        self._url = url
        self._run_id = run_id
        self._lease = lease_seconds
        self._client = s3_client()
        self._etag: str | None = None
        self._lost: str | None = None
        self._failing_since: float | None = None
        self._stop = threading.Event()
        self._renewer: threading.Thread | None = None
        self.previous_holder: dict | None = None

    def _body(self) -> bytes:
        return json.dumps({
            "run_id": self._run_id, "pid": os.getpid(), "host": socket.gethostname(),
            "expires_at": time.time() + self._lease,
        }).encode()  # fmt: skip

    def acquire(self) -> ObjectLock:
        from botocore.exceptions import ClientError

        from pipelines.store.layout import LockedError

        try:
            put = self._client.put_object(
                Bucket=self._bucket, Key=self._key, Body=self._body(), IfNoneMatch="*"
            )
        except ClientError as err:
            if _error_code(err) not in ("PreconditionFailed", "ConditionalRequestConflict"):
                raise
            put = self._take_over_expired(LockedError)
        self._etag = put["ETag"]
        self._renewer = threading.Thread(target=self._renew, name="newsbeam-lock", daemon=True)
        self._renewer.start()
        return self

    def _take_over_expired(self, locked_error):
        from botocore.exceptions import ClientError

        try:
            held = self._client.get_object(Bucket=self._bucket, Key=self._key)
        except ClientError as err:  # released in between: try once more from the start
            if _error_code(err) != "NoSuchKey":
                raise
            return self._client.put_object(
                Bucket=self._bucket, Key=self._key, Body=self._body(), IfNoneMatch="*"
            )
        holder = json.loads(held["Body"].read() or b"{}")
        if holder.get("expires_at", 0) > time.time():
            raise locked_error(
                f"another newsbeam run is writing to {self._url.rsplit('/', 1)[0]!r} "
                f"({json.dumps({k: holder.get(k) for k in ('run_id', 'pid', 'host')})})"
            )
        try:
            put = self._client.put_object(
                Bucket=self._bucket, Key=self._key, Body=self._body(), IfMatch=held["ETag"]
            )
        except ClientError as err:
            if _error_code(err) in ("PreconditionFailed", "ConditionalRequestConflict"):
                raise locked_error(
                    f"another newsbeam run took over the lock of {self._url!r} first"
                ) from None
            raise
        self.previous_holder = holder
        return put

    def _renew(self) -> None:
        from botocore.exceptions import ClientError

        while not self._stop.wait(self._lease / 3):
            try:
                put = self._client.put_object(
                    Bucket=self._bucket, Key=self._key, Body=self._body(), IfMatch=self._etag
                )
                self._etag = put["ETag"]
            except ClientError as err:
                self._lost = f"the output lock was lost ({_error_code(err)})"
                return
            except Exception as err:  # a network blip: try again at the next turn
                self._failing_since = self._failing_since or time.time()
                if time.time() - self._failing_since > self._lease:
                    self._lost = f"the output lock could not be renewed: {err}"
                    return
            else:
                self._failing_since = None

    def check_held(self) -> None:
        """Raises when this run no longer holds its lease (it must not publish)."""
        if self._lost is not None:
            raise RuntimeError(self._lost)

    def release(self) -> None:
        from botocore.exceptions import ClientError

        self._stop.set()
        if self._renewer is not None:
            self._renewer.join()
        if self._etag is not None and self._lost is None:
            try:
                self._client.delete_object(Bucket=self._bucket, Key=self._key, IfMatch=self._etag)
            except ClientError as err:
                if _error_code(err) not in ("PreconditionFailed", "NoSuchKey"):
                    raise
        self._etag = None

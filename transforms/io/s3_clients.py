"""One boto3 client per process and set of S3 options, for Beam's S3 filesystem.

Beam's `S3FileSystem` (2.77) builds a new `S3IO`, hence a new `boto3_client.Client`, hence a new
boto3 `Session` and client, for every call: every `match`, `open`, `create`, `copy`, `exists`
and `delete`. A boto3 client costs a fifth of a second to build (it loads and parses the S3
service model), far more than the request it then makes, so a run that writes a few hundred
objects spends most of its time building clients. boto3 documents its clients as thread-safe
(sessions are not); `share_s3_clients()` makes every `Client` built with the same options share
the first one's boto3 client, and keeps everything else of Beam's wrapper (its download state)
per instance. Rows are unchanged: the same requests go to the same endpoint.
"""

from __future__ import annotations

import copy
import threading

_OPTIONS = (
    "s3_access_key_id", "s3_secret_access_key", "s3_session_token", "s3_endpoint_url",
    "s3_disable_ssl", "s3_region_name", "s3_api_version", "s3_verify",
)  # fmt: skip: what Beam's Client reads to build its boto3 client
_lock = threading.Lock()
_installed = False


def _key(options) -> tuple:
    from apache_beam.options.pipeline_options import PipelineOptions, S3Options

    if isinstance(options, PipelineOptions):
        view = options.view_as(S3Options)
        values = {name: getattr(view, name) for name in _OPTIONS}
    else:
        values = {name: options.get(name) for name in _OPTIONS}
    values["s3_disable_ssl"] = bool(values["s3_disable_ssl"])  # Beam's default: False
    return tuple(values.values())


def share_s3_clients() -> bool:
    """Installs the sharing in this process (idempotent); False when boto3 is not installed."""
    global _installed
    try:
        from apache_beam.io.aws.clients.s3 import boto3_client
    except ImportError:
        return False
    if boto3_client.boto3 is None:
        return False
    with _lock:
        if _installed:
            return True
        build = boto3_client.Client.__init__
        templates: dict[tuple, object] = {}

        def init(self, options):
            key = _key(options)
            template = templates.get(key)
            if template is None:
                build(self, options)
                templates[key] = copy.copy(self)  # as it is before any request
            else:
                self.__dict__.update(template.__dict__)

        boto3_client.Client.__init__ = init
        _installed = True
    return True

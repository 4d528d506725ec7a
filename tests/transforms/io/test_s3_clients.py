"""Beam's S3 filesystem with one boto3 client per process and set of options, against moto's
server: the same objects are read and written, and only the first call builds a client."""

from __future__ import annotations

import pytest
from apache_beam.io.filesystems import FileSystems
from apache_beam.options.pipeline_options import PipelineOptions

from transforms.io.s3_clients import share_s3_clients

pytest.importorskip("boto3")
boto3_client = pytest.importorskip("apache_beam.io.aws.clients.s3.boto3_client")


def test_clients_with_the_same_options_share_one_boto3_client(s3):
    _, options, _ = s3
    assert share_s3_clients() and share_s3_clients()  # idempotent
    first = boto3_client.Client(PipelineOptions(options))
    second = boto3_client.Client(PipelineOptions(options))
    as_dict = boto3_client.Client({o.lstrip("-"): v for o, v in zip(options[::2], options[1::2], strict=True)})
    other = boto3_client.Client(PipelineOptions([*options[:-2], "--s3_region_name", "eu-west-1"]))
    assert first is not second
    assert first.client is second.client is as_dict.client
    assert other.client is not first.client
    assert other.client.meta.region_name == "eu-west-1"
    # the wrapper's download state stays the instance's own
    first._download_pos = 7
    assert second._download_pos == 0


def test_beam_reads_and_writes_objects_through_the_shared_client(s3):
    client, options, _ = s3
    share_s3_clients()
    FileSystems.set_options(PipelineOptions(options))
    for name in ("a", "b"):
        with FileSystems.create(f"s3://news-out/shared/{name}.txt") as handle:
            handle.write(f"object {name}\n".encode())
    [match] = FileSystems.match(["s3://news-out/shared/*"])
    assert sorted((m.path, m.size_in_bytes) for m in match.metadata_list) == [
        ("s3://news-out/shared/a.txt", 9), ("s3://news-out/shared/b.txt", 9),
    ]  # fmt: skip
    with FileSystems.open("s3://news-out/shared/b.txt") as handle:
        assert handle.read() == b"object b\n"
    assert client.get_object(Bucket="news-out", Key="shared/a.txt")["Body"].read() == b"object a\n"


def test_a_bucket_listing_gives_each_object_size_and_time(s3):
    import datetime as dt

    from transforms.io.read import list_input_files

    client, options, _ = s3
    share_s3_clients()
    FileSystems.set_options(PipelineOptions(options))
    client.put_object(Bucket="raw-in", Key="listed/one.txt", Body=b"first\n")
    client.put_object(Bucket="raw-in", Key="listed/sub/two.txt", Body=b"second!\n")
    listing = list_input_files("s3://raw-in/listed")  # a prefix: every object below it
    assert [(f.path, f.size) for f in listing] == [
        ("s3://raw-in/listed/one.txt", 6), ("s3://raw-in/listed/sub/two.txt", 8),
    ]  # fmt: skip
    head = client.head_object(Bucket="raw-in", Key="listed/one.txt")["LastModified"]
    assert listing[0].modified == head.replace(tzinfo=dt.UTC).timestamp()

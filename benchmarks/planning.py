"""The plan phase of an incremental run: identifying N published input files, read and hashed
every time or taken from the listing's size and modification time.

    python -m benchmarks.planning --files 2000 8000 --rounds 3
    python -m benchmarks.planning --files 500 --s3        # the same against moto's S3 server

For each N, writes N generated articles (benchmarks.corpus) to a folder (or a bucket), lists
them as the command does, and times `identify_inputs` twice: with no published state (every
file read: `--mode full`, or before this measure every run) and with the state a previous
version recorded (an incremental run where nothing changed). Prints the median of the rounds
and the ratio.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.corpus import write_corpus


def _time(function, *args) -> tuple[float, object]:
    started = time.perf_counter()
    result = function(*args)
    return time.perf_counter() - started, result


def _measure(pattern: str, rounds: int) -> tuple[list[float], list[float], int]:
    from pipelines.store.inputs import identify_inputs
    from transforms.io.read import list_input_files

    every, listed, hashed_after = [], [], 0
    for _ in range(rounds):
        listing = list_input_files(pattern)
        paths = [f.path for f in listing]
        seconds, (found, _) = _time(identify_inputs, paths, listing, {})
        every.append(seconds)
        state = {f.path: f._replace(run_id="r1") for f in found}
        seconds, (_, hashed_after) = _time(identify_inputs, paths, listing, state)
        listed.append(seconds)
    return every, listed, hashed_after


def _s3_pattern(directory: Path, tag: str):
    import boto3
    from apache_beam.io.filesystems import FileSystems
    from apache_beam.options.pipeline_options import PipelineOptions
    from moto.server import ThreadedMotoServer

    from transforms.io.s3_clients import share_s3_clients

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0)
    server.start()
    host, port = server.get_host_and_port()
    options = {"s3_endpoint_url": f"http://{host}:{port}", "s3_access_key_id": "k",
               "s3_secret_access_key": "s", "s3_region_name": "us-east-1"}  # fmt: skip
    client = boto3.client("s3", endpoint_url=options["s3_endpoint_url"], aws_access_key_id="k",
                          aws_secret_access_key="s", region_name="us-east-1")  # fmt: skip
    client.create_bucket(Bucket="bench")
    for path in sorted(directory.rglob("*")):
        if path.is_file():
            client.put_object(Bucket="bench", Key=f"{tag}/{path.relative_to(directory)}",
                              Body=path.read_bytes())  # fmt: skip
    FileSystems.set_options(PipelineOptions([], **options))
    share_s3_clients()
    return f"s3://bench/{tag}/**", server


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, nargs="+", default=[2000, 8000])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--s3", action="store_true", help="list and read from moto's S3 server")
    args = parser.parse_args(argv)
    if args.s3:
        import logging

        logging.getLogger("werkzeug").setLevel(logging.ERROR)
    print(f"{'files':>7}{'read every file, s':>22}{'from the listing, s':>22}{'ratio':>8}{'read':>6}")
    for count in args.files:
        with tempfile.TemporaryDirectory(prefix="newsbeam-planning-") as scratch:
            directory = Path(scratch) / "raw"
            write_corpus(directory, count)
            server = None
            pattern = f"{directory}/**"
            if args.s3:
                pattern, server = _s3_pattern(directory, f"n{count}")
            try:
                every, listed, hashed = _measure(pattern, args.rounds)
            finally:
                if server is not None:
                    server.stop()
        a, b = statistics.median(every), statistics.median(listed)
        print(f"{count:>7}{a:>22.3f}{b:>22.3f}{b / a:>8.3f}{hashed:>6}")
        print(f"{'':>7}  rounds: " + ", ".join(f"{x:.3f}/{y:.3f}" for x, y in zip(every, listed, strict=True)))
    return 0


if __name__ == "__main__":
    sys.exit(main())

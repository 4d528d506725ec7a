"""One run from and to an object store against the same run on disk: what the bucket costs.

    python -m benchmarks.object_store --rounds 2
    python -m benchmarks.object_store --code /tmp/before . --rounds 2   # two checkouts, in turns

Each round starts moto's S3 server on 127.0.0.1 (a real S3 API in a thread of this process),
uploads the sample files (`data/raw`) to a bucket, and runs the real command (`--mode full`),
for each checkout in fresh processes: from disk to disk, then from the bucket to the bucket.
Prints the median wall time and the job's parts from the run manifest (graph run, version
build) per checkout, the bucket/disk ratio, and with two checkouts the ratio of the second to
the first. moto answers from memory in this process, so the time is the client's own work
(sessions, signing, requests), not a network's.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

KEY, SECRET, REGION = "bench-key", "bench-secret", "us-east-1"


def _command(code: Path, source: str, output: str, s3_options: list[str]) -> float:
    command = [sys.executable, "-m", "pipelines.tag_articles", "--input", source,
               "--output", output, "--mode", "full", *s3_options]  # fmt: skip
    started = time.perf_counter()
    subprocess.run(command, cwd=code, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - started


def _manifest(read_json) -> dict[str, float]:
    manifest = read_json()
    return {"pipeline": manifest["pipeline_seconds"], "build": manifest["build_seconds"]}


def one_round(code: Path, raw: Path, work: Path, client, s3_options: list[str], tag: str) -> dict:
    disk_out = work / f"out-{tag}"
    disk = _command(code, str(raw), str(disk_out), [])
    [path] = (disk_out / "_runs").glob("*.json")
    disk_parts = _manifest(lambda: json.loads(path.read_text()))
    shutil.rmtree(disk_out)
    bucket = _command(code, "s3://raw-in/raw", f"s3://news-out/{tag}", s3_options)
    [key] = [o["Key"] for o in client.list_objects_v2(Bucket="news-out", Prefix=f"{tag}/_runs/")["Contents"]]
    bucket_parts = _manifest(
        lambda: json.loads(client.get_object(Bucket="news-out", Key=key)["Body"].read())
    )
    return {
        "disk: whole command": disk,
        "disk: graph run": disk_parts["pipeline"],
        "disk: version build": disk_parts["build"],
        "bucket: whole command": bucket,
        "bucket: graph run": bucket_parts["pipeline"],
        "bucket: version build": bucket_parts["build"],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--code", type=Path, nargs="+", default=[Path(".")],
                        help="checkouts to measure (default: this one)")  # fmt: skip
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--input", type=Path, default=Path("data/raw"))
    args = parser.parse_args(argv)
    import logging

    import boto3
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # one line per request otherwise

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    client = boto3.client("s3", endpoint_url=endpoint, aws_access_key_id=KEY,
                          aws_secret_access_key=SECRET, region_name=REGION)  # fmt: skip
    for bucket in ("raw-in", "news-out"):
        client.create_bucket(Bucket=bucket)
    files = sorted(p for p in args.input.rglob("*") if p.is_file())
    for path in files:
        client.put_object(Bucket="raw-in", Key=f"raw/{path.relative_to(args.input)}", Body=path.read_bytes())
    s3_options = ["--s3_endpoint_url", endpoint, "--s3_access_key_id", KEY,
                  "--s3_secret_access_key", SECRET, "--s3_region_name", REGION]  # fmt: skip
    results: dict[Path, list[dict]] = {code: [] for code in args.code}
    try:
        with tempfile.TemporaryDirectory(prefix="newsbeam-object-store-") as scratch:
            work = Path(scratch)
            raw = work / "raw"
            shutil.copytree(args.input, raw)
            for number in range(args.rounds):
                for index, code in enumerate(args.code):  # in turns: drift hits each alike
                    tag = f"r{number}c{index}"
                    results[code].append(one_round(code.resolve(), raw, work, client, s3_options, tag))
                print(f"round {number + 1} of {args.rounds} done", file=sys.stderr)
    finally:
        server.stop()
    medians = {
        code: {part: statistics.median(r[part] for r in rounds) for part in rounds[0]}
        for code, rounds in results.items()
    }
    print(f"one full run over {len(files)} files ({args.input}), median of {args.rounds} rounds, s")
    header = f"{'part':<26}" + "".join(f"{str(code)[-18:]:>20}" for code in args.code)
    print(header + (f"{'ratio':>8}" if len(args.code) == 2 else ""))
    for part in medians[args.code[0]]:
        values = [medians[code][part] for code in args.code]
        ratio = f"{values[1] / values[0]:>8.2f}" if len(values) == 2 and values[0] else ""
        print(f"{part:<26}" + "".join(f"{v:>20.2f}" for v in values) + ratio)
    for code in args.code:
        m = medians[code]
        print(f"bucket / disk, whole command ({code}): "
              f"{m['bucket: whole command'] / m['disk: whole command']:.2f}")  # fmt: skip
        print(f"bucket, every round ({code}): "
              + ", ".join(f"{r['bucket: whole command']:.1f}" for r in results[code]))  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())

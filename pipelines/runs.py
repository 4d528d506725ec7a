"""Lists the runs recorded in an output (a directory or an object-store URL), newest last.

python -m pipelines.runs --output data/out [--json]
python -m pipelines.runs --output s3://bucket/out --current articles --s3_endpoint_url ...

Options it does not know (Beam's --s3_* options) go to Beam's filesystems.
"""

from __future__ import annotations

import argparse
import json
import sys

from apache_beam.io.filesystems import FileSystems
from apache_beam.options.pipeline_options import PipelineOptions

from pipelines.store.layout import current_version, read_manifests
from pipelines.store.storage import name, storage_for
from schemas import ALL_DATASETS


def format_runs(output: str) -> str:
    current = current_version(output)
    lines = [
        f"{'run_id':<26} {'status':<9} {'mode':<11} {'read':>5} {'articles':>8} {'errors':>6} {'dups':>5} {'seconds':>8}"
    ]
    for manifest in read_manifests(output):
        this_run = manifest.get("this_run", {})
        marker = " *" if current is not None and name(current) == manifest["run_id"] else ""
        lines.append(
            f"{manifest['run_id']:<26} {manifest['status']:<9} {manifest.get('mode', ''):<11} "
            f"{manifest.get('plan', {}).get('to_process', ''):>5} {this_run.get('articles', ''):>8} "
            f"{this_run.get('errors', ''):>6} {this_run.get('duplicates', ''):>5} "
            f"{manifest.get('duration_seconds', ''):>8}{marker}"
        )
    return "\n".join(lines) + "\n(* = the published version)"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="newsbeam-runs", description="List past runs.")
    parser.add_argument("--output", required=True)
    parser.add_argument("--json", action="store_true", help="print the manifests as JSON")
    parser.add_argument(
        "--current",
        metavar="DATASET",
        choices=sorted(ALL_DATASETS),
        help="print the path (or URL) of DATASET in the published version",
    )
    args, beam_args = parser.parse_known_args(argv)
    try:
        FileSystems.set_options(PipelineOptions(beam_args))
        store = storage_for(args.output)
        found = store.exists(store.join("_current")) or bool(store.children(store.join("_runs")))
    except Exception as err:  # a missing filesystem extra, an unreachable bucket
        print(f"newsbeam-runs: error: {args.output!r}: {err}", file=sys.stderr)
        return 2
    if not found:
        print(f"newsbeam-runs: error: {args.output!r} holds no newsbeam output", file=sys.stderr)
        return 2
    if args.current:
        version = current_version(args.output)
        if version is None:
            print(
                f"newsbeam-runs: error: {args.output!r} has no published version", file=sys.stderr
            )
            return 1
        print(storage_for(version).join(args.current))
    elif args.json:
        print(json.dumps(read_manifests(args.output), indent=2))
    else:
        print(format_runs(args.output))
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Lists the runs recorded in an output directory, newest last.

python -m pipelines.runs --output data/out [--json]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from pipelines.store.layout import current_version, read_manifests


def format_runs(output: Path) -> str:
    current = current_version(output)
    lines = [
        f"{'run_id':<26} {'status':<9} {'mode':<11} {'read':>5} {'articles':>8} {'errors':>6} {'dups':>5} {'seconds':>8}"
    ]
    for manifest in read_manifests(output):
        this_run = manifest.get("this_run", {})
        marker = " *" if current is not None and current.name == manifest["run_id"] else ""
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
    args = parser.parse_args(argv)
    output = Path(args.output)
    if not output.is_dir():
        print(f"newsbeam-runs: error: {args.output!r} is not a directory", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(read_manifests(output), indent=2))
    else:
        print(format_runs(output))
    return 0


if __name__ == "__main__":
    sys.exit(main())

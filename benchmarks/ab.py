"""The pipeline's speed in several checkouts, measured in turns on the same corpus.

    python -m benchmarks.ab --code /tmp/before /tmp/after --articles 2000 --rounds 2

Each round runs the real command once per checkout, one after the other (A B C, A B C, ...),
on the same generated corpus (`benchmarks/corpus.py`), timed from process start to exit like
`benchmarks.throughput` (W = 1 unless `--workers`). This machine's speed drifts by several
percent within minutes; runs next to each other in time see the same machine, so the ratio of
each checkout to the first, taken within a round, is the number to read (its spread over the
rounds says how far to trust it). Prints words/s, peak memory and those ratios, per round and
as the median.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from statistics import median

from benchmarks.corpus import write_corpus
from benchmarks.throughput import TreeMemory


def run_checkout(code: Path, corpus: Path, workers: int) -> dict:
    """One full run of `code`'s command: words/s and the process tree's peak RSS."""
    with tempfile.TemporaryDirectory() as output:
        command = [sys.executable, "-m", "pipelines.tag_articles", "--input", str(corpus),
                   "--output", output, "--mode", "full"]  # fmt: skip
        if workers > 1:
            command += ["--direct_num_workers", str(workers),
                        "--direct_running_mode", "multi_processing"]  # fmt: skip
        start = time.perf_counter()
        process = subprocess.Popen(
            command, cwd=code, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        with TreeMemory(process.pid) as memory:
            _, stderr = process.communicate()
        seconds = time.perf_counter() - start
        if process.returncode != 0:
            raise RuntimeError(f"{code} failed: {stderr.decode()[-2000:]}")
        manifest = json.loads(next(Path(output, "_runs").glob("*.json")).read_text())
    words = manifest["this_run"]["words"]
    return {"seconds": round(seconds, 1), "wps": round(words / seconds), "words": words,
            "peak_mb": round(memory.peak / 2**20)}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--code", type=Path, nargs="+", required=True, help="checkouts; the first is the base"
    )
    parser.add_argument("--articles", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        corpus = Path(scratch, "corpus")
        write_corpus(corpus, args.articles)
        ratios: dict[Path, list[float]] = {code: [] for code in args.code}
        for index in range(args.rounds):
            runs = {code: run_checkout(code, corpus, args.workers) for code in args.code}
            base = runs[args.code[0]]["wps"]
            for code, run in runs.items():
                ratios[code].append(run["wps"] / base)
                print(f"round {index + 1}: {code}: {run['wps']:,} words/s, {run['seconds']} s, "
                      f"peak {run['peak_mb']:,} MB, {run['wps'] / base:.3f} of the first", flush=True)  # fmt: skip
    for code, values in ratios.items():
        print(
            f"{code}: median {median(values):.3f} of the first "
            f"(rounds: {', '.join(f'{v:.3f}' for v in values)})"
        )


if __name__ == "__main__":
    main()

"""The pipeline's speed in several checkouts, measured in turns on the same corpus.

    python -m benchmarks.ab --code /tmp/before /tmp/after --articles 2000 --rounds 2

Each round runs the real command once per checkout, one after the other (A B C, A B C, ...),
on the same generated corpus (`benchmarks/corpus.py`), timed from process start to exit like
`benchmarks.throughput` (W = 1 unless `--workers`). This machine's speed drifts by several
percent within minutes; runs next to each other in time see the same machine, so the ratio of
each checkout to the first, taken within a round, is the number to read (its spread over the
rounds says how far to trust it). Prints words/s, peak memory and those ratios, per round and
as the median. Each run's CPU time (its process tree's user + system time) and the CPU time the
hypervisor stole meanwhile are printed too; on this machine CPU time drifted with wall time
(docs/performance.md), so it is no steadier a measure, and little was ever stolen.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path
from statistics import median

from benchmarks.corpus import write_corpus
from benchmarks.throughput import measure_pipeline


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
            runs = {code: measure_pipeline(corpus, args.workers, code=code) for code in args.code}
            base = runs[args.code[0]]["wps"]
            for code, run in runs.items():
                ratios[code].append(run["wps"] / base)
                print(f"round {index + 1}: {code}: {run['wps']:,.0f} words/s, "
                      f"{run['seconds']:.1f} s, CPU {run['cpu_seconds']:.1f} s "
                      f"(stolen {run['steal_seconds']:.1f} s), "
                      f"peak {run['peak_rss'] / 2**20:,.0f} MB, "
                      f"{run['wps'] / base:.3f} of the first", flush=True)  # fmt: skip
    for code, values in ratios.items():
        print(
            f"{code}: median {median(values):.3f} of the first "
            f"(rounds: {', '.join(f'{v:.3f}' for v in values)})"
        )


if __name__ == "__main__":
    main()

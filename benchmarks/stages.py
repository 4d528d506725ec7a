"""Wall time per fused stage of the local runner: where a run's time goes besides tagging.

    python -m benchmarks.stages --articles 2000 --workers 2
    python -m benchmarks.stages --articles 20 --code /tmp/before /tmp/after

Runs the real command of each checkout once on one generated corpus (`benchmarks/corpus.py`),
in a child process that times every bundle the FnApiRunner executes
(`FnApiRunner._execute_bundle`, summed per fused stage) and the graph run as a whole
(`run_stages`). Prints per checkout: the process's wall time, the number of fused stages, the
time inside them, the tagging stage (the one that holds `TagArticles`), every other stage
(the steps before and after tagging: each costs the runner a fixed time besides its work),
what is outside the stages (imports, building the graph, the job's phases), and the slowest
stages. A stage's time at W = 2 includes waiting for its slower worker. Wall times drift with
the machine by several percent within minutes: compare checkouts within one invocation, and
repeat (`benchmarks.ab` does the turns).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.corpus import write_corpus

# Run in the child with the checkout on sys.path: patches the runner, runs the command, prints
# one JSON line with the stage times.
_CHILD = r"""
import collections, json, sys, time
from apache_beam.runners.portability.fn_api_runner import fn_runner

times, runs = collections.defaultdict(float), {}
execute, run_stages = fn_runner.FnApiRunner._execute_bundle, fn_runner.FnApiRunner.run_stages

def timed_bundle(self, context, bundle, data):
    start = time.perf_counter()
    try:
        return execute(self, context, bundle, data)
    finally:
        times[bundle.stage.name] += time.perf_counter() - start

def timed_stages(self, stage_context, stages):
    start = time.perf_counter()
    try:
        return run_stages(self, stage_context, stages)
    finally:
        runs["seconds"], runs["stages"] = time.perf_counter() - start, len(stages)

fn_runner.FnApiRunner._execute_bundle = timed_bundle
fn_runner.FnApiRunner.run_stages = timed_stages
from pipelines import tag_articles
code = tag_articles.run(sys.argv[1:])
print("STAGES " + json.dumps({"code": code, **runs, "times": times}))
"""


def _stage_label(name: str) -> str:
    """A fused stage's name lists every transform in it; its first is what it reads."""
    first = name.lstrip("(").split(")")[0]
    return first.replace("ref_AppliedPTransform_", "")[:90]


def measure(corpus: Path, code: Path, workers: int) -> dict:
    with tempfile.TemporaryDirectory() as output:
        command = [sys.executable, "-c", _CHILD, "--input", str(corpus), "--output", output,
                   "--mode", "full"]  # fmt: skip
        if workers > 1:
            command += ["--direct_num_workers", str(workers),
                        "--direct_running_mode", "multi_processing"]  # fmt: skip
        start = time.perf_counter()
        run = subprocess.run(command, cwd=code, capture_output=True, text=True,
                             env={**os.environ, "PYTHONPATH": str(code)})  # fmt: skip
        wall = time.perf_counter() - start
    line = next((x for x in run.stdout.splitlines() if x.startswith("STAGES ")), None)
    if run.returncode != 0 or line is None:
        raise RuntimeError(f"run failed ({run.returncode}): {run.stderr[-2000:]}")
    result = json.loads(line[len("STAGES ") :])
    times = result["times"]
    tagging = sum(t for name, t in times.items() if "TagArticles" in name)
    return {"wall": wall, "stages": result["stages"], "in_stages": result["seconds"],
            "tagging": tagging, "other_stages": sum(times.values()) - tagging,
            "outside": wall - result["seconds"], "times": times}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=800)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--code", type=Path, nargs="+", default=[Path.cwd()])
    parser.add_argument("--top", type=int, default=8, help="slowest stages to list")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        corpus = Path(scratch, "corpus")
        write_corpus(corpus, args.articles)
        for code in args.code:
            run = measure(corpus, code.resolve(), args.workers)
            print(f"{code}: {run['wall']:.1f} s wall; {run['stages']} fused stages, "
                  f"{run['in_stages']:.1f} s in them: tagging stage {run['tagging']:.1f} s, "
                  f"the {run['stages'] - 1} others {run['other_stages']:.1f} s; "
                  f"outside the stages {run['outside']:.1f} s", flush=True)  # fmt: skip
            slowest = sorted(run["times"].items(), key=lambda kv: -kv[1])[: args.top]
            for name, seconds in slowest:
                print(f"  {seconds:7.2f} s  {_stage_label(name)}")


if __name__ == "__main__":
    main()

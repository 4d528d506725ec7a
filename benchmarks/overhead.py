"""Where the pipeline spends its time besides spaCy: a sampling profile of the real command.

    pip install -e '.[profile]'     # py-spy
    python -m benchmarks.overhead --articles 800
    python -m benchmarks.overhead --articles 800 --code /tmp/before /tmp/after

Runs the command (W = 1, in-memory: every step in one process) of each checkout under `py-spy
record` at 50 samples per second on one generated corpus, and sorts the main thread's samples:
those inside spaCy's `Language.pipe` (the model's own work, the part the limit in
`benchmarks.throughput` measures) and the rest, by step (the first newsbeam function under
Beam's `Pipeline.run`: the DoFn or CombineFn method that the sample is in), Beam's own work
(no newsbeam frame: coders, bundle set-up), and what runs outside the graph (imports, the job's
phases, building the graph). The number to compare is the **overhead ratio**, samples outside
spaCy per sample inside it: taken within one run, it does not move with the machine's speed the
way wall times do (they drift by several percent within minutes here). py-spy leaves out the
samples in which the thread waits (files, locks), so waiting shows only in wall time
(`benchmarks.ab`).
"""

from __future__ import annotations

import argparse
import collections
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from benchmarks.corpus import write_corpus

_PROJECT = re.compile(r"\((transforms|pipelines|schemas)/")
_LINE = re.compile(r":\d+\)$")


def _frames(stack: str) -> list[str]:
    return [_LINE.sub(")", frame) for frame in stack.split(";")]


def _name(frame: str) -> str:
    return frame.split(" ")[0]


def _step(frames: list[str]) -> str:
    """The sample's category: spaCy, a step of the graph, Beam itself, or outside the graph."""
    if any(frame.startswith("Language.pipe ") for frame in frames):
        return "spaCy Language.pipe"
    graph = next((i for i, frame in enumerate(frames) if frame.startswith("Pipeline.run ")), None)
    if graph is None:
        ours = [frame for frame in frames if _PROJECT.search(frame)]
        return f"outside the graph: {_name(ours[-1]) if ours else _name(frames[-1])}"
    ours = next((frame for frame in frames[graph:] if _PROJECT.search(frame)), None)
    return f"step: {_name(ours)}" if ours else "Beam itself (coders, bundles)"


def summarize(raw: str) -> collections.Counter:
    """py-spy's raw output (one `frame;frame;... count` line per stack) -> samples per category,
    main thread only (the other threads are Beam's idle pollers)."""
    counts: collections.Counter = collections.Counter()
    for line in raw.splitlines():
        stack, _, count = line.rpartition(" ")
        frames = _frames(stack)
        if frames and frames[0].startswith("_run_module_as_main "):
            counts[_step(frames)] += int(count)
    return counts


def profile(code: Path, corpus: Path, py_spy: str) -> collections.Counter:
    with tempfile.TemporaryDirectory() as scratch:
        raw = Path(scratch, "samples.txt")
        command = [py_spy, "record", "--rate", "50", "--format", "raw", "--output", str(raw),
                   "--", sys.executable, "-m", "pipelines.tag_articles", "--input", str(corpus),
                   "--output", str(Path(scratch, "out")), "--mode", "full"]  # fmt: skip
        done = subprocess.run(command, cwd=code, capture_output=True, text=True)
        if done.returncode != 0:
            raise RuntimeError(f"{code}: py-spy or the pipeline failed: {done.stderr[-2000:]}")
        return summarize(raw.read_text())


def report(code: Path, counts: collections.Counter, top: int) -> float:
    spacy = counts["spaCy Language.pipe"]
    total = sum(counts.values())
    overhead = total - spacy
    print(f"{code}: {total:,} samples, spaCy {spacy:,}, everything else {overhead:,}: "
          f"overhead ratio {overhead / spacy:.3f}")  # fmt: skip
    for category, samples in counts.most_common(top + 1):
        if category != "spaCy Language.pipe":
            print(f"  {samples:6,}  {samples / spacy:6.3f}  {category}")
    return overhead / spacy


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--code", type=Path, nargs="+", default=[Path(".")],
                        help="checkouts to profile, each on the same corpus")  # fmt: skip
    parser.add_argument("--articles", type=int, default=800)
    parser.add_argument("--top", type=int, default=15, help="categories to list per checkout")
    args = parser.parse_args()
    py_spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    if not Path(py_spy).exists():
        parser.exit(2, "benchmarks.overhead: error: py-spy is not installed (pip install py-spy)\n")
    with tempfile.TemporaryDirectory() as scratch:
        corpus = Path(scratch, "corpus")
        write_corpus(corpus, args.articles)
        ratios = {code: report(code, profile(code, corpus, py_spy), args.top) for code in args.code}
    if len(ratios) > 1:
        first = next(iter(ratios.values()))
        for code, ratio in ratios.items():
            print(f"{code}: overhead ratio {ratio:.3f} ({ratio / first:.2f} of the first)")


if __name__ == "__main__":
    main()

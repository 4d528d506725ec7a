"""Peak memory of the driver process as the corpus grows: N articles all in one month.

    python -m benchmarks.driver_memory --articles 2000 8000 [--code CHECKOUT]

Runs the pipeline with two SDK worker processes (`--direct_running_mode multi_processing`),
so the driver (which plans, runs the Beam job service, verifies and builds the version) is a
process of its own, and reads its kernel-kept peak RSS (`VmHWM`) just before it exits; the
whole process tree's sampled peak is printed beside it. `--code` runs another checkout (for
before/after comparisons).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from benchmarks.corpus import FORMATS, _article
from benchmarks.throughput import TreeMemory


def write_one_month_corpus(directory: Path, count: int, seed: int = 20181219) -> None:
    """The benchmark corpus with every article dated in March 2019 (one month partition)."""
    import random

    rng = random.Random(seed)
    directory.mkdir(parents=True, exist_ok=True)
    names = sorted(n for n in FORMATS if n != "json_lines")
    for index in range(count):
        article = _article(rng, index)
        article["published_date"] = dt.date(2019, 3, 1) + dt.timedelta(days=index % 31)
        name, data = FORMATS[names[index % len(names)]](article)
        (directory / f"{index:06d}-{name}").write_bytes(data)


def _peak_of(pid: int, peaks: dict, stop: threading.Event) -> None:
    """Keeps the last VmHWM seen (the kernel's own high-water mark of the process's RSS)."""
    while not stop.is_set():
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    peaks["driver"] = int(line.split()[1]) * 1024
        except OSError:
            return
        time.sleep(0.05)


def measure(corpus: Path, code: Path) -> dict:
    with tempfile.TemporaryDirectory() as output:
        command = [sys.executable, "-m", "pipelines.tag_articles", "--input", str(corpus),
                   "--output", output, "--mode", "full", "--direct_num_workers", "2",
                   "--direct_running_mode", "multi_processing"]  # fmt: skip
        start = time.perf_counter()
        process = subprocess.Popen(command, cwd=code, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        peaks: dict = {}
        stop = threading.Event()
        watcher = threading.Thread(target=_peak_of, args=(process.pid, peaks, stop), daemon=True)
        watcher.start()
        with TreeMemory(process.pid) as tree:
            _, stderr = process.communicate()
        stop.set()
        watcher.join()
        if process.returncode != 0:
            raise RuntimeError(stderr.decode()[-2000:])
        manifest = json.loads(next(Path(output, "_runs").glob("*.json")).read_text())
    return {
        "seconds": round(time.perf_counter() - start, 1),
        "driver_peak_mb": round(peaks.get("driver", 0) / 2**20),
        "tree_peak_mb": round(tree.peak / 2**20),
        "articles": manifest["this_run"]["articles"],
        "entity_mentions": manifest["this_run"]["entity_mentions"],
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, nargs="+", default=[2000, 8000])
    parser.add_argument("--code", type=Path, default=Path("."), help="checkout to run")
    parser.add_argument("--corpus-dir", type=Path, help="keep the corpora here (default: temp)")
    args = parser.parse_args(argv)
    results = []
    with tempfile.TemporaryDirectory() as scratch:
        base = args.corpus_dir or Path(scratch)
        for count in args.articles:
            corpus = base / f"one-month-{count}"
            if not corpus.exists():
                write_one_month_corpus(corpus, count)
            results.append({"n": count, **measure(corpus, args.code.resolve())})
            print(json.dumps(results[-1]), flush=True)
    if len(results) > 1:
        first, last = results[0], results[-1]
        print(f"driver peak RSS {last['n']}/{first['n']}: "
              f"{last['driver_peak_mb'] / first['driver_peak_mb']:.2f}")  # fmt: skip


if __name__ == "__main__":
    main()

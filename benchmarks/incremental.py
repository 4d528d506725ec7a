"""What one new file costs a scheduled incremental run, as the published corpus grows.

    python -m benchmarks.incremental --published 2000 8000 --rounds 3
    python -m benchmarks.incremental --published 2000 --code /tmp/before .

For each size N: a generated corpus of N articles (`benchmarks/corpus.py`) is published by one
full run (`--workers` worker processes; timed and printed, not what is measured); then, `--rounds`
times, one new article (dated in a month the corpus has) is added and an incremental run
publishes it, timed from process start to exit, with the parts its manifest records (plan,
graph construction, graph run, version build, the rest) and the fused stages it ran. Prints
the median per part for each N, the ratio of each size to the first, and a full run over the
sample files (`data/raw`) for scale. Every checkout of `--code` runs the same rounds in turns
on a copy of the same published output. `--work DIR` keeps the generated corpora and their
published outputs in DIR and reuses them on the next invocation (the full runs at 8,000
articles take minutes); `--stages K` prints the K fused stages that grow most from the first
N to the last. By default every N spans the same two years, so the month a new article lands in
grows with N; `--per-month R` makes a growing archive instead (N / R whole months from January 2018, the new
article in the last one: what a scheduled job adding today's news sees).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.corpus import FIRST_DAY, write_corpus
from benchmarks.stages import _CHILD

NEW_ARTICLE = (
    "date {date} Harbour board approves plan {n}\n\n"
    "The harbour board in Bergen approved plan number {n} on Tuesday, said Ingrid Solberg, "
    "its chair. Dock workers welcomed the decision.\n"
)


def _command(raw: Path, output: Path, workers: int, *extra: str) -> list[str]:
    command = ["--input", str(raw), "--output", str(output), *extra]
    if workers > 1:
        command += ["--direct_num_workers", str(workers),
                    "--direct_running_mode", "multi_processing"]  # fmt: skip
    return command


def timed_run(code: Path, args: list[str]) -> dict:
    """The command (with per-stage times), its wall time and its manifest's parts."""
    started = time.perf_counter()
    run = subprocess.run([sys.executable, "-c", _CHILD, *args], cwd=code,
                         capture_output=True, text=True)  # fmt: skip
    wall = time.perf_counter() - started
    line = next((x for x in run.stdout.splitlines() if x.startswith("STAGES ")), None)
    if run.returncode != 0 or line is None:
        raise RuntimeError(f"run failed ({run.returncode}): {run.stderr[-2000:]}")
    stages = json.loads(line[len("STAGES ") :])
    output = Path(args[args.index("--output") + 1])
    manifest = json.loads(max((output / "_runs").glob("*.json")).read_text())
    pipeline, build = manifest["pipeline_seconds"], manifest["build_seconds"]
    construction = manifest.get("graph_construction_seconds") or 0.0
    return {
        "wall": wall,
        "plan": manifest["duration_seconds"] - pipeline - build,  # with verify, publish
        "graph construction": construction,
        "graph run": pipeline - construction,
        "build": build,
        "outside the job": wall - manifest["duration_seconds"],
        "stages": stages.get("stages", 0),
        "read": manifest["plan"]["to_process"],
        "times": stages.get("times", {}),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--published", type=int, nargs="+", default=[2000, 8000])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2, help="for the publishing full run")
    parser.add_argument("--code", type=Path, nargs="+", default=[Path(".")])
    parser.add_argument("--work", type=Path, help="keep and reuse the published corpora here")
    parser.add_argument("--stages", type=int, default=0, help="print the K stages that grow most")
    parser.add_argument("--per-month", type=int, metavar="R",
                        help="a growing archive: about R articles a month (N / R whole months, "
                             "the new article in the last); default: every N over the same "
                             "two years")  # fmt: skip
    args = parser.parse_args(argv)
    codes = [code.resolve() for code in args.code]
    medians: dict[tuple[Path, int], dict] = {}
    stage_times: dict[tuple[Path, int], dict[str, float]] = {}
    with tempfile.TemporaryDirectory(prefix="newsbeam-incremental-") as scratch:
        work, kept = Path(scratch), args.work.resolve() if args.work else None
        sample = timed_run(codes[0], _command(Path("data/raw").resolve(), work / "sample", 1,
                                               "--mode", "full"))  # fmt: skip
        for size in args.published:
            home = kept or work
            month, days = (2019, 3), 730
            if args.per_month:
                months = math.ceil(size / args.per_month)
                year, index = divmod(FIRST_DAY.month - 1 + months, 12)
                days = (dt.date(FIRST_DAY.year + year, index + 1, 1) - FIRST_DAY).days
                last = FIRST_DAY + dt.timedelta(days=days - 1)
                month = (last.year, last.month)
            shape = f"-per-month-{args.per_month}" if args.per_month else ""
            raw, published = home / f"raw-{size}{shape}", home / f"published-{size}{shape}"
            if kept and (published / "_runs").is_dir():
                print(f"N = {size}: reusing {published}", file=sys.stderr)
            else:
                shutil.rmtree(raw, ignore_errors=True)
                shutil.rmtree(published, ignore_errors=True)
                write_corpus(raw, size, days=days)
                full = timed_run(codes[0], _command(raw, published, args.workers,
                                                    "--mode", "full"))  # fmt: skip
                print(f"N = {size}: published by a full run in {full['wall']:.0f} s",
                      file=sys.stderr)  # fmt: skip
            outputs = {code: work / f"out-{size}-{i}" for i, code in enumerate(codes)}
            rounds: dict[Path, list[dict]] = {code: [] for code in codes}
            for output in outputs.values():
                shutil.copytree(published, output, symlinks=True)
            for number in range(args.rounds):
                for i, code in enumerate(codes):  # in turns, on the files the rows name
                    new = raw / f"new-{i}-{number}.txt"
                    date = dt.date(*month, 1 + number).isoformat()
                    new.write_text(NEW_ARTICLE.format(date=date, n=f"{i}-{number}"))
                    run = timed_run(code, _command(raw, outputs[code], 1))
                    assert run["read"] == 1, run  # only the new file is read
                    rounds[code].append(run)
                    new.unlink()  # a deleted file keeps its rows: the next run reads 1 again
            for code in codes:
                medians[(code, size)] = {
                    part: statistics.median(r[part] for r in rounds[code])
                    for part in rounds[code][0]
                    if part != "times"
                }
                names = set().union(*(r["times"] for r in rounds[code]))
                stage_times[(code, size)] = {
                    name: statistics.median(r["times"].get(name, 0.0) for r in rounds[code])
                    for name in names
                }
    shape = f"about {args.per_month} a month" if args.per_month else "every N over two years"
    print(f"one new file over N published articles ({shape}), median of {args.rounds} rounds, s "
          f"(a full run over data/raw: {sample['wall']:.2f} s)")  # fmt: skip
    parts = ["wall", "outside the job", "plan", "graph construction", "graph run", "build",
             "stages"]  # fmt: skip
    for code in codes:
        print(f"{code}")
        print(f"  {'N':>7}" + "".join(f"{p:>20}" for p in parts) + f"{'vs first N':>12}")
        first = medians[(code, args.published[0])]["wall"]
        for size in args.published:
            row = medians[(code, size)]
            cells = "".join(f"{row[p]:>20.2f}" if p != "stages" else f"{row[p]:>20.0f}"
                            for p in parts)  # fmt: skip
            print(f"  {size:>7}{cells}{row['wall'] / first:>12.2f}")
        if args.stages and len(args.published) > 1:
            low, high = (stage_times[(code, n)] for n in (args.published[0], args.published[-1]))
            growth = sorted(high, key=lambda name: low.get(name, 0.0) - high[name])
            print(f"  stages that grow most, s at N = {args.published[0]} -> {args.published[-1]}")
            for name in growth[: args.stages]:
                print(f"    {high[name] - low.get(name, 0.0):+7.2f}  {low.get(name, 0.0):6.2f} -> "
                      f"{high[name]:6.2f}  {name[:110]}")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())

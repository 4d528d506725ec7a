"""The fixed cost of one small run, by part: what a scheduled run of a few files pays whatever
its size.

    python -m benchmarks.fixed_cost --rounds 3
    python -m benchmarks.fixed_cost --code /tmp/before . --rounds 3   # two checkouts, in turns

Each round runs, for each checkout, in fresh processes: the interpreter alone; the command's
imports; loading the tagger as a worker does (spaCy, the model, VADER, the gazetteer, the
language model); and the real command (`--mode full`) over the sample files (`data/raw`) into
a new output. The command's own parts come from its run manifest: planning, building the
graph, running it (the model load included), building the version, and the rest (verify,
publish, summary); "outside the job" is the process's wall time less the job's (interpreter,
imports, parsing the command line). Prints the median of the rounds per part, and with two
checkouts the ratio of the second to the first.
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

LOAD_TAGGER = (  # the load alone: spaCy's import, the model, VADER, the gazetteer
    "import time\n"
    "from pipelines.config import parse_config\n"
    "config = parse_config(['--input', 'data/raw', '--output', '/tmp/newsbeam-fixed-cost-unused'])\n"
    "tagger = config.tagger()\n"
    "started = time.perf_counter()\n"
    "tagger.load_model()\n"
    "print(time.perf_counter() - started)\n"
)


def _wall(command: list[str], cwd: Path) -> float:
    started = time.perf_counter()
    subprocess.run(command, cwd=cwd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - started


def _printed(script: str, cwd: Path) -> float:
    out = subprocess.run([sys.executable, "-c", script], cwd=cwd, check=True,
                         capture_output=True, text=True).stdout  # fmt: skip
    return float(out.strip().splitlines()[-1])


def one_round(code: Path, raw: Path, work: Path) -> dict[str, float | None]:
    """Seconds per part for one checkout, each in fresh processes."""
    interpreter = _wall([sys.executable, "-c", "pass"], code)
    imports = _wall([sys.executable, "-c", "import pipelines.tag_articles"], code) - interpreter
    model = _printed(LOAD_TAGGER, code)
    output = work / f"out-{time.monotonic_ns()}"
    command = [sys.executable, "-m", "pipelines.tag_articles", "--input", str(raw),
               "--output", str(output), "--mode", "full"]  # fmt: skip
    wall = _wall(command, code)
    [manifest_path] = (output / "_runs").glob("*.json")
    manifest = json.loads(manifest_path.read_text())
    shutil.rmtree(output)
    pipeline, build, duration = (
        manifest["pipeline_seconds"], manifest["build_seconds"], manifest["duration_seconds"]
    )
    construction = manifest.get("graph_construction_seconds")
    return {
        "interpreter start": interpreter,
        "imports of the command": imports,
        "tagger load, alone (in a worker)": model,
        "whole command (wall)": wall,
        "outside the job": wall - duration,
        "graph construction": construction,
        "graph run (tagger load included)": pipeline - construction if construction else pipeline,
        "version build": build,
        "plan, verify, publish, summary": duration - pipeline - build,
        "job (manifest duration)": duration,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--code", type=Path, nargs="+", default=[Path(".")],
                        help="checkouts to measure (default: this one)")  # fmt: skip
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--input", type=Path, default=Path("data/raw"))
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="newsbeam-fixed-cost-") as scratch:
        work = Path(scratch)
        raw = work / "raw"
        shutil.copytree(args.input, raw)
        results: dict[Path, list[dict]] = {code: [] for code in args.code}
        for number in range(args.rounds):
            for code in args.code:  # in turns, so the machine's drift hits each alike
                results[code].append(one_round(code.resolve(), raw, work))
            print(f"round {number + 1} of {args.rounds} done", file=sys.stderr)
    medians = {
        code: {
            part: statistics.median(v for r in rounds if (v := r[part]) is not None)
            if any(r[part] is not None for r in rounds) else None
            for part in rounds[0]
        }
        for code, rounds in results.items()
    }  # fmt: skip
    files = sum(1 for p in args.input.rglob("*") if p.is_file())
    print(f"fixed cost of one run over {files} files ({args.input}), median of {args.rounds} rounds, s")
    header = f"{'part':<36}" + "".join(f"{str(code)[-18:]:>20}" for code in args.code)
    print(header + (f"{'ratio':>8}" if len(args.code) == 2 else ""))
    for part in medians[args.code[0]]:
        values = [medians[code][part] for code in args.code]
        cells = "".join(f"{'n/a' if v is None else f'{v:.2f}':>20}" for v in values)
        ratio = ""
        if len(values) == 2 and None not in values and values[0]:
            ratio = f"{values[1] / values[0]:>8.2f}"
        print(f"{part:<36}{cells}{ratio}")
    spread = {code: [r["whole command (wall)"] for r in rounds] for code, rounds in results.items()}
    for code, walls in spread.items():
        print(f"whole command, every round ({code}): " + ", ".join(f"{w:.2f}" for w in walls))
    return 0


if __name__ == "__main__":
    sys.exit(main())

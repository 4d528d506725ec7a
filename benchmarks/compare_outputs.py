"""Row check for changes that must not change results: runs two checkouts of newsbeam on the
same inputs and compares every dataset, row for row.

    python -m benchmarks.compare_outputs --before /tmp/old-checkout --after . --work /tmp/cmp

Two scenarios run for each checkout: a full run over `data/raw` plus a generated corpus, and an
incremental sequence over the same files (a first run on part of them, then new, edited and
deleted files with --prune-deleted). Columns that differ by design between any two runs
(`run_id`, `processed_at`) are left out, and so are columns only the new code writes (named
on stderr); every other column is compared exactly, floats included (a float difference is
reported with its size). The new code's incremental result is
also compared with its own full run over the same final inputs. Exit code 1 on any difference.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pyarrow.dataset as ds

VOLATILE = {"run_id", "processed_at"}


def read_rows(dataset_dir: Path) -> pd.DataFrame:
    """Every row of a Hive dataset without the volatile columns, in a canonical order."""
    table = ds.dataset(dataset_dir, format="parquet", partitioning="hive").to_table()
    frame = table.to_pandas()
    frame = frame[[c for c in sorted(frame.columns) if c not in VOLATILE]]
    text = _as_text(frame)
    return text.sort_values(list(text.columns)).reset_index(drop=True)


def _as_text(frame: pd.DataFrame) -> pd.DataFrame:
    """Each value as its repr (floats to the last bit; a missing value equals another)."""
    return pd.DataFrame(
        {column: [repr(value) for value in frame[column]] for column in frame.columns},
        dtype=object,
    )


def _float_gap(old: pd.Series, new: pd.Series) -> str:
    """`, floats within 2.2e-16` when every differing value is a float close to the old one."""
    try:
        gaps = [abs(float(a) - float(b)) for a, b in zip(old, new, strict=True)]
    except ValueError:
        return ""
    return f", floats, largest difference {max(gaps):.2g}" if max(gaps) < 1e-12 else ""


def compare(before: Path, after: Path) -> list[str]:
    """Differences between two outputs, one line each; empty when every row matches."""
    problems = []
    names = sorted(
        {p.name for p in before.iterdir() if not p.name.startswith("_")}
        | {p.name for p in after.iterdir() if not p.name.startswith("_")}
    )
    for name in names:
        if not (before / name).exists():
            print(f"{name}: a new dataset (not compared)", file=sys.stderr)
            continue
        if not (after / name).exists():
            problems.append(f"{name}: missing in after")
            continue
        old, new = read_rows(before / name), read_rows(after / name)
        lost = set(old.columns) - set(new.columns)
        if lost:
            problems.append(f"{name}: columns lost {sorted(lost)}")
            continue
        added = sorted(set(new.columns) - set(old.columns))
        if added:
            print(f"{name}: new columns {added} (not compared)", file=sys.stderr)
        # Rows paired by position: sorted again on the shared columns alone, so that a new
        # column cannot reorder them.
        new = new[old.columns].sort_values(list(old.columns)).reset_index(drop=True)
        if len(old) != len(new):
            problems.append(f"{name}: {len(old)} rows before, {len(new)} after")
            continue
        for column in old.columns:
            differing = old[column] != new[column]
            if differing.any():
                problems.append(
                    f"{name}.{column}: {int(differing.sum())} of {len(old)} rows "
                    f"differ{_float_gap(old[column][differing], new[column][differing])}"
                )
        print(f"{name}: {len(old)} rows compared", file=sys.stderr)
    return problems


def _run(code: Path, inputs: Path, output: Path, *extra: str) -> None:
    command = [sys.executable, "-m", "pipelines.tag_articles", "--input", str(inputs)]
    command += ["--output", str(output), *extra]
    subprocess.run(command, cwd=code, check=True, stdout=subprocess.DEVNULL)


def _copy_tree(source: Path, target: Path) -> None:
    shutil.copytree(source, target, dirs_exist_ok=True)


def make_inputs(work: Path, code: Path, articles: int) -> tuple[Path, Path, Path]:
    """The full input folder, and the incremental sequence's first and second folders."""
    full = work / "inputs-full"
    if not full.exists():
        _copy_tree(code / "data" / "raw", full / "raw")
        subprocess.run(
            [sys.executable, "-m", "benchmarks.corpus", "--articles", str(articles),
             "--out", str(full / "corpus")],
            cwd=code, check=True, stdout=subprocess.DEVNULL,
        )  # fmt: skip
    first, second = work / "inputs-step1", work / "inputs-step2"
    if not first.exists():
        files = sorted(p for p in full.rglob("*") if p.is_file())
        for index, path in enumerate(files):
            relative = path.relative_to(full)
            if index % 3 != 0:  # two thirds in the first run
                (first / relative).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(path, first / relative)
        _copy_tree(full, second)
        edited = [p for p in sorted(second.rglob("*.txt")) if p.parent.name == "corpus"][:4]
        for path in edited:
            path.write_text(path.read_text() + "\n\nAn added closing line from the editors.\n")
        for path in sorted(second.rglob("*.md"))[:2]:
            path.unlink()
    return full, first, second


def run_scenarios(code: Path, work: Path, label: str, articles: int) -> tuple[Path, Path]:
    full, first, second = make_inputs(work, code, articles)
    out_full, out_incremental = work / f"{label}-full", work / f"{label}-incremental"
    for path in (out_full, out_incremental):
        shutil.rmtree(path, ignore_errors=True)
    _run(code, full, out_full, "--mode", "full")
    _run(code, first, out_incremental)
    _run(code, second, out_incremental, "--prune-deleted")
    return out_full, out_incremental


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--before", type=Path, required=True, help="checkout of the old code")
    parser.add_argument("--after", type=Path, default=Path("."), help="checkout of the new code")
    parser.add_argument("--work", type=Path, required=True, help="scratch directory")
    parser.add_argument("--articles", type=int, default=300, help="generated articles")
    parser.add_argument("--reuse-before", action="store_true", help="keep the old outputs")
    args = parser.parse_args(argv)
    args.work.mkdir(parents=True, exist_ok=True)
    if args.reuse_before and (args.work / "before-full").exists():
        before = args.work / "before-full", args.work / "before-incremental"
    else:
        before = run_scenarios(args.before.resolve(), args.work, "before", args.articles)
    after = run_scenarios(args.after.resolve(), args.work, "after", args.articles)
    problems = []
    for old, new in zip(before, after, strict=True):
        problems += [f"{new.name}: {p}" for p in compare(old, new)]
    # The new code's incremental result must equal a full run over the same final inputs.
    full_final = args.work / "after-full-final"
    shutil.rmtree(full_final, ignore_errors=True)
    _run(args.after.resolve(), args.work / "inputs-step2", full_final, "--mode", "full")
    problems += [f"incremental vs full: {p}" for p in compare(full_final, after[1])]
    for problem in problems:
        print(problem)
    print("identical" if not problems else f"{len(problems)} differences")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())

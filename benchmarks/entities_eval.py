"""Entity keys and labels on the labelled set in tests/data/entities_eval.yaml.

    python -m benchmarks.entities_eval                      # this checkout
    python -m benchmarks.entities_eval --code /work/before  # another checkout, same scoring

Writes the set's articles as raw files, runs the job of the checkout given (the whole set in
one run, so the corpus-level steps see every article), and scores its published `entities`
and `article_entities`, per half of the set (dev: the label table was built from it; test):

- found: expected mentions that overlap a mention the model found;
- label accuracy: expected mentions whose found mention has an accepted `canonical_label`
  (a missed mention counts as wrong), and the same among found mentions only;
- keyed: expected mentions whose found mention has the expected `canonical`;
- top-20 precision per label: of the 20 (canonical, label) with the most articles in
  `article_entities`, the share that are an expected name with an accepted label.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import pandas as pd
import yaml

EVAL_SET = Path(__file__).resolve().parent.parent / "tests" / "data" / "entities_eval.yaml"
TOP_LABELS = ("PERSON", "ORG", "GPE")


def load_set(path: Path = EVAL_SET) -> list[dict]:
    articles = yaml.safe_load(path.read_text())["articles"]
    for index, article in enumerate(articles):
        article["split"] = "dev" if index % 2 == 0 else "test"
        article["file"] = f"eval-{index:03d}.txt"
        expected = {}
        for name, spec in article["names"].items():
            key, labels = spec.rsplit("|", 1)
            expected[name] = (key, frozenset(labels.split("/")))
        article["expected"] = expected
    return articles


def write_raw(articles: list[dict], raw: Path) -> None:
    raw.mkdir(parents=True, exist_ok=True)
    for article in articles:
        text = f"date {article['date']} {article['title']}\n\n{article['text']}\n"
        (raw / article["file"]).write_text(text)


def expected_mentions(article: dict, field: str, text: str) -> list[tuple]:
    """(field, start, end, key, labels) of every occurrence, longest names first."""
    taken: list[tuple[int, int]] = []
    found = []
    for name in sorted(article["expected"], key=len, reverse=True):
        for match in re.finditer(rf"(?<!\w){re.escape(name)}(?!\w)", text):
            start, end = match.span()
            if any(start < e and s < end for s, e in taken):
                continue
            taken.append((start, end))
            found.append((field, start, end, *article["expected"][name]))
    return sorted(found)


def run_job(code: Path, raw: Path, output: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(code)}
    command = [sys.executable, "-m", "pipelines.tag_articles", "--input", str(raw),
               "--output", str(output), "--mode", "full"]  # fmt: skip
    result = subprocess.run(command, cwd=code, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit(f"the job failed:\n{result.stderr[-2000:]}")


def score(articles: list[dict], output: Path) -> dict:
    rows = pd.read_parquet(output / "articles")
    by_file = {Path(p).name: r for p, r in zip(rows.source_path, rows.itertuples(), strict=True)}
    entities = pd.read_parquet(output / "entities")
    mentions = collections.defaultdict(list)
    for m in entities.itertuples():
        mentions[m.article_id].append(m)
    totals: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    errors: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    for article in articles:
        row = by_file[article["file"]]
        counts = totals[article["split"]]
        for field, text in (("title", row.title), ("body", row.body)):
            for _, start, end, key, labels in expected_mentions(article, field, text):
                counts["expected"] += 1
                hits = [m for m in mentions[row.article_id]
                        if m.field == field and m.start_char < end and start < m.end_char]  # fmt: skip
                if not hits:
                    continue
                hit = max(hits, key=lambda m: min(end, m.end_char) - max(start, m.start_char))
                counts["found"] += 1
                counts["label_ok"] += hit.canonical_label in labels
                counts["key_ok"] += hit.canonical == key
                if hit.canonical_label not in labels or hit.canonical != key:
                    wrong = f"{text[start:end]!r} -> {hit.canonical}|{hit.canonical_label}"
                    errors[article["split"]][f"{wrong} (expected {key}|{'/'.join(labels)})"] += 1
    result = {}
    for split in ("dev", "test"):
        c = totals[split]
        result[split] = {
            "articles": sum(a["split"] == split for a in articles),
            "expected_mentions": c["expected"],
            "found": round(c["found"] / c["expected"], 3),
            "label_accuracy": round(c["label_ok"] / c["expected"], 3),
            "label_accuracy_found": round(c["label_ok"] / c["found"], 3),
            "keyed": round(c["key_ok"] / c["expected"], 3),
            "keyed_found": round(c["key_ok"] / c["found"], 3),
            "top20": top_precision(articles, output, split),
            "errors": dict(errors[split].most_common()),
        }
    return result


def top_precision(articles: list[dict], output: Path, split: str) -> dict:
    """Per label: precision of the top 20 by articles, and the wrong entries."""
    files = {a["file"] for a in articles if a["split"] == split}
    rows = pd.read_parquet(output / "articles")
    ids = {i for i, p in zip(rows.article_id, rows.source_path, strict=True)
           if Path(p).name in files}  # fmt: skip
    good = {(key, label) for a in articles if a["split"] == split
            for key, labels in a["expected"].values() for label in labels}  # fmt: skip
    table = pd.read_parquet(output / "article_entities")
    table = table[table.article_id.isin(ids)]
    ranked = (
        table.groupby(["canonical", "label"], as_index=False)
        .agg(articles=("article_id", "nunique"), mentions=("mentions", "sum"))
        .sort_values(["articles", "mentions", "canonical"], ascending=[False, False, True])
    )
    result = {}
    for label in TOP_LABELS:
        top = ranked[ranked.label == label].head(20)
        wrong = [c for c in top.canonical if (c, label) not in good]
        result[label] = {"precision": round(1 - len(wrong) / len(top), 3) if len(top) else None,
                         "n": len(top), "wrong": wrong}  # fmt: skip
    return result


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--code", type=Path, default=Path(__file__).resolve().parent.parent,
                        help="the checkout whose job is scored (default: this one)")  # fmt: skip
    parser.add_argument("--set", type=Path, default=EVAL_SET)
    parser.add_argument("--errors", action="store_true", help="list every wrong mention")
    args = parser.parse_args(argv)
    articles = load_set(args.set)
    with tempfile.TemporaryDirectory() as work:
        write_raw(articles, Path(work) / "raw")
        run_job(args.code.resolve(), Path(work) / "raw", Path(work) / "out")
        result = score(articles, Path(work) / "out")
    for split, numbers in result.items():
        if not args.errors:
            numbers = {k: v for k, v in numbers.items() if k != "errors"}
        print(split, json.dumps(numbers, indent=1))


if __name__ == "__main__":
    main()

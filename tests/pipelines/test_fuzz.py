"""The whole pipeline over a few hundred random and malformed files: nothing is lost."""

from __future__ import annotations

import datetime as dt
import json
import random
from pathlib import Path

import pandas as pd
import pytest

from benchmarks.render import RENDERERS
from schemas import ErrorRecord
from tests.helpers import run_pipeline
from transforms.parsing.parse import parse_file

pytestmark = pytest.mark.e2e

WORDS = [
    "the",
    "minister",
    "said",
    "talks",
    "in",
    "Geneva",
    "would",
    "resume",
    "after",
    "Monday",
    "despite",
    "deep",
    "divisions",
]


def _article(rng: random.Random, index: int) -> dict:
    sentences = [
        " ".join(rng.choice(WORDS) for _ in range(rng.randint(4, 12))).capitalize() + "."
        for _ in range(rng.randint(1, 6))
    ]
    return {
        "title": f"Story {index} {rng.choice(WORDS)}",
        "published_date": dt.date(2018, 1, 1) + dt.timedelta(days=rng.randint(0, 700)),
        "authors": tuple(f"Author {rng.randint(1, 9)}" for _ in range(rng.randint(0, 2))),
        "source_name": rng.choice([None, "Wire", "Daily"]),
        "body": " ".join(sentences),
    }


def _corpus(rng: random.Random, count: int) -> dict[str, bytes]:
    files: dict[str, bytes] = {}
    for index in range(count):
        kind = rng.random()
        name, data = RENDERERS[rng.choice(sorted(RENDERERS))](_article(rng, index))
        if kind < 0.15:
            data = bytes(rng.randrange(256) for _ in range(rng.randint(0, 400)))
        elif kind < 0.3:
            data = data[: rng.randint(0, len(data))]  # truncated
        elif kind < 0.35:
            data = b" \n" * rng.randint(0, 3)
        elif kind < 0.45 and files:
            data = files[rng.choice(sorted(files))]  # a duplicate under another path
        elif kind < 0.5:
            lines = [data.strip(), b"{broken", json.dumps({"title": "No body"}).encode()]
            name, data = "batch.jsonl", b"\n".join(rng.sample(lines, k=len(lines)))
        files[f"d{index % 7}/{index:04d}-{name}"] = data
    return files


def test_fuzzed_corpus_accounts_for_every_input(tmp_path):
    files = _corpus(random.Random(20181219), 300)
    raw = tmp_path / "raw"
    expected_inputs = expected_errors = 0
    article_ids: set[str] = set()
    parsed_articles = 0
    for relative, data in files.items():
        path = raw / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        for result in parse_file(str(path), data):
            expected_inputs += 1
            if isinstance(result, ErrorRecord):
                expected_errors += 1
            else:
                parsed_articles += 1
                article_ids.add(result.article_id)
    output = tmp_path / "out"
    result = run_pipeline("--input", str(raw), "--output", str(output))
    assert result.returncode == 0, result.stderr
    [summary_path] = (output / "_runs").glob("*.json")
    summary = json.loads(summary_path.read_text())
    assert summary["files_read"] == 300
    assert summary["files_unaccounted"] == []
    run = summary["this_run"]
    assert run["input_records"] == expected_inputs
    assert run["input_records"] == run["articles"] + run["errors"] + run["duplicates"]
    assert (run["articles"], run["errors"], run["duplicates"]) == (
        len(article_ids),
        expected_errors,
        parsed_articles - len(article_ids),
    )
    articles = pd.read_parquet(output / "articles")
    assert articles.article_id.is_unique
    assert set(articles.article_id) == article_ids
    assert len(pd.read_parquet(output / "errors")) == expected_errors
    assert run["errors"] > 30 and run["duplicates"] > 10  # the corpus really is mixed
    seen = {Path(p.split("#")[0]) for name in ("articles", "errors", "duplicates")
            for p in pd.read_parquet(output / name).source_path}  # fmt: skip
    assert seen == {raw / relative for relative in files}

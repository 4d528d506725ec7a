"""The run's numbers and their balance, from real writers' counters and staged files."""

from __future__ import annotations

import datetime as dt
import shutil

import apache_beam as beam

from pipelines.counts import balance_problems, counts_from_metrics
from pipelines.job import RunManifest, print_summary
from schemas import ARTICLES, ENTITIES
from tests.transforms.corpus.test_stories import _article
from tests.transforms.io.test_write import _mention
from transforms.io.write import WriteDataset
from transforms.runner import pipeline_counters

DAY = dt.date(2019, 1, 10)


def _stage(staged) -> dict[str, int]:
    """Two articles and their mentions through the real writers, one of each refused by
    Arrow; plus the counters the reader and tagger would have added."""
    articles = [
        _article("a1", "Ferries to Oslo resumed on Monday.")._replace(run_id="r1"),
        _article("a2", "Ferries to Bergen resumed.")._replace(run_id="r1", sentence_count=2**70),
    ]
    mentions = [[_mention("a1", DAY, 0), _mention("a1", DAY, 2**70)], [_mention("a2", DAY, 0)]]
    pipeline = beam.Pipeline()
    _ = pipeline | "A" >> beam.Create(articles) | "WA" >> WriteDataset(ARTICLES, str(staged))
    _ = pipeline | "E" >> beam.Create(mentions) | "WE" >> WriteDataset(
        ENTITIES, str(staged), lists=True
    )
    result = pipeline.run()
    result.wait_until_finish()
    counters = pipeline_counters(result, "newsbeam")
    for name, n in {"files_read": 2, "articles_tagged": 2, "words_tagged": 2,
                    "entity_mentions": 3}.items():  # fmt: skip
        counters[name] = counters.get(name, 0) + n
    return counters


def test_refused_rows_keep_the_counts_balanced(tmp_path):
    counters = _stage(tmp_path)
    counts = counts_from_metrics(counters)
    assert (counts.articles, counts.errors, counts.input_records) == (1, 1, 2)
    assert counts.errors_by_code == {"internal": 1}
    assert counts.words == 1
    assert counts.rows_not_written == {"articles": 1, "entities": 1}
    assert counts.summary()["rows_not_written"] == {"articles": 1, "entities": 1}
    assert balance_problems(counts, counters, tmp_path, files_planned=2) == []


def test_a_file_written_twice_or_a_lost_row_does_not_balance(tmp_path):
    counters = _stage(tmp_path)
    counts = counts_from_metrics(counters)
    (written,) = (tmp_path / "articles").rglob("*.parquet")
    shutil.copy(written, written.with_name("part-copy.parquet"))
    assert balance_problems(counts, counters, tmp_path, files_planned=3) == [
        "1 input files are in no output",
        "articles: 1 rows made but 2 in the staged files (written twice?)",
    ]
    counters["entity_mentions"] += 1  # a mention made but neither written nor refused
    assert "entities: 3 rows made but 2 written" in balance_problems(
        counts_from_metrics(counters), counters, tmp_path, files_planned=2
    )


def test_the_summary_says_which_rows_were_not_written(tmp_path, capsys):
    counts = counts_from_metrics(_stage(tmp_path / "staged"))
    manifest = RunManifest(
        run_id="r1", status="published", started_at="", mode="full", input="in", output="out",
        options={}, versions={}, plan={"new": 2, "to_process": 2}, this_run=counts.summary(),
        duration_seconds=1.0, files_read=2, dataset_rows={"articles": 1, "errors": 1},
    )  # fmt: skip
    print_summary(manifest, tmp_path / "manifest.json")
    lines = capsys.readouterr().out.splitlines()
    assert lines[1:6] == [
        "  this run: 2 inputs = 1 articles + 1 errors + 0 duplicates (every file accounted for)",
        "  errors by code: internal=1",
        "  entity mentions: 3",
        "  not written (see the log): articles 1 rows (each is an internal error row)",
        "  not written (see the log): entities 1 rows",
    ]

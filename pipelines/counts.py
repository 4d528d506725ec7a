"""What one run did, from the Beam metrics its graph committed.

The graph counts what it reads, parses, tags and writes (`Metrics.counter("newsbeam", ...)`);
`count_run` turns those counters into the run's numbers and checks that they balance: every
planned file was read or became a `read` error, every record the graph made was written once.
On a runner without metrics (the DaskRunner, see transforms/runner/portable.py) the numbers
come from the staged files instead.
"""

from __future__ import annotations

import collections
from typing import NamedTuple

from pipelines.store.build import dataset_files, read_table, staged_rows
from schemas import ARTICLES, DUPLICATES, ENTITIES, ERRORS, file_of
from transforms.io.write import INPUT_DATASETS


class RunCounts(NamedTuple):
    articles: int
    errors: int
    duplicates: int
    entity_mentions: int
    errors_by_code: dict[str, int]
    words: int
    cross_run_duplicates: int | None  # None when the runner reports no metrics
    files_unaccounted: list[str]
    rows_not_written: dict[str, int] | None = None  # rows Arrow refused, by dataset (transforms/io/write.py)
    tagging_seconds: float | None = None  # inside the tagger, summed over workers (None: no metrics)

    @property
    def input_records(self) -> int:
        return self.articles + self.errors + self.duplicates

    @property
    def error_rate(self) -> float:
        return self.errors / self.input_records if self.input_records else 0.0

    def summary(self) -> dict:
        """The manifest's `this_run`."""
        return {
            "articles": self.articles,
            "errors": self.errors,
            "duplicates": self.duplicates,
            "entity_mentions": self.entity_mentions,
            "input_records": self.input_records,
            "errors_by_code": self.errors_by_code,
            "words": self.words,
            **({"tagging_seconds": self.tagging_seconds} if self.tagging_seconds is not None else {}),
            **({"rows_not_written": self.rows_not_written} if self.rows_not_written else {}),
        }


def counts_from_metrics(counters: dict[str, int]) -> RunCounts:
    errors_by_code = {
        name.removeprefix("errors_"): n
        for name, n in sorted(counters.items())
        if name.startswith("errors_") and n
    }
    return RunCounts(
        articles=counters.get("articles_tagged", 0),
        errors=sum(errors_by_code.values()),
        duplicates=counters.get("duplicates", 0),
        entity_mentions=counters.get("entity_mentions", 0),
        errors_by_code=errors_by_code,
        words=counters.get("words_tagged", 0),
        cross_run_duplicates=counters.get("cross_run_duplicates", 0),
        files_unaccounted=[],
        tagging_seconds=counters.get("tagging_ms", 0) / 1000,
        rows_not_written={
            name.removeprefix("rows_rejected_"): n
            for name, n in sorted(counters.items())
            if name.startswith("rows_rejected_") and n
        },
    )


def _column(staged: str, dataset, name: str) -> list:
    return [
        value
        for path in dataset_files(staged, dataset)
        for value in read_table(path, columns=[name])[name].to_pylist()
    ]


def _this_run_articles(staged: str, paths: list[str]) -> set[str]:
    """Ids of the staged articles read from this run's files (not the re-emitted ones)."""
    inputs = set(paths)
    table = {name: _column(staged, ARTICLES, name) for name in ("article_id", "source_path")}
    return {a for a, p in zip(*table.values(), strict=True) if file_of(p) in inputs}


def counts_from_files(staged: str, paths: list[str]) -> RunCounts:
    """The same numbers read from the staged files (for runners without metrics)."""
    rows = staged_rows(staged)
    articles = _this_run_articles(staged, paths)
    written = {
        file_of(p)
        for d in (ARTICLES, ERRORS, DUPLICATES)
        for p in _column(staged, d, "source_path")
    }
    return RunCounts(
        articles=len(articles),
        errors=rows[ERRORS.name],
        duplicates=rows[DUPLICATES.name],
        entity_mentions=sum(1 for a in _column(staged, ENTITIES, "article_id") if a in articles),
        errors_by_code=dict(
            sorted(collections.Counter(_column(staged, ERRORS, "error_code")).items())
        ),
        words=sum(w for a, w in zip(_column(staged, ARTICLES, "article_id"),
                                    _column(staged, ARTICLES, "word_count"), strict=True)
                  if a in articles),
        cross_run_duplicates=None,
        files_unaccounted=sorted(set(paths) - written),
    )


def balance_problems(counts: RunCounts, counters: dict[str, int], staged: str,
                     files_planned: int) -> list[str]:  # fmt: skip
    """What does not add up between the planned files, the counters and the staged files."""
    problems = []
    files_seen = counters.get("files_read", 0) + counters.get("files_not_read", 0)
    if files_seen != files_planned:
        problems.append(f"{files_planned - files_seen} input files are in no output")
    # An incremental run also re-emits the published mentions of the partitions it touches and
    # the published articles whose story changed.
    made = {ARTICLES.name: counts.articles + counters.get("articles_republished", 0),
            ERRORS.name: counts.errors, DUPLICATES.name: counts.duplicates,
            ENTITIES.name: counts.entity_mentions
            + counters.get("entity_mentions_republished", 0)}  # fmt: skip
    on_disk = staged_rows(staged)
    for name, n in made.items():
        # A refused article or duplicate already moved its counters to errors (write.py).
        if name not in INPUT_DATASETS:
            n -= (counts.rows_not_written or {}).get(name, 0)
        if counters.get(f"rows_written_{name}", 0) != n:
            problems.append(
                f"{name}: {n} rows made but {counters.get(f'rows_written_{name}', 0)} written"
            )
        if on_disk[name] != n:
            problems.append(f"{name}: {n} rows made but {on_disk[name]} in the staged files "
                            "(written twice?)")  # fmt: skip
    return problems


def count_run(
    staged: str, counters: dict[str, int] | None, paths: list[str]
) -> tuple[RunCounts, list[str]]:
    """The run's numbers, and what does not balance (empty when all is well)."""
    if counters is None:
        counts = counts_from_files(staged, paths)
        problems = [f"{len(counts.files_unaccounted)} input files are in no output"]
        return counts, problems if counts.files_unaccounted else []
    counts = counts_from_metrics(counters)
    return counts, balance_problems(counts, counters, staged, len(paths))

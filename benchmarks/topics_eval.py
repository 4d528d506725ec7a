"""Topic quality on articles of known subjects (tests/topic_corpus.py), through the real command.

    python -m benchmarks.topics_eval                     # 5 subjects x 40 articles
    python -m benchmarks.topics_eval --per-subject 100 --seeds 29 30 31
    python -m benchmarks.topics_eval --cost data/out     # the topics step alone, 1x and 4x

Prints, per seed: the number of topics found (5 subjects), purity (share of the articles with
a topic whose topic's most common subject is theirs), coverage (share of articles with a
topic), the adjusted Rand index of the topics against the subjects (articles without a topic
count as one more group), and each topic's label with its subjects.

With `--cost OUTPUT` (a published newsbeam output) it times `discover_topics` (the whole
topics step but reading) on that output's articles, and on 4 copies of them with their own ids
(each copy drops a different keyphrase of each article, so copies are not identical): how the
step grows with the corpus.
"""

from __future__ import annotations

import argparse
import collections
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

from tests.topic_corpus import topic_corpus


def evaluate(per_subject: int, seed: int) -> dict:
    from sklearn.metrics import adjusted_rand_score

    with tempfile.TemporaryDirectory(prefix="topics-eval-") as tmp:
        raw, out = Path(tmp) / "raw", Path(tmp) / "out"
        raw.mkdir()
        subjects = {}
        for name, (subject, data) in topic_corpus(per_subject, seed).items():
            (raw / name).write_bytes(data)
            subjects[f"{raw}/{name}"] = subject
        started = time.monotonic()
        subprocess.run([sys.executable, "-m", "pipelines.tag_articles", "--input", str(raw),
                        "--output", str(out)], check=True, capture_output=True)  # fmt: skip
        seconds = time.monotonic() - started
        articles = pd.read_parquet(out / "articles", columns=["article_id", "source_path"])
        assigned = pd.read_parquet(out / "article_topics").merge(articles)
        topics = pd.read_parquet(out / "topics")
    assigned["subject"] = assigned.source_path.map(subjects)
    with_topic = assigned[assigned.topic_id.notna()]
    majority = with_topic.groupby("topic_id").subject.agg(lambda s: s.value_counts().index[0])
    purity = (with_topic.subject == with_topic.topic_id.map(majority)).mean()
    ari = adjusted_rand_score(assigned.subject, assigned.topic_id.fillna("(none)"))
    described = []
    for row in topics.itertuples():
        mix = collections.Counter(with_topic[with_topic.topic_id == row.topic_id].subject)
        described.append(f"{row.topic_id}: {row.label} | {dict(mix)}")
    return {"topics": len(topics), "purity": purity, "coverage": len(with_topic) / len(assigned),
            "ari": ari, "seconds": seconds, "described": described}  # fmt: skip


def cost(output: Path, repeat: int = 3) -> None:
    from transforms.corpus.topics import TopicDoc, discover_topics

    assigned = pd.read_parquet(output / "article_topics")
    keyphrases = pd.read_parquet(output / "keyphrases").sort_values(["article_id", "rank"])
    keys = {a: tuple(zip(g.key, g.phrase, g["count"], strict=True))
            for a, g in keyphrases.groupby("article_id")}  # fmt: skip
    docs = [TopicDoc(r.article_id, r.published_date, r.sentiment_compound,
                     keys.get(r.article_id, ()), tuple(r.entities))
            for r in assigned.itertuples()]  # fmt: skip
    story_of = dict(zip(assigned.article_id, assigned.story_id, strict=True))
    for copies in (1, 4):
        scaled = [d._replace(article_id=f"{d.article_id}-{c}",
                             keys=tuple(k for i, k in enumerate(d.keys) if i != c or copies == 1))
                  for c in range(copies) for d in docs]  # fmt: skip
        stories = {f"{a}-{c}": f"{s}-{c}" for c in range(copies) for a, s in story_of.items()}
        times = []
        for _ in range(repeat):
            started = time.perf_counter()
            result = discover_topics(scaled, stories)
            times.append(time.perf_counter() - started)
        times.sort()
        print(f"{len(scaled)} articles: {times[len(times) // 2]:.2f} s (min {times[0]:.2f}, "
              f"max {times[-1]:.2f}; {1000 * times[len(times) // 2] / len(scaled):.2f} ms per "
              f"article), {len(result.topics)} topics, "
              f"{sum(r.topic_id is None for r in result.article_topics)} articles without")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-subject", type=int, default=40)
    parser.add_argument("--seeds", type=int, nargs="+", default=[29])
    parser.add_argument("--cost", type=Path, help="time the topics step on this output")
    args = parser.parse_args()
    if args.cost:
        cost(args.cost)
        return
    for seed in args.seeds:
        result = evaluate(args.per_subject, seed)
        print(f"seed {seed}: {result['topics']} topics, purity {result['purity']:.3f}, "
              f"coverage {result['coverage']:.3f}, ARI {result['ari']:.3f} "
              f"({result['seconds']:.1f} s run)")  # fmt: skip
        for line in result["described"]:
            print("   ", line)


if __name__ == "__main__":
    main()

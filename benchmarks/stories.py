"""Stories: precision and recall of same-story pairs, and what grouping costs.

    python -m benchmarks.stories                       # N=2000 originals, 1 in 10 copied
    python -m benchmarks.stories --articles 500 --output /tmp/out   # + dataset sizes of a run

Builds a generated set: N benchmark articles (benchmarks/corpus.py), and for one in ten of
them the five copies tests/story_corpus.py makes (new headline; dateline and credit line; last
paragraph dropped; quotes made typographic; a few words changed and a sentence added). The
truth is "an original and its copies are one story; every other pair is not". Prints:

- pair precision and recall of `GroupStories` (the Beam transform, FnApiRunner) at the
  default threshold, and of the exhaustive comparison of every pair (the same rule without
  LSH: what LSH loses);
- the cost: MinHash per article with rensa and with datasketch (same 128 permutations), and
  the whole `GroupStories` step per article;
- with `--output DIR` (a newsbeam output): bytes of `signatures` and `story_pairs` per 1,000
  articles.
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import pickle
import random
import time
from pathlib import Path

import apache_beam as beam

from benchmarks.corpus import _article
from schemas import Article
from tests.story_corpus import variants
from transforms.corpus.stories import DEFAULT_THRESHOLD, GroupStories, shingles, stories_in_process
from transforms.runner import LocalProfile

NOW = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def generated_set(count: int, copied_every: int = 10) -> tuple[list[Article], set[frozenset]]:
    rng = random.Random(20261126)
    articles, truth = [], set()
    for index in range(count):
        spec = _article(rng, index)
        paragraphs = spec["body"].split("\n\n")
        copies = {f"{index}.txt": (spec["title"], spec["body"])}
        if index % copied_every == 0 and len(paragraphs) > 2:
            copies = variants(f"{index}", paragraphs)
        for name, (title, body) in copies.items():
            articles.append(Article(name, name, title, spec["published_date"], None, (),
                                    spec["source_name"], None, None, "date_line", (), body, 1, 1,
                                    0, None, None, None, None, None, (), "m", "v", "r", NOW))  # fmt: skip
        truth |= {frozenset(p) for p in itertools.combinations(sorted(copies), 2)}
    return articles, truth


def pair_scores(stories, truth: set[frozenset]) -> tuple[float, float, int]:
    found = {frozenset(p) for s in stories for p in itertools.combinations(s.article_ids, 2)}
    hits = len(found & truth)
    return hits / len(found) if found else 1.0, hits / len(truth) if truth else 1.0, len(found)


def _save(stories, path: str) -> None:
    Path(path).write_bytes(pickle.dumps(stories))


def run_beam(articles: list[Article], work: Path):
    """The stories GroupStories makes (saved by the graph: functions are pickled by value)."""
    from apache_beam.runners.portability.fn_api_runner import FnApiRunner

    work.mkdir(parents=True, exist_ok=True)
    saved = work / "stories.pickle"
    with beam.Pipeline(runner=FnApiRunner()) as pipeline:
        out = (
            pipeline | "Articles" >> beam.Create(articles),
            pipeline | "Dropped" >> beam.Create([]),
        ) | GroupStories(
            DEFAULT_THRESHOLD, str(work), profile=LocalProfile(str(work / "_spill"))
        )
        _ = out["stories"] | beam.Map(_save, str(saved))
    return pickle.loads(saved.read_bytes())


def _truth_jaccards(articles: list[Article], truth: set[frozenset]) -> list[float]:
    from transforms.corpus.stories import jaccard

    sets = {a.article_id: shingles(a.body) for a in articles}
    return [jaccard(*(sets[i] for i in pair)) for pair in truth]


def minhash_costs(articles: list[Article]) -> dict[str, float]:
    import rensa

    sets = [sorted(shingles(a.body)) for a in articles]
    costs = {}
    started = time.perf_counter()
    for shingle_list in sets:
        sketch = rensa.RMinHash(num_perm=128, seed=1)
        sketch.update(shingle_list)
        sketch.digest()
    costs["rensa"] = (time.perf_counter() - started) / len(sets) * 1000
    try:
        from datasketch import MinHash
    except ImportError:
        return costs
    started = time.perf_counter()
    for shingle_list in sets:
        sketch = MinHash(num_perm=128, seed=1)
        sketch.update_batch([s.encode() for s in shingle_list])
        sketch.digest()
    costs["datasketch"] = (time.perf_counter() - started) / len(sets) * 1000
    return costs


def signature_kib_per_1000(articles: list[Article], work: Path) -> float:
    """The `signatures` rows of these articles written as the job writes them (zstd)."""
    from schemas import SIGNATURES
    from transforms.corpus.stories import signature_of
    from transforms.io.write import to_table, write_table

    work.mkdir(parents=True, exist_ok=True)
    path = work / "signatures.parquet"
    write_table(to_table([signature_of(a) for a in articles], SIGNATURES), str(path))
    return path.stat().st_size / len(articles) * 1000 / 1024


def dataset_sizes(output: Path) -> dict[str, float]:
    import pyarrow.parquet as pq

    current = output / "_current"
    current = current if current.is_dir() else output
    articles = sum(pq.read_metadata(p).num_rows for p in (current / "articles").rglob("*.parquet"))
    sizes = {}
    for name in ("signatures", "story_pairs", "stories", "articles"):
        total = sum(p.stat().st_size for p in (current / name).rglob("*.parquet"))
        sizes[name] = round(total / articles * 1000 / 1024, 1) if articles else 0.0
    return sizes


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=2000, help="originals (default 2000)")
    parser.add_argument("--output", type=Path, help="a newsbeam output: report dataset sizes")
    parser.add_argument("--work", type=Path, default=Path("/tmp/newsbeam-stories-bench"))
    parser.add_argument("--exhaustive", action="store_true",
                        help="also compare every pair (minutes at N=2000): what LSH loses")  # fmt: skip
    args = parser.parse_args(argv)
    articles, truth = generated_set(args.articles)
    print(f"generated set: {len(articles)} articles, {len(truth)} same-story pairs")
    started = time.perf_counter()
    stories = run_beam(articles, args.work)
    beam_seconds = time.perf_counter() - started
    precision, recall, found = pair_scores(stories, truth)
    print(f"GroupStories (LSH + exact): precision {precision:.4f}, recall {recall:.4f} "
          f"({found} pairs found)")  # fmt: skip
    if args.exhaustive:
        started = time.perf_counter()
        exhaustive, _ = stories_in_process(articles)
        exhaustive_seconds = time.perf_counter() - started
        precision, recall, found = pair_scores(exhaustive.stories, truth)
        print(f"every pair compared:        precision {precision:.4f}, recall {recall:.4f} "
              f"({found} pairs found; {exhaustive_seconds:.1f} s)")  # fmt: skip
        same = {s.article_ids for s in exhaustive.stories} == {s.article_ids for s in stories}
        print(f"  LSH finds exactly the stories of every pair compared: {same}")
    below = [j for j in _truth_jaccards(articles, truth) if j < DEFAULT_THRESHOLD]
    print(f"same-story pairs under the threshold by construction: {len(below)} of {len(truth)} "
          f"(short articles: an edit or a dropped paragraph changes a larger share)")  # fmt: skip
    costs = minhash_costs(articles)
    print("MinHash per article: " + ", ".join(f"{k} {v:.3f} ms" for k, v in costs.items()))
    if "datasketch" in costs:
        print(f"  rensa is {costs['datasketch'] / costs['rensa']:.0f}x faster")
    print(f"GroupStories on the FnApiRunner: {beam_seconds:.1f} s for {len(articles)} articles "
          f"= {beam_seconds / len(articles) * 1000:.2f} ms per article (pipeline start "
          "included)")  # fmt: skip
    print(f"signatures: {signature_kib_per_1000(articles, args.work):.0f} KiB per 1,000 articles")
    if args.output:
        sizes = dataset_sizes(args.output)
        print("KiB per 1,000 articles: " + ", ".join(f"{k} {v}" for k, v in sizes.items()))


if __name__ == "__main__":
    main()

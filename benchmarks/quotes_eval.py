"""Quotations and their speakers on the labelled set in tests/data/quotes_eval.yaml.

    python -m benchmarks.quotes_eval                      # this checkout
    python -m benchmarks.quotes_eval --code /work/before  # another checkout, same scoring
    python -m benchmarks.quotes_eval --misses             # and print every miss

Writes the set's articles as raw files, runs the job of the checkout given over all of them
(one full run: the speakers get the keys of `entities`, corpus steps included), and scores its
published `quotes`:

- precision and recall: a found quotation matches an expected one of the same field when it
  overlaps it by at least half of the expected quotation's length (one to one, in order);
- speaker accuracy: of the matched quotations, those whose `speaker_text` names the expected
  mention (equal, or one contains the other as words: `Mr Grayling` ~ `Grayling`; both null
  counts as right);
- entity accuracy: of the matched quotations, those whose `speaker` is the expected key.

The set was written for newsbeam; the rules were tuned on its first part, and the part marked
`held_out` was written afterwards and is scored apart. Both say how the rules do on the styles
they target, not what they do on news at large.
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
from pathlib import Path

import pandas as pd
import yaml

from benchmarks.entities_eval import run_job

EVAL_SET = Path(__file__).resolve().parent.parent / "tests" / "data" / "quotes_eval.yaml"


def load_set(path: Path = EVAL_SET) -> list[dict]:
    articles = yaml.safe_load(path.read_text())["articles"]
    for index, article in enumerate(articles):
        article["file"] = f"quotes-{index:03d}.txt"
        article["date"] = f"2019-03-{index % 28 + 1:02d}"
    return articles


def write_raw(articles: list[dict], raw: Path) -> None:
    raw.mkdir(parents=True, exist_ok=True)
    for article in articles:
        text = f"date {article['date']} {article['title']}\n\n{article['text']}\n"
        (raw / article["file"]).write_text(text)


def _words(text: str | None) -> str:
    return " ".join(re.findall(r"\w+", (text or "").casefold()))


def speaker_right(found: str | None, expected: str | None) -> bool:
    if found is None or expected is None:
        return found is None and expected is None
    a, b = _words(found), _words(expected)
    return a == b or f" {a} " in f" {b} " or f" {b} " in f" {a} "


def _expected_spans(article: dict, title: str, body: str) -> list[tuple]:
    """(field, start, end, speaker, entity) of each expected quotation, in order."""
    spans, position = [], {"title": 0, "body": 0}
    for quote in article["quotes"]:
        for field, text in (("body", body), ("title", title)):
            at = text.find(quote["q"], position[field])
            if at >= 0:
                position[field] = at + 1
                spans.append((field, at, at + len(quote["q"]), quote["s"], quote["e"]))
                break
        else:
            raise SystemExit(f"not in {article['file']}: {quote['q']!r}")
    return spans


def score(articles: list[dict], output: Path, misses: bool = False) -> dict:
    rows = pd.read_parquet(output / "articles", columns=["article_id", "source_path", "title", "body"])
    by_file = {Path(p).name: (a, t or "", b) for a, p, t, b in rows.itertuples(index=False)}
    quotes = pd.read_parquet(output / "quotes")
    found_total = expected_total = matched = speaker_ok = entity_ok = 0
    for article in articles:
        article_id, title, body = by_file[article["file"]]
        expected = _expected_spans(article, title, body)
        found = quotes[quotes.article_id == article_id].sort_values(["field", "start_char"])
        found = list(found.itertuples(index=False))
        found_total += len(found)
        expected_total += len(expected)
        used: set[int] = set()
        for field, start, end, speaker, entity in expected:
            hit = next(
                (k for k, q in enumerate(found) if k not in used and q.field == field
                 and min(end, q.end_char) - max(start, q.start_char) >= (end - start) / 2),
                None,
            )  # fmt: skip
            text = (title if field == "title" else body)[start:end]
            if hit is None:
                if misses:
                    print(f"MISSED {article['file']}: {text[:70]!r}")
                continue
            used.add(hit)
            matched += 1
            q = found[hit]
            found_speaker = None if pd.isna(q.speaker_text) else q.speaker_text
            found_entity = None if pd.isna(q.speaker) else q.speaker
            speaker_ok += speaker_right(found_speaker, speaker)
            entity_ok += found_entity == entity
            if misses and (not speaker_right(found_speaker, speaker) or found_entity != entity):
                print(f"SPEAKER {article['file']}: {text[:50]!r} found {found_speaker!r} -> "
                      f"{found_entity!r}, expected {speaker!r} -> {entity!r}")  # fmt: skip
        if misses:
            for k, q in enumerate(found):
                if k not in used:
                    print(f"EXTRA {article['file']}: {q.text[:70]!r}")
    precision = matched / found_total if found_total else 0.0
    recall = matched / expected_total if expected_total else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "articles": len(articles), "expected": expected_total, "found": found_total,
        "matched": matched, "precision": precision, "recall": recall, "f1": f1,
        "speaker_accuracy": speaker_ok / matched if matched else 0.0,
        "entity_accuracy": entity_ok / matched if matched else 0.0,
    }  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--code", type=Path, default=Path(__file__).resolve().parent.parent)
    parser.add_argument("--misses", action="store_true", help="print every miss")
    args = parser.parse_args(argv)
    articles = load_set()
    with tempfile.TemporaryDirectory(prefix="quotes-eval-") as work:
        raw, output = Path(work) / "raw", Path(work) / "out"
        write_raw(articles, raw)
        run_job(args.code.resolve(), raw, output)
        parts = {
            "tuned on": [a for a in articles if not a.get("held_out")],
            "held out": [a for a in articles if a.get("held_out")],
            "all": articles,
        }
        results = {name: score(part, output, args.misses and name == "all")
                   for name, part in parts.items()}  # fmt: skip
    for name, result in results.items():
        print(f"{name}: {result['articles']} articles, {result['expected']} quotations "
              f"({result['found']} found, {result['matched']} matched)")  # fmt: skip
        print(f"  quotes  precision {result['precision']:.3f}  recall {result['recall']:.3f}  "
              f"F1 {result['f1']:.3f}")  # fmt: skip
        print(f"  speaker mention accuracy {result['speaker_accuracy']:.3f}  speaker entity "
              f"accuracy {result['entity_accuracy']:.3f} (of matched quotations)")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())

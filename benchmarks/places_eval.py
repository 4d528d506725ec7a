"""Accuracy of place resolution on the labelled set in tests/data/places_eval.yaml.

    python -m benchmarks.places_eval

Each article goes through the real tagger (spaCy + the gazetteer); every mention spaCy labels
GPE or LOC whose name the set labels is scored: right when its `country_code` is the expected
one (null for regions spanning countries). Prints accuracy, the failures, the places the set
names that spaCy missed or labelled otherwise, and the gazetteer's load time and memory.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import resource
import time
from pathlib import Path

import yaml

from transforms.parsing.parse import parse_article
from transforms.tagging.places import PLACE_LABELS, load_gazetteer, place_key
from transforms.tagging.spacy_models import DEFAULT_MODEL
from transforms.tagging.spacy_vader import annotate_articles, load_model

EVAL_SET = Path(__file__).resolve().parent.parent / "tests" / "data" / "places_eval.yaml"


def evaluate(path: Path = EVAL_SET) -> dict:
    articles = yaml.safe_load(path.read_text())["articles"]
    model = load_model(DEFAULT_MODEL)
    parsed = [parse_article(f"eval-{i}.txt", f"Report {i}\n\n{a['text']}".encode())
              for i, a in enumerate(articles)]  # fmt: skip
    tagged = list(annotate_articles({"en": model, None: model}, parsed, run_id="eval",
                               processed_at=dt.datetime.now(dt.UTC)))  # fmt: skip
    scored, failures, missed = 0, [], []
    for spec, (_, mentions) in zip(articles, tagged, strict=True):
        expected = {place_key(name): code for name, code in spec["places"].items()}
        found = set()
        for mention in mentions:
            key = place_key(mention.text)
            if mention.label not in PLACE_LABELS or key not in expected:
                continue
            found.add(key)
            scored += 1
            if mention.country_code != expected[key]:
                failures.append({"text": mention.text, "expected": expected[key],
                                 "got": mention.country_code, "place": mention.place_name,
                                 "method": mention.place_method, "in": spec["text"][:70]})  # fmt: skip
        missed += [name for name in expected if name not in found]
    labelled = sum(len(a["places"]) for a in articles)
    return {"articles": len(articles), "places_labelled": labelled, "mentions_scored": scored,
            "correct": scored - len(failures), "accuracy": round((scored - len(failures)) / scored, 4),
            "failures": failures, "not_tagged_as_place": missed}  # fmt: skip


def main(argv: list[str] | None = None) -> None:
    argparse.ArgumentParser(description=__doc__.split("\n\n")[0]).parse_args(argv)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    load_gazetteer()
    print(json.dumps({"gazetteer_load_seconds": round(time.perf_counter() - started, 2),
                      "gazetteer_peak_rss_mb_added": (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
                                                      - before) // 1024}))  # fmt: skip
    print(json.dumps(evaluate(), indent=1, ensure_ascii=False))


if __name__ == "__main__":
    main()

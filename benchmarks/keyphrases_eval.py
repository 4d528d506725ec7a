"""Keyphrase quality against phrases an editor picked (tests/data/keyphrases_eval.yaml).

    python -m benchmarks.keyphrases_eval
    PYTHONPATH=/path/to/textacy python -m benchmarks.keyphrases_eval   # + textacy's rankers

For each method, over the labelled articles: precision of its top 5 (share of them that are
an editor's phrase), recall of its top 10 (share of the editor's phrases it finds), and their
F1. Phrases are compared after one normalization for every method (lower-cased, a final "s"
of a word of 4+ letters dropped, hyphens kept). Methods: newsbeam's keyphrases
(transforms/tagging/keyphrases.py, from the pipeline's own spaCy docs); the most frequent
nouns and proper nouns (a baseline); and, when textacy is importable (it is no dependency of
newsbeam), textacy's TextRank and SGRank on a spaCy doc with the tagger and lemmatizer on.
"""

from __future__ import annotations

import collections
import datetime as dt
import re
from pathlib import Path

import yaml

EVAL_SET = Path(__file__).resolve().parent.parent / "tests" / "data" / "keyphrases_eval.yaml"
_WORD = re.compile(r"\S+")


def normalize(phrase: str) -> str:
    words = []
    for word in _WORD.findall(phrase.lower()):
        if len(word) >= 4 and word.endswith("s") and not word.endswith("ss"):
            word = word[:-1]
        words.append(word)
    return " ".join(words)


def _score(found: list[str], gold: set[str]) -> tuple[float, float]:
    found = list(dict.fromkeys(normalize(f) for f in found))
    precision = sum(f in gold for f in found[:5]) / 5
    recall = len(gold & set(found[:10])) / len(gold)
    return precision, recall


def _newsbeam(articles) -> list[list[str]]:
    from transforms.parsing.parse import parse_article
    from transforms.tagging.spacy_models import DEFAULT_MODEL
    from transforms.tagging.spacy_vader import annotate_batch, load_model

    model = load_model(DEFAULT_MODEL)
    parsed = [parse_article(f"eval-{i}.txt", f"{a['title']}\n\n{a['text']}".encode())
              for i, a in enumerate(articles)]  # fmt: skip
    tagged = annotate_batch({"en": model, None: model}, parsed, run_id="eval",
                            processed_at=dt.datetime.now(dt.UTC))  # fmt: skip
    return [[k.key for k in t.keyphrases] for t in tagged]


def _full_docs(articles):
    import spacy

    from transforms.tagging.spacy_models import DEFAULT_MODEL

    nlp = spacy.load(DEFAULT_MODEL)  # tagger, parser, lemmatizer: what textacy expects
    return [nlp(f"{a['title']}.\n\n{a['text']}") for a in articles]


def _frequent_nouns(docs) -> list[list[str]]:
    result = []
    for doc in docs:
        counts = collections.Counter(
            t.lemma_.lower() for t in doc if t.pos_ in ("NOUN", "PROPN") and not t.is_stop
        )
        result.append([w for w, _ in counts.most_common(10)])
    return result


def _textacy(docs):
    try:
        from textacy.extract import keyterms
    except ImportError:
        return {}
    return {
        "textacy textrank": [[t for t, _ in keyterms.textrank(d, normalize="lower", topn=10)]
                             for d in docs],
        "textacy sgrank": [[t for t, _ in keyterms.sgrank(d, normalize="lower", topn=10)]
                           for d in docs],
    }  # fmt: skip


def evaluate(path: Path = EVAL_SET) -> dict[str, tuple[float, float, float]]:
    articles = yaml.safe_load(path.read_text())["articles"]
    gold = [{normalize(p) for p in a["phrases"]} for a in articles]
    docs = _full_docs(articles)
    methods = {"newsbeam": _newsbeam(articles), "frequent nouns": _frequent_nouns(docs),
               **_textacy(docs)}  # fmt: skip
    results = {}
    for name, found in methods.items():
        scores = [_score(f, g) for f, g in zip(found, gold, strict=True)]
        p = sum(s[0] for s in scores) / len(scores)
        r = sum(s[1] for s in scores) / len(scores)
        results[name] = (p, r, 2 * p * r / (p + r) if p + r else 0.0)
    return results


def main() -> None:
    results = evaluate()
    print(f"{'method':<18} {'P@5':>6} {'R@10':>6} {'F1':>6}   ({EVAL_SET.name})")
    for name, (p, r, f1) in results.items():
        print(f"{name:<18} {p:6.3f} {r:6.3f} {f1:6.3f}")


if __name__ == "__main__":
    main()

"""What keyphrases cost the tagging step, in one process, on `benchmarks.corpus`'s articles.

    python -m benchmarks.keyphrases_cost --articles 400 --rounds 3
    python -m benchmarks.keyphrases_cost --code /tmp/before . --articles 400   # in turns

Prints CPU seconds (median of rounds, each round in turns): spaCy's pipe over the articles'
titles and bodies with the pipeline's components but the tagger, the same with the tagger (what
keyphrases need of spaCy), and `keyphrases.extract` over those docs; each as a share of the
pipe without the tagger. With `--code`, each checkout's extraction runs on the same docs.
"""

from __future__ import annotations

import argparse
import importlib
import statistics
import sys
import tempfile
import time
from pathlib import Path


def _extractor(code: Path):
    """`extract` as the checkout at `code` has it (the module imported from its tree)."""
    sys.path.insert(0, str(code))
    try:
        for name in [m for m in sys.modules if m.startswith("transforms.tagging.keyphrases")]:
            del sys.modules[name]
        module = importlib.import_module("transforms.tagging.keyphrases")
    finally:
        sys.path.pop(0)
    return module.extract


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=400)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--code", type=Path, nargs="+", default=[Path(".")])
    args = parser.parse_args(argv)

    from benchmarks.corpus import write_corpus
    from transforms.tagging.spacy_models import DEFAULT_MODEL, load_nlp

    with tempfile.TemporaryDirectory() as scratch:
        generated = write_corpus(Path(scratch), args.articles)
    nlp = load_nlp(DEFAULT_MODEL)
    lemmatizer = nlp.get_pipe("lemmatizer") if "lemmatizer" in nlp.component_names else None
    texts = [text for a in generated for text in (a["title"], a["body"])]
    words = sum(len(a["body"].split()) for a in generated)
    extractors = {code: _extractor(code.resolve()) for code in args.code}

    def pipe(tagger: bool) -> tuple[float, list]:
        disable = [] if tagger else ["tagger"]
        start = time.process_time()
        docs = list(nlp.pipe(texts, batch_size=32, disable=disable))
        return time.process_time() - start, docs

    without: list[float] = []
    with_tagger: list[float] = []
    extraction: dict[Path, list[float]] = {code: [] for code in args.code}
    results: dict[Path, list] = {}
    for _ in range(args.rounds):
        seconds, _docs = pipe(tagger=False)
        without.append(seconds)
        seconds, docs = pipe(tagger=True)
        with_tagger.append(seconds)
        for code, extract in extractors.items():
            start = time.process_time()
            found = [
                extract([("title", [docs[i]]), ("body", [docs[i + 1]])], 10, lemmatizer)
                for i in range(0, len(docs), 2)
            ]
            extraction[code].append(time.process_time() - start)
            results[code] = found
    base = statistics.median(without)
    tagged = statistics.median(with_tagger)
    print(f"{args.articles} articles, {words:,} body words, median of {args.rounds} rounds, CPU s")
    print(f"spaCy without the tagger  {base:8.2f}")
    print(f"spaCy with the tagger     {tagged:8.2f}  tagger +{tagged - base:.2f} s "
          f"({(tagged - base) / base:.1%})")  # fmt: skip
    for code in args.code:
        seconds = statistics.median(extraction[code])
        print(f"extract {code!s:<18}{seconds:8.3f}  ({seconds / base:.2%}; "
              f"{1e3 * seconds / args.articles:.2f} ms an article)")  # fmt: skip
    first = results[args.code[0]]
    for code in args.code[1:]:
        same = results[code] == first
        print(f"{code}: {'the same' if same else 'DIFFERENT'} phrases, keys, scores and counts")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

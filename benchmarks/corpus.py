"""A deterministic benchmark corpus: N articles in every header format, with entities in the text.

python -m benchmarks.corpus --articles 2000 --out /tmp/corpus
"""

from __future__ import annotations

import argparse
import datetime as dt
import html
import json
import math
import random
from pathlib import Path

from benchmarks.render import RENDERERS

FIRST_DAY = dt.date(2018, 1, 1)

PEOPLE = ["Angela Merkel", "Emmanuel Macron", "Maria Zakharova", "Sarah Sanders", "Jacinda Ardern",
          "Narendra Modi", "Cyril Ramaphosa", "Justin Trudeau", "Olaf Scholz", "Giorgia Meloni",
          "Pedro Sanchez", "Mark Rutte", "Recep Erdogan", "Xi Jinping", "Joe Biden"]  # fmt: skip
PLACES = ["Berlin", "Paris", "Moscow", "Syria", "Turkey", "New Zealand", "India", "South Africa",
          "Canada", "Rome", "Madrid", "the Netherlands", "Ankara", "Beijing", "Washington"]  # fmt: skip
ORGS = ["the United Nations", "NATO", "the European Union", "Reuters", "the World Bank",
        "Siemens", "the Red Cross", "the IMF", "Google", "the State Department"]  # fmt: skip
VERBS = ["said", "warned", "announced", "denied", "confirmed", "praised", "criticised"]
OBJECTS = ["the new trade agreement", "a wonderful breakthrough", "a terrible attack",
           "the peace talks", "rising prices", "the election results", "a bold reform",
           "the deadly floods", "a successful summit", "the budget"]  # fmt: skip
FILLER = ["officials", "in", "the", "capital", "expect", "further", "talks", "next", "week", "while", "analysts", "remain", "cautious", "about", "the", "outlook", "for", "growth", "and", "jobs", "in", "the", "region"]  # fmt: skip


def _sentence(rng: random.Random) -> str:
    kind = rng.random()
    if kind < 0.5:
        return (f"{rng.choice(PEOPLE)} {rng.choice(VERBS)} in {rng.choice(PLACES)} on Monday "
                f"that {rng.choice(OBJECTS)} would matter for {rng.choice(ORGS)}.")  # fmt: skip
    if kind < 0.75:
        return f"According to {rng.choice(ORGS)}, {rng.choice(OBJECTS)} affected {rng.randint(2, 900)} people in {rng.choice(PLACES)}."
    words = rng.sample(FILLER, k=rng.randint(8, 18))
    return " ".join(words).capitalize() + "."


def _article(rng: random.Random, index: int, days: int = 730) -> dict:
    target_words = min(3000, max(100, int(rng.lognormvariate(math.log(400), 0.7))))
    paragraphs, words = [], 0
    while words < target_words:
        paragraph = " ".join(_sentence(rng) for _ in range(rng.randint(2, 5)))
        paragraphs.append(paragraph)
        words += len(paragraph.split())
    return {
        "title": f"{rng.choice(PEOPLE)} meets leaders in {rng.choice(PLACES)} ({index})",
        "published_date": FIRST_DAY + dt.timedelta(days=rng.randint(0, days - 1)),
        "authors": tuple(
            rng.sample(["Ann Lee", "Tom Berg", "Ivo Novak", "Lia Rossi"], k=rng.randint(0, 2))
        ),
        "source_name": rng.choice(["Wire", "Daily Post", None]),
        "body": "\n\n".join(paragraphs),
    }


def _render_html(article: dict) -> tuple[str, bytes]:
    paragraphs = "".join(f"<p>{html.escape(p)}</p>" for p in article["body"].split("\n\n"))
    page = (
        f"<!DOCTYPE html><html><head><title>{html.escape(article['title'])}</title>"
        f'<meta property="article:published_time" content="{article["published_date"].isoformat()}">'
        f"</head><body><article><h1>{html.escape(article['title'])}</h1>{paragraphs}</article></body></html>"
    )
    return "article.html", page.encode()


def _render_title_line(article: dict) -> tuple[str, bytes]:
    return "article.txt", f"{article['title']}\n\n{article['body']}\n".encode()


FORMATS = {**RENDERERS, "html": _render_html, "title_line": _render_title_line}


def write_corpus(
    directory: Path, count: int, seed: int = 20181219, days: int = 730
) -> list[dict]:
    """Writes `count` articles dated over `days` days from `FIRST_DAY` (JSON Lines files hold
    10 each); returns them in memory."""
    rng = random.Random(seed)
    directory.mkdir(parents=True, exist_ok=True)
    articles = [_article(rng, i, days) for i in range(count)]
    batch: list[bytes] = []
    for index, article in enumerate(articles):
        fmt = sorted(FORMATS)[index % len(FORMATS)]
        name, data = FORMATS[fmt](article)
        if fmt == "json_lines":
            batch.append(data.strip())
            if len(batch) == 10 or index == count - 1:
                (directory / f"{index:06d}-feed.jsonl").write_bytes(b"\n".join(batch) + b"\n")
                batch = []
            continue
        (directory / f"{index:06d}-{name}").write_bytes(data)
    if batch:
        (directory / "last-feed.jsonl").write_bytes(b"\n".join(batch) + b"\n")
    return articles


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=2000)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    articles = write_corpus(Path(args.out), args.articles)
    words = sorted(len(a["body"].split()) for a in articles)
    print(json.dumps({"articles": len(articles), "median_words": words[len(words) // 2],
                      "min_words": words[0], "max_words": words[-1]}))  # fmt: skip


if __name__ == "__main__":
    main()

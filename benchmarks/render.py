"""Renders an article's fields in each header format: the inverse of the parsers.

Used by the property tests (render, parse back, compare) and by the benchmark's corpus
generator, so both exercise every format the pipeline reads.
"""

from __future__ import annotations

import json
from collections.abc import Callable

import yaml

ArticleFields = dict  # title, published_date, authors, source_name, body


def render_date_line(article: ArticleFields) -> tuple[str, bytes]:
    text = f"date {article['published_date'].isoformat()} {article['title']}\n\n{article['body']}\n"
    return "article.txt", text.encode()


def render_key_value(article: ArticleFields) -> tuple[str, bytes]:
    lines = [f"Title: {article['title']}", f"Date: {article['published_date'].isoformat()}"]
    if article["authors"]:
        lines.append(f"Authors: {'; '.join(article['authors'])}")
    if article["source_name"]:
        lines.append(f"Source: {article['source_name']}")
    return "article.txt", ("\n".join(lines) + f"\n\n{article['body']}\n").encode()


def render_yaml_front_matter(article: ArticleFields) -> tuple[str, bytes]:
    front = {
        "title": article["title"],
        "date": article["published_date"],
        "authors": list(article["authors"]),
        "publisher": article["source_name"],
    }
    dumped = yaml.safe_dump(front, allow_unicode=True, sort_keys=False)
    return "article.md", f"---\n{dumped}---\n\n{article['body']}\n".encode()


def _json_record(article: ArticleFields) -> dict:
    return {
        "title": article["title"],
        "date_publish": article["published_date"].isoformat(),
        "authors": list(article["authors"]),
        "source_domain": article["source_name"],
        "maintext": article["body"],
    }


def render_json(article: ArticleFields) -> tuple[str, bytes]:
    return "article.json", json.dumps(_json_record(article), ensure_ascii=False).encode()


def render_json_lines(article: ArticleFields) -> tuple[str, bytes]:
    return "articles.jsonl", json.dumps(_json_record(article), ensure_ascii=False).encode() + b"\n"


RENDERERS: dict[str, Callable[[ArticleFields], tuple[str, bytes]]] = {
    "date_line": render_date_line,
    "key_value": render_key_value,
    "yaml_front_matter": render_yaml_front_matter,
    "json": render_json,
    "json_lines": render_json_lines,
}
_ALL = ("title", "published_date", "authors", "source_name", "body")
FIELDS_CARRIED: dict[str, tuple[str, ...]] = {
    "date_line": ("title", "published_date", "body"),
    "key_value": _ALL,
    "yaml_front_matter": _ALL,
    "json": _ALL,
    "json_lines": _ALL,
}

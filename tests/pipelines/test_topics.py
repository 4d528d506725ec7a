"""Topics through the real command, on articles of five written subjects (tests/topic_corpus.py):
the incremental run starts from 35 of the 50 articles (each subject seen: a first run that
sees too few stories of a subject cannot tell it apart, and later articles join its topic);
one topic per subject, incremental = full, a re-fit keeps the ids."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from tests.helpers import run_pipeline
from tests.topic_corpus import topic_corpus

pytestmark = pytest.mark.e2e
FILES = topic_corpus(per_subject=10, seed=29)
NAMES = sorted(FILES)


def _write(raw: Path, names) -> None:
    raw.mkdir(parents=True, exist_ok=True)
    for name in names:
        (raw / name).write_bytes(FILES[name][1])


def _run(raw: Path, out: Path, *extra: str) -> None:
    result = run_pipeline("--input", str(raw), "--output", str(out), *extra)
    assert result.returncode == 0, result.stderr[-3000:]


def _state(out: Path):
    articles = pd.read_parquet(out / "articles", columns=["article_id", "source_path"])
    assigned = pd.read_parquet(out / "article_topics").merge(articles, on="article_id")
    assigned["subject"] = assigned.source_path.map(lambda p: FILES[Path(p).name][0])
    topics = pd.read_parquet(out / "topics").sort_values("topic_id").reset_index(drop=True)
    daily = pd.read_parquet(out / "topic_daily")
    return assigned.sort_values("article_id").reset_index(drop=True), topics, daily


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    root = tmp_path_factory.mktemp("topics")
    _write(root / "all", NAMES)
    _run(root / "all", root / "full")
    _write(root / "growing", NAMES[:35])
    _run(root / "growing", root / "incremental")
    first = _state(root / "incremental")
    _write(root / "growing", NAMES[35:])
    _run(root / "growing", root / "incremental")
    second = _state(root / "incremental")
    _run(root / "growing", root / "incremental", "--mode", "full")
    return {"full": _state(root / "full"), "first": first, "incremental": second,
            "refit": _state(root / "incremental")}  # fmt: skip


def _groups(assigned: pd.DataFrame) -> list[list[str]]:
    return sorted(sorted(g) for g in assigned.groupby("topic_id").article_id.agg(list))


def test_each_subject_is_one_topic(runs):
    assigned, topics, daily = runs["full"]
    assert assigned.topic_id.notna().all() and len(assigned) == 50
    by_topic = assigned.groupby("topic_id").subject.agg(lambda s: sorted(set(s)))
    assert sorted(by_topic.tolist()) == [["election"], ["football"], ["rates"], ["vaccine"],
                                         ["wildfire"]]  # fmt: skip
    assert (topics.articles.tolist(), topics.stories.tolist()) == ([10] * 5, [10] * 5)
    label_of = topics.set_index("topic_id").label
    labels = {subjects[0]: label_of[topic] for topic, subjects in by_topic.items()}
    assert "interest rates" in labels["rates"] and "inflation" in labels["rates"]
    assert "Champions League" in labels["football"]
    assert "vaccine" in labels["vaccine"] and "wildfire" in labels["wildfire"]
    assert all(3 <= len(p) <= 5 for p in topics.phrases)
    assert daily.groupby("topic_id").articles.sum().tolist() == [10] * 5
    assert daily.columns.tolist() == ["published_date", "topic_id", "articles", "stories",
                                      "sentiment_mean", "sentiment_std", "year", "month"]  # fmt: skip


def test_incremental_runs_give_the_full_runs_topics(runs):
    full, _, full_daily = runs["full"]
    incremental, topics, daily = runs["incremental"]
    assert _groups(incremental) == _groups(full)
    assert sorted(topics.label) == sorted(runs["full"][1].label)
    first_ids = set(runs["first"][1].topic_id)
    assert set(topics.topic_id) == first_ids  # the new articles joined the published topics
    assert len(daily) == len(full_daily)


def test_a_refit_keeps_the_topic_ids(runs):
    incremental, topics, _ = runs["incremental"]
    refit, refit_topics, _ = runs["refit"]
    assert refit.topic_id.tolist() == incremental.topic_id.tolist()
    columns = ["topic_id", "label", "articles", "stories", "first_date", "last_date"]
    assert refit_topics[columns].equals(topics[columns])

"""Topics through the real command, on articles of five written subjects (tests/topic_corpus.py):
the incremental run starts from 35 of the 50 articles (each subject seen: a first run that
sees too few stories of a subject cannot tell it apart, and later articles join its topic);
one topic per subject, incremental = full, a re-fit keeps the ids, and `articles.topic_id`
is `article_topics.topic_id` after every run."""

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
    articles = pd.read_parquet(out / "articles", columns=["article_id", "source_path", "topic_id",
                                                          "run_id"])  # fmt: skip
    articles = articles.rename(columns={"topic_id": "articles_topic_id"})
    assigned = pd.read_parquet(out / "article_topics").merge(articles, on="article_id")
    assert len(assigned) == len(articles)
    assigned["file"] = assigned.source_path.map(lambda p: Path(p).name)
    assigned["subject"] = assigned.file.map(lambda name: FILES[name][0])
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


# Each subject's topic id (the slug of its first label phrase when first fitted; kept after),
# and the articles of a subject that fit no topic yet.
FULL_IDS = {"election": "voter", "football": "champions-league", "rates": "interest-rate",
            "vaccine": "vaccine", "wildfire": "fire-service"}  # fmt: skip
INCREMENTAL_IDS = {**FULL_IDS, "rates": "bank"}  # 35 articles: the rates topic is named "bank"
EXPECTED_TOPICS = {
    "full": (FULL_IDS, set()),
    "first": (INCREMENTAL_IDS, {"n0000.txt", "n0016.txt"}),  # a football, a wildfire article
    "incremental": (INCREMENTAL_IDS, set()),  # both joined their subject's topic
    "refit": (INCREMENTAL_IDS, set()),
}


@pytest.mark.parametrize("run", list(EXPECTED_TOPICS))
def test_articles_topic_id_is_the_topic_of_article_topics(runs, run):
    assigned = runs[run][0]
    ids, no_topic = EXPECTED_TOPICS[run]
    assert no_topic <= set(assigned.file)
    expected = [None if name in no_topic else ids[subject]
                for name, subject in zip(assigned.file, assigned.subject, strict=True)]  # fmt: skip
    assert [t if isinstance(t, str) else None for t in assigned.articles_topic_id] == expected
    assert [t if isinstance(t, str) else None for t in assigned.topic_id] == expected


def test_an_incremental_run_rewrites_the_published_articles_whose_topic_changed(runs):
    """The two published articles without a topic joined one: their partition (all 35
    published articles, March 2019) is re-emitted with the new topic_id, as published (the
    first run's run_id), beside the 15 new articles."""
    first, incremental = runs["first"][0], runs["incremental"][0]
    published = first.set_index("article_id")
    again = incremental[incremental.article_id.isin(published.index)]
    assert len(again) == 35 and set(again.run_id) == set(first.run_id)
    changed = again[again.articles_topic_id.fillna("-") != again.article_id.map(
        published.articles_topic_id).fillna("-")]  # fmt: skip
    assert sorted(changed.file) == ["n0000.txt", "n0016.txt"]
    assert sorted(changed.articles_topic_id) == ["champions-league", "fire-service"]
    assert incremental.run_id.nunique() == 2

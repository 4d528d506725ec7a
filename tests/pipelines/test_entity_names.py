"""Entity keys and labels on the labelled set (tests/data/entities_eval.yaml), through the
real job: accuracy that can fail, and the same rows from a full run and from incremental runs
in either order (the corpus-level label and surname links depend on the whole corpus)."""

from __future__ import annotations

import shutil

import pandas as pd
import pytest

from benchmarks.entities_eval import load_set, score, write_raw
from tests.helpers import run_pipeline, snapshot

pytestmark = pytest.mark.e2e

ARTICLES = load_set()


def _run(raw, output, *extra):
    result = run_pipeline("--input", str(raw), "--output", str(output), *extra)
    assert result.returncode == 0, result.stderr[-3000:]


@pytest.fixture(scope="module")
def full(tmp_path_factory):
    root = tmp_path_factory.mktemp("entities_eval")
    write_raw(ARTICLES, root / "raw")
    _run(root / "raw", root / "full", "--mode", "full")
    return root


def test_labelled_set_scores_at_least_what_was_measured(full):
    """Measured when the label table was built (benchmarks/entities_eval.py): test half 0.794
    label accuracy, 0.815 keyed, PERSON top-20 precision 0.75 (before: 0.76, 0.764, 0.65)."""
    result = score(ARTICLES, full / "full")
    test = result["test"]
    assert test["expected_mentions"] == 233
    assert test["label_accuracy"] >= 0.79
    assert test["keyed"] >= 0.81
    assert test["top20"]["PERSON"]["precision"] >= 0.75
    assert result["dev"]["top20"]["ORG"]["wrong"] == []


def test_honorifics_and_corpus_links_in_the_published_entities(full):
    entities = pd.read_parquet(full / "full" / "entities")
    rows = {(r.text, str(r.published_date)): r for r in entities.itertuples()}
    corbyn = rows[("Corbyn", "2019-03-30")]  # a lone surname; March names Jeremy Corbyn 3 times
    assert (corbyn.canonical, corbyn.canonical_method, corbyn.article_canonical) == (
        "jeremy corbyn", "corpus", "corbyn"
    )  # fmt: skip
    may = rows[("Mrs May", "2019-03-26")]
    assert (may.article_canonical, may.label) == ("may", "PERSON")  # "Mrs" left the key
    bush = rows[("Bush", "2019-04-08")]  # April: George W. Bush 2 articles, Laura Bush 1
    assert (bush.canonical, bush.canonical_method) == ("bush", "as_written")
    chelsea = entities[(entities.text == "Chelsea") & (entities.label == "PERSON")]
    assert set(chelsea.canonical_label) == {"ORG"}  # the label table
    tories = entities[entities.text == "Tories"]
    assert set(tories.canonical) == {"conservatives"}  # the alias table
    names = pd.read_parquet(full / "full" / "entity_names")
    corbyns = names[names.article_canonical == "jeremy corbyn"]
    assert corbyns.articles.sum() == 3


@pytest.mark.parametrize("first_month", ["2019-03", "2019-04"])
def test_incremental_runs_in_either_order_equal_the_full_run(full, tmp_path, first_month):
    raw = tmp_path / "raw"
    raw.mkdir()
    for path in (full / "raw").iterdir():
        if first_month in path.read_text().split("\n", 1)[0]:
            shutil.copy(path, raw / path.name)
    _run(raw, tmp_path / "out")
    for path in (full / "raw").iterdir():
        shutil.copy(path, raw / path.name)
    _run(raw, tmp_path / "out")
    _run(raw, tmp_path / "full", "--mode", "full")  # same paths: source_path is in the rows
    assert snapshot(tmp_path / "out", drop_volatile=True) == snapshot(
        tmp_path / "full", drop_volatile=True
    )

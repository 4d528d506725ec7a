"""Files written to hurt the pipeline, next to normal articles, through the real command: the
run ends with exit 0 in bounded time, every regular input is in exactly one of articles /
errors / duplicates, and the normal articles are published exactly as without the others."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from benchmarks.hostile import HOSTILE, write_special_files
from tests.conftest import write_corpus
from tests.helpers import read_dataset, run_pipeline, sorted_rows

pytestmark = pytest.mark.e2e

NORMAL = {
    f"normal/{i:02d}.txt": (
        f"date 2019-03-{i + 1:02d} Harbour council meets, session {i}\n\n"
        f"The council of Bergen met on Monday to discuss the harbour budget, item {i}.\n"
    ).encode()
    for i in range(5)
}
def _where(output: Path, raw: Path) -> dict[str, list[str]]:
    """Each input file -> the datasets its records are in."""
    found: dict[str, list[str]] = {}
    for name in ("articles", "errors", "duplicates"):
        for path in pd.read_parquet(output / name).source_path:
            relative = Path(path.split("#L")[0]).relative_to(raw).as_posix()
            found.setdefault(relative, []).append(name)
    return found


@pytest.fixture(scope="module")
def hostile_run(tmp_path_factory):
    root = tmp_path_factory.mktemp("hostile")
    raw = write_corpus(root / "raw", {**NORMAL, **HOSTILE})
    specials = write_special_files(raw)
    result = run_pipeline(
        "--input", str(raw), "--output", str(root / "out"), "--max-file-bytes", "8000000"
    )
    return raw, root / "out", result, specials


def test_hostile_files_end_as_errors_or_articles_and_the_run_succeeds(hostile_run):
    raw, output, result, specials = hostile_run
    assert result.returncode == 0, result.stderr[-3000:]
    errors = pd.read_parquet(output / "errors")
    codes = {
        Path(p).relative_to(raw).as_posix(): (code, message)
        for p, code, message in zip(errors.source_path, errors.error_code, errors.message,
                                    strict=True)
    }  # fmt: skip
    assert codes["hostile/deep.json"][0] == "json_invalid"
    assert codes["hostile/array.json"] == ("json_invalid", "the JSON value is a list, not an object")
    assert codes["hostile/deep.html"][0] == "no_body"  # lxml gives up on 100,000 levels
    assert "nests deeper than 64 levels" in codes["hostile/deep.json"][1]
    assert codes["hostile/deep-object.json"][0] == "json_invalid"
    assert codes["hostile/deep-line.jsonl#L2"][0] == "json_invalid"
    assert codes["hostile/laughs.md"] == (
        "header_invalid", "the YAML front matter uses aliases (*name): refused"
    )  # fmt: skip
    assert codes["hostile/big.txt"][0] == "too_large"
    for path, message in specials.items():
        assert codes[path] == ("read", message)
    where = _where(output, raw)
    regular = [p for p in {**NORMAL, **HOSTILE}]
    assert all(len(where[p]) == 1 for p in regular if not p.endswith(".jsonl"))
    assert where["hostile/deep-line.jsonl"] == ["articles", "errors"]  # line 1, line 2
    assert "special/loop" not in where


def test_oversized_headers_are_cut_with_warnings_and_the_article_kept(hostile_run):
    _, output, _, _ = hostile_run
    articles = pd.read_parquet(output / "articles")
    huge = articles[articles.body == "Oslo voted on the budget."].iloc[0]
    assert len(huge.title) == 1_000 and huge.title.startswith("Budget Budget")
    assert "field_truncated: title had 4,899,999 characters, kept 1,000" in list(huge.warnings)
    cut = articles[articles.title == "Cut \ufffd emoji"].iloc[0]
    assert list(cut.authors) == ["Ann \ufffd Lee"]
    assert cut.body == "Oslo opened a new ferry pier \U0001f600 on Monday \ufffd."
    many = articles[articles.title == "Many keys"].iloc[0]
    assert len(many.header_extra) == 100
    assert {len(value) for _, value in many.header_extra} == {10_000}
    assert "field_truncated: 100 header_extra value(s) cut to 10,000 characters" in list(
        many.warnings
    )
    long_run = articles[articles.title == "Long run"].iloc[0]
    assert "long_run_skipped: 1 run(s) of 1,000+ characters without a space were not tagged" in (
        list(long_run.warnings)
    )
    entities = pd.read_parquet(output / "entities")
    named = set(entities[entities.article_id == long_run.article_id].text)
    assert {"Oslo", "Bergen"} <= named  # the text around the run is tagged


def test_normal_articles_are_published_as_without_the_hostile_files(hostile_run, tmp_path):
    raw, output, _, _ = hostile_run
    alone = write_corpus(tmp_path / "raw", NORMAL)
    result = run_pipeline("--input", str(alone), "--output", str(tmp_path / "out"))
    assert result.returncode == 0, result.stderr[-2000:]

    def normal_rows(out: Path, root: Path) -> list[str]:
        frame = read_dataset(out, "articles")
        frame = frame[frame.source_path.str.startswith(str(root / "normal"))].copy()
        frame["source_path"] = [Path(p).relative_to(root).as_posix() for p in frame.source_path]
        return sorted_rows(frame)

    assert normal_rows(output, raw) == normal_rows(tmp_path / "out", alone)
    assert len(normal_rows(output, raw)) == 5


def test_a_second_run_reports_special_files_once(hostile_run):
    raw, output, _, specials = hostile_run
    again = run_pipeline("--input", str(raw), "--output", str(output), "--max-file-bytes",
                         "8000000")  # fmt: skip
    assert again.returncode == 0, again.stderr[-2000:]
    assert "0 read" in again.stdout
    errors = pd.read_parquet(output / "errors")
    paths = [Path(p).relative_to(raw).as_posix() for p in errors.source_path]
    assert all(paths.count(p) == 1 for p in specials)


def test_output_inside_the_input_is_refused_with_one_line(tmp_path):
    raw = write_corpus(tmp_path / "data", NORMAL)
    result = run_pipeline("--input", str(raw), "--output", str(raw / "out"))
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        f"newsbeam: error: --output {str(raw / 'out')!r} is inside --input {str(raw)!r}: the "
        "next run would read its own output; pick an output folder outside the input"
    ]
    assert not (raw / "out").exists()

"""The report: its queries on hand-built datasets with exact numbers, its pages for edge cases,
and the real page in a real browser with the network cut off."""

from __future__ import annotations

import datetime as dt
import math
import shutil
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pyarrow as pa
import pytest

from pipelines import report
from pipelines.reporting import queries
from schemas import ALL_DATASETS, Dataset
from transforms.io.write import write_table

D1, D2, D3 = dt.date(2019, 3, 4), dt.date(2019, 3, 5), dt.date(2019, 4, 2)
NOW = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def _article(article_id, date, source, compound, sentences, warnings=(), story=None):
    return {"article_id": article_id, "story_id": story or article_id, "source_path": f"in/{article_id}.txt", "title": article_id,
            "published_date": date, "source_name": source, "language": "en",
            "header_format": "date_line", "body": "Oslo said so. Bergen agreed.", "word_count": 10,
            "sentence_count": sentences, "entity_count": 1, "sentiment_compound": compound,
            "warnings": list(warnings), "model": "m", "pipeline_version": "v", "run_id": "r1",
            "processed_at": NOW}  # fmt: skip


def _write(root: Path, dataset: Dataset, rows: list[dict]) -> None:
    defaults = {field.name: None for field in dataset.schema}
    if "quotes" in defaults:  # the rollups' count of quotations, 0 unless a test says
        defaults["quotes"] = 0
    for column in ("name_a", "name_b"):  # the pairs' names, empty unless a test says
        if column in defaults:
            defaults[column] = ""
    by_partition: dict[str, list[dict]] = {}
    for row in rows:
        date = row.get("published_date")
        key = f"year={date.year}/month={date.month}" if date else "year=0/month=0"
        by_partition.setdefault(key if dataset.partitioned else "", []).append(row)
    for partition, part in (
        by_partition or {("year=0/month=0" if dataset.partitioned else ""): []}
    ).items():
        table = pa.Table.from_pylist([{**defaults, **r} for r in part], schema=dataset.schema)
        (root / dataset.name / partition).mkdir(parents=True, exist_ok=True)
        write_table(table, str(root / dataset.name / partition / "part-0.parquet"))


def _output(root: Path, **datasets: list[dict]) -> Path:
    (root / "_current").mkdir(parents=True)
    for name, dataset in ALL_DATASETS.items():
        _write(root, dataset, datasets.get(name, []))
    return root


ARTICLES = [
    _article("a1", D1, "Wire", 0.5, 4),
    _article("a2", D1, "Wire", -0.1, 2, ["title_missing: no title"], story="a1"),  # a copy
    _article("a3", D2, "Post", 0.3, 3),
    _article("a4", D3, None, None, 1, ["language_unsupported: no model"]),
    _article("u1", None, "Wire", 0.2, 2),
]
ARTICLE_ENTITIES = [
    {"article_id": a, "canonical": "oslo", "label": "GPE", "mentions": m, "first_position": "later",
     "sentences": 1, "sentiment_mean": s, "published_date": d}
    for a, m, s, d in (("a1", 2, 0.4, D1), ("a2", 1, -0.2, D1), ("a3", 3, 0.6, D2))
] + [{"article_id": "a1", "canonical": "bergen", "label": "GPE", "mentions": 1,
      "first_position": "title", "sentences": 1, "sentiment_mean": 0.1, "published_date": D1}] + [
    {"article_id": a, "canonical": c, "label": "GPE", "mentions": m, "first_position": "later",
     "sentences": 1, "sentiment_mean": 0.0, "published_date": d}
    for a, c, m, d in (("a3", "bergen", 1, D2), ("a1", "rome", 5, D1), ("a2", "rome", 5, D1))
]  # fmt: skip
for _row in ARTICLE_ENTITIES:  # the key as people write it
    _row["name"] = _row["canonical"].title()


@pytest.fixture()
def built(tmp_path) -> Path:
    return _output(
        tmp_path / "out",
        articles=ARTICLES,
        article_entities=ARTICLE_ENTITIES,
        errors=[
            {"source_path": p, "error_code": c, "message": "m", "run_id": "r1"}
            for p, c in (("x", "empty"), ("y", "empty"), ("z", "binary"))
        ],
        entity_pairs_daily=[
            {
                "published_date": D1,
                "canonical_a": "bergen",
                "label_a": "GPE",
                "canonical_b": "oslo",
                "label_b": "GPE",
                "articles": 1,
                "stories": 1,
                "sentences": 0,
            }
        ],
    )


def test_overview_and_volume_count_exactly(built):
    out = queries.Output(queries.Scope(built))
    summary = queries.overview(out)
    assert (summary["articles"], summary["undated"], summary["sources"]) == (5, 1, 2)
    assert summary["stories"] == 4
    assert (summary["first_date"], summary["last_date"]) == (D1, D3)
    volume = queries.volume(out, "day")
    got = {(r.period.date(), r.source): r.articles for r in volume.itertuples()}
    assert got == {(D1, "Wire"): 2, (D2, "Post"): 1, (D3, "unknown"): 1}


def test_sentiment_means_and_intervals_are_exact(built):
    out = queries.Output(queries.Scope(built))
    frame = queries.sentiment_over_time(out, "day").set_index("period")
    first = frame.loc["2019-03-04"]
    assert (first.articles, first.sentences, first["mean"]) == (2, 6, pytest.approx(0.2))
    sd = math.sqrt(((0.5 - 0.2) ** 2 + (-0.1 - 0.2) ** 2) / 1)
    assert first.low == pytest.approx(0.2 - 1.96 * sd / math.sqrt(2))
    assert first.high == pytest.approx(0.2 + 1.96 * sd / math.sqrt(2))
    assert not first.solid  # 2 articles < 5
    single = frame.loc["2019-03-05"]
    assert single["mean"] == pytest.approx(0.3) and math.isnan(single.low)


def test_top_entities_rank_by_stories_with_intervals(built):
    out = queries.Output(queries.Scope(built))
    top = queries.top_entities(out, 3)
    # a2 is a copy of a1: rome's 2 articles are 1 story, bergen's 2 are 2
    assert list(zip(top.canonical, top.name, top.stories, top.articles, top.mentions,
                    strict=True)) == [
        ("oslo", "Oslo", 2, 3, 6), ("bergen", "Bergen", 2, 2, 2), ("rome", "Rome", 1, 2, 10)
    ]  # fmt: skip
    oslo = top.iloc[0]
    mean = (0.4 - 0.2 + 0.6) / 3
    sd = math.sqrt(sum((x - mean) ** 2 for x in (0.4, -0.2, 0.6)) / 2)
    assert oslo["mean"] == pytest.approx(mean)
    assert oslo.high - oslo["mean"] == pytest.approx(1.96 * sd / math.sqrt(3))


def test_a_date_range_prunes_partitions_and_drops_undated(built):
    out = queries.Output(
        queries.Scope(built, since=dt.date(2019, 3, 5), until=dt.date(2019, 4, 30))
    )
    summary = queries.overview(out)
    assert (summary["articles"], summary["undated"]) == (2, 0)
    assert list(queries.top_entities(out, 5).canonical) == ["oslo", "bergen"]  # mentions: 3, 1


def test_data_quality_counts(built):
    out = queries.Output(queries.Scope(built))
    assert dict(queries.errors_by_code(out).values.tolist()) == {"empty": 2, "binary": 1}
    kinds = dict(queries.warnings_by_kind(out).values.tolist())
    assert kinds == {"title_missing": 1, "language_unsupported": 1}


@pytest.mark.parametrize(
    ("articles", "expected"),
    [
        ([], "No articles yet"),
        ([_article("u1", None, "Wire", 0.2, 2)], "No dated articles in this range."),
        ([_article("a1", D1, "Wire", 0.5, 4)], "Mean article sentiment per day"),
    ],
    ids=["empty", "undated-only", "one-article"],
)
def test_reports_for_edge_cases(tmp_path, articles, expected):
    data = _output(tmp_path / "out", articles=articles)
    out_file = tmp_path / "report.html"
    assert report.run(["--data", str(data), "--out", str(out_file)]) == 0
    page = out_file.read_text()
    assert expected in page
    assert "newsbeam report" in page


def test_not_a_newsbeam_output_is_a_usage_error(tmp_path, capsys):
    assert report.run(["--data", str(tmp_path), "--out", str(tmp_path / "r.html")]) == 2
    assert capsys.readouterr().err.strip().splitlines() == [
        f"newsbeam-report: error: --data {str(tmp_path)!r} is not a newsbeam output (no "
        "_current/ version; run newsbeam --output there first)"
    ]


class _Proxy:
    """A listener that stands in for every proxy: it counts the connections a browser opens."""

    def __init__(self):
        self.server = socket.socket()
        self.server.bind(("127.0.0.1", 0))
        self.server.listen()
        self.server.settimeout(0.2)
        self.connections = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    @property
    def port(self) -> int:
        return self.server.getsockname()[1]

    def _accept(self):
        while not self._stop.is_set():
            try:
                connection, _ = self.server.accept()
            except TimeoutError:
                continue
            self.connections += 1
            connection.close()

    def close(self):
        self._stop.set()
        self._thread.join()
        self.server.close()


@pytest.fixture(scope="module")
def real_report(tmp_path_factory, published_corpus):
    root = tmp_path_factory.mktemp("report")
    (root / "out").symlink_to(published_corpus.output)  # read only
    page = root / "report.html"
    written = subprocess.run(
        [sys.executable, "-m", "pipelines.report", "--data", str(root / "out"), "--out", str(page),
         "--png-dir", str(root / "png")],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert written.returncode == 0, written.stderr[-2000:]
    return root, page


@pytest.mark.browser
@pytest.mark.skipif(shutil.which("chromium") is None, reason="needs Debian's chromium")
def test_the_report_renders_offline_in_a_real_browser(real_report):
    root, page = real_report
    proxy = _Proxy()
    try:
        dom = subprocess.run(
            ["chromium", "--headless", "--no-sandbox", "--disable-gpu",
             f"--proxy-server=127.0.0.1:{proxy.port}", "--host-resolver-rules=MAP * ~NOTFOUND",
             "--virtual-time-budget=10000", "--dump-dom", page.as_uri()],
            capture_output=True, text=True, timeout=120, check=False,
        ).stdout  # fmt: skip
    finally:
        proxy.close()
    assert proxy.connections == 0  # nothing was fetched: no script, style, font or image
    assert dom.count('class="marks"') >= 8  # every chart drew an SVG
    assert ">6</div>" in dom and "articles" in dom  # the overview card: 6 articles
    assert "Inputs that are not articles, by error code" in dom
    assert "maria lopez" in dom  # a top PERSON, from article_entities
    assert "Where the news happens: places named, by country and city" in dom  # the map
    pngs = {p.name for p in (root / "png").glob("*.png")}
    assert {"errors.png", "map.png", "pairs.png", "sentiment.png", "volume.png"} <= pngs


@pytest.mark.e2e
def test_entity_page_shows_its_sentences_with_links(real_report, tmp_path):
    root, _ = real_report
    page = tmp_path / "lopez.html"
    assert (
        report.run(["--data", str(root / "out"), "--out", str(page), "--entity", "maria lopez"])
        == 0
    )
    text = page.read_text()
    assert "Articles per day naming maria lopez" in text
    assert "Maria Lopez spoke in Madrid on Wednesday." in text
    assert "(2018-12-19)" in text and "quoted-title.txt" in text
    assert report.run(["--data", str(root / "out"), "--out", str(page), "--entity", "nobody"]) == 0
    assert "No dated mention of &#x27;nobody&#x27;" in page.read_text()


def _said(article_id, date, speaker, compound, start):
    return {"article_id": article_id, "field": "body", "kind": "direct", "start_char": start,
            "end_char": start + 9, "text": f"words {start}", "speaker_text": speaker,
            "speaker_start": 0, "speaker_end": 3, "speaker": speaker,
            "speaker_label": "PERSON" if speaker else None, "cue": "say", "sentence_index": 0,
            "sentiment_compound": compound, "published_date": date}  # fmt: skip


def test_who_is_quoted_ranks_speakers_by_stories_and_the_entity_page_shows_what_it_said(tmp_path):
    quotes = [_said("a1", D1, "ann lee", 0.5, 0), _said("a1", D1, "ann lee", 0.1, 20),
              _said("a2", D1, "ann lee", 0.3, 0), _said("a3", D2, "bo kim", -0.4, 0),
              _said("a3", D2, "cy ray", 0.2, 40), _said("a4", D3, "cy ray", 0.0, 0),
              _said("a3", D2, None, 0.9, 60)]  # fmt: skip
    daily = [{"published_date": D1, "canonical": "ann lee", "name": "Ann Lee", "label": "PERSON", "articles": 2,
              "stories": 1, "mentions": 2, "sentences": 2, "sentiment_mean": 0.1,
              "sentiment_std": 0.0}]  # fmt: skip
    built = _output(tmp_path / "out", articles=ARTICLES, quotes=quotes, entity_daily=daily)
    out = queries.Output(queries.Scope(built))
    top = queries.top_speakers(out, 10)
    # a2 is a copy of a1: ann lee's 2 articles are 1 story; cy ray is in 2 stories
    assert list(zip(top.speaker, top.stories, top.articles, top.quotations, strict=True)) == [
        ("cy ray", 2, 2, 2), ("ann lee", 1, 2, 3), ("bo kim", 1, 1, 1)
    ]
    assert top.set_index("speaker").loc["ann lee", "mean"] == pytest.approx(0.3)
    assert list(top.name) == ["cy ray", "Ann Lee", "bo kim"]  # the name where entity_daily has one
    page = tmp_path / "report.html"
    assert report.run(["--data", str(built), "--out", str(page)]) == 0
    assert "Who is quoted" in page.read_text()
    assert report.run(["--data", str(built), "--out", str(page), "--entity", "ann lee"]) == 0
    text = page.read_text()
    assert "What ann lee said" in text and "<blockquote>“words 20”</blockquote>" in text
    assert 'href="file://in/a1.txt"' in text and "words 0" in text

"""The report's Topics section, topic pages and keyphrases: on the five written subjects of
tests/topic_corpus.py published by the real command, and on hand-built datasets for the
rising/falling comparison and the keyphrases of a period."""

from __future__ import annotations

import datetime as dt
import html
import re
from pathlib import Path

import pandas as pd
import pytest

from pipelines import report
from tests.helpers import run_pipeline
from tests.pipelines.test_report import _article, _output
from tests.topic_corpus import topic_corpus

FILES = topic_corpus(per_subject=10, seed=29)
SUBJECT_PHRASES = {"rates": "interest rates", "football": "Champions League", "vaccine": "vaccine",
                   "wildfire": "wildfire", "election": "election"}  # fmt: skip


def _section(page: str, anchor: str) -> str:
    found = re.search(rf'<section id="{anchor}">(.*?)</section>', page, re.S)
    assert found, f"no section {anchor!r}"
    return found.group(1)


def _text(fragment: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", fragment)).strip()


def _tables(fragment: str) -> list[list[dict[str, str]]]:
    """Every table in `fragment` as rows of {header: cell text}."""
    tables = []
    for body in re.findall(r"<table>(.*?)</table>", fragment, re.S):
        heads = [_text(h) for h in re.findall(r"<th[^>]*>(.*?)</th>", body, re.S)]
        rows = re.findall(r"<tr>(.*?)</tr>", body.split("</thead>")[1], re.S)
        tables.append([dict(zip(heads, (_text(c) for c in re.findall(r"<td[^>]*>(.*?)</td>", row,
                                                                        re.S)), strict=True))
                       for row in rows])  # fmt: skip
    return tables


def _links(fragment: str) -> dict[str, str]:
    """Link text -> address."""
    return {_text(text): html.unescape(href)
            for href, text in re.findall(r'<a href="([^"]*)">(.*?)</a>', fragment, re.S)}  # fmt: skip


@pytest.fixture(scope="module")
def topics_report(tmp_path_factory):
    """The topic corpus published by the real command, and its report (with topic pages)."""
    root = tmp_path_factory.mktemp("report-topics")
    raw = root / "raw"
    raw.mkdir()
    for name, (_, data) in FILES.items():
        (raw / name).write_bytes(data)
    result = run_pipeline("--input", str(raw), "--output", str(root / "out"))
    assert result.returncode == 0, result.stderr[-3000:]
    assert report.run(["--data", str(root / "out"), "--out", str(root / "report.html")]) == 0
    return root


def _subject_titles(out: Path) -> dict[str, set[str]]:
    articles = pd.read_parquet(out / "articles", columns=["source_path", "title"])
    articles["subject"] = articles.source_path.map(lambda p: FILES[Path(p).name][0])
    return articles.groupby("subject").title.agg(set).to_dict()


@pytest.mark.e2e
def test_the_topics_section_lists_each_subjects_topic_with_its_label_and_stories(topics_report):
    page = (topics_report / "report.html").read_text()
    [rows] = _tables(_section(page, "topics"))
    topics = pd.read_parquet(topics_report / "out" / "topics")
    assert {r["label"]: r["stories"] for r in rows} == dict.fromkeys(topics.label, "10")
    assert [r["articles"] for r in rows] == ["10"] * 5
    labels = " | ".join(r["label"] for r in rows)
    for phrase in SUBJECT_PHRASES.values():
        assert phrase in labels
    for row in rows:  # a 95% interval around each mean (10 scored articles each)
        assert float(row["low"]) < float(row["mean"]) < float(row["high"])
    assert 'id="chart-topics"' in page and 'id="chart-topic-tone"' in page


@pytest.mark.e2e
def test_a_topic_page_lists_exactly_its_subjects_article_titles(topics_report):
    page = (topics_report / "report.html").read_text()
    links = _links(_section(page, "topics"))
    titles = _subject_titles(topics_report / "out")
    assert len(links) == 5
    for label, address in links.items():
        topic_page = (topics_report / address).read_text()
        listed = set(_links(_section(topic_page, "articles")))
        [subject] = [s for s, shown in titles.items() if listed == shown]  # all of one subject
        assert SUBJECT_PHRASES[subject] in label
        assert f"“{label}”" in html.unescape(topic_page)
        assert "tone, 95% interval" in topic_page
        assert '<a href="../report.html#topics">' in topic_page
        assert "<script" not in topic_page.split("</head>")[1]  # tables only, no Vega
    rates = next(a for label, a in links.items() if "interest rates" in label)
    rates_page = (topics_report / rates).read_text()
    assert set(_links(_section(rates_page, "articles"))) == titles["rates"]
    entities = {r["name"] for r in _tables(_section(rates_page, "entities"))[0]}
    assert {"Andrew Bailey", "Bank of England"} <= entities
    football = next(a for label, a in links.items() if "Champions League" in label)
    places = _tables(_section((topics_report / football).read_text(), "places"))[0]
    assert places[0]["place"] == "Munich" and places[0]["country"] == "DE"


@pytest.mark.e2e
def test_one_topic_by_id_and_an_unknown_id(topics_report, tmp_path):
    topics = pd.read_parquet(topics_report / "out" / "topics")
    vaccine = topics[topics.label.str.contains("vaccine")].topic_id.item()
    page = tmp_path / "vaccine.html"
    assert report.run(["--data", str(topics_report / "out"), "--out", str(page), "--topic",
                       vaccine]) == 0  # fmt: skip
    listed = set(_links(_section(page.read_text(), "articles")))
    assert listed == _subject_titles(topics_report / "out")["vaccine"]
    assert report.run(["--data", str(topics_report / "out"), "--out", str(page), "--topic",
                       "nothing"]) == 0  # fmt: skip
    assert "No article of topic &#x27;nothing&#x27; in this range" in page.read_text()


@pytest.mark.e2e
def test_the_top_keyphrases_of_the_last_month_by_stories(topics_report):
    page = (topics_report / "report.html").read_text()
    section = _section(page, "keyphrases")
    assert "published in March 2019 (the data end on 2019-03-27)" in _text(section)
    [rows] = _tables(section)
    assert len(rows) == 20
    # every article of its subject names it; then by occurrences (31 and 25)
    assert [(r["phrase"], r["stories"], r["occurrences"]) for r in rows[:2]] == [
        ("interest rates", "10", "31"), ("vaccine", "10", "25")]  # fmt: skip
    phrases = pd.read_parquet(topics_report / "out" / "keyphrases")
    stories = phrases.groupby("key").article_id.nunique()  # no copies here: article = story
    keys = phrases.drop_duplicates("phrase").set_index("phrase").key
    assert [int(r["stories"]) for r in rows] == [stories[keys[r["phrase"]]] for r in rows]


# --- rising and falling, on hand-built datasets: two whole weeks of March 2019 ---

WEEK1, WEEK2 = dt.date(2019, 3, 4), dt.date(2019, 3, 11)  # Mondays


def _day(week: dt.date, n: int) -> dt.date:
    return week + dt.timedelta(days=n % 7)


def _two_weeks(root: Path) -> Path:
    plan = {"rates": (1, 6), "votes": (3, 1), "flat": (1, 1)}  # stories in week 1, week 2
    articles, assigned = [], []
    for topic, counts in plan.items():
        for week, count in zip((WEEK1, WEEK2), counts, strict=True):
            for n in range(count):
                article_id = f"{topic}-{week:%d}-{n}"
                articles.append(_article(article_id, _day(week, n), "Wire", 0.1, 3))
                assigned.append({"article_id": article_id, "topic_id": topic,
                                 "similarity": 0.5, "story_id": article_id})  # fmt: skip
    # a republished copy of a rates story: one story more in no period
    articles.append(_article("rates-copy", _day(WEEK2, 6), "Post", 0.2, 3, story="rates-11-0"))
    assigned.append({"article_id": "rates-copy", "topic_id": "rates", "similarity": 0.5,
                     "story_id": "rates-11-0"})  # fmt: skip
    articles.append(_article("february", dt.date(2019, 2, 20), "Wire", 0.0, 3))
    assigned.append({"article_id": "february", "topic_id": None, "story_id": "february"})
    topics = [{"topic_id": t, "label": f"{t} label, second, third", "phrases": [t, "second", "third"],
               "articles": 1, "stories": 1, "terms": [], "weights": []} for t in plan]  # fmt: skip

    def used(article_id, key, phrase, count, date):
        return {"article_id": article_id, "rank": 1, "phrase": phrase, "key": key,
                "score": 1.0, "count": count, "published_date": date}  # fmt: skip

    keyphrases = [
        used("rates-11-0", "rate cut", "rate cuts", 3, _day(WEEK2, 0)),
        used("rates-copy", "rate cut", "rate cut", 1, _day(WEEK2, 6)),  # the same story
        used("rates-11-1", "rate cut", "rate cut", 1, _day(WEEK2, 1)),
        used("votes-04-0", "vote", "votes", 1, _day(WEEK1, 0)),
        used("february", "old news", "old news", 5, dt.date(2019, 2, 20)),
    ]
    return _output(root, articles=articles, article_topics=assigned, topics=topics,
                   keyphrases=keyphrases)  # fmt: skip


def test_rising_and_falling_compare_the_last_week_with_the_one_before(tmp_path):
    data = _two_weeks(tmp_path / "out")
    out_file = tmp_path / "report.html"
    assert report.run(["--data", str(data), "--out", str(out_file)]) == 0
    section = _section(out_file.read_text(), "topic-changes")
    assert ("Stories per topic in the last week, 2019-03-11 to 2019-03-17, against the week "
            "before, 2019-03-04 to 2019-03-10.") in _text(section)  # fmt: skip
    rising, falling = _tables(section)
    assert rising == [{"label": "rates label, second, third", "stories last week": "6",
                       "stories week before": "1", "change": "+5", "note": ""}]  # fmt: skip
    assert falling == [{"label": "votes label, second, third", "stories last week": "1",
                        "stories week before": "3", "change": "-2", "note": "few stories"}]  # fmt: skip
    assert _links(section)["rates label, second, third"] == "report-topics/rates.html"
    [topics] = _tables(_section(out_file.read_text(), "topics"))
    assert [(r["topic_id"], r["stories"], r["articles"]) for r in topics] == [
        ("rates", "7", "8"), ("votes", "4", "4"), ("flat", "2", "2")]  # fmt: skip
    [phrases] = _tables(_section(out_file.read_text(), "keyphrases"))
    # March only; the copy's use is the same story; "rate cuts" is the form used most
    assert phrases == [
        {"phrase": "rate cuts", "stories": "2", "articles": "3", "occurrences": "5"},
        {"phrase": "votes", "stories": "1", "articles": "1", "occurrences": "1"},
    ]
    assert (tmp_path / "report-topics" / "votes.html").exists()


def test_a_corpus_without_topics_says_so_in_one_line(tmp_path):
    data = _output(tmp_path / "out", articles=[_article("a1", WEEK1, "Wire", 0.5, 4),
                                               _article("a2", WEEK2, "Post", 0.1, 2)])  # fmt: skip
    out_file = tmp_path / "report.html"
    assert report.run(["--data", str(data), "--out", str(out_file)]) == 0
    page = out_file.read_text()
    assert _section(page, "topics") == (
        '<h2>Topics</h2><p class="empty">No topics in this range: no group of at least 3 '
        "stories on one subject (docs/output.md, Keyphrases and topics).</p>"
    )
    assert 'id="chart-topics"' not in page and 'id="topic-changes"' not in page
    assert "Mean article sentiment per day" in page  # the rest of the report as before
    assert not (tmp_path / "report-topics").exists()

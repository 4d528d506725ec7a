"""Topics from keyphrase keys (plain functions; the Beam step and the real command are tested
in tests/pipelines/test_topics.py)."""

from __future__ import annotations

import datetime as dt
import random

from transforms.corpus.topics import TopicDoc, discover_topics

SUBJECTS = {
    "rates": ["interest rate", "inflation", "central bank", "rate cut", "mortgage", "bond yield",
              "monetary policy"],
    "football": ["champions league", "striker", "goal", "manager", "penalty", "goalkeeper",
                 "final whistle"],
    "fire": ["wildfire", "firefighter", "evacuation order", "blaze", "smoke", "heatwave",
             "fire service"],
}  # fmt: skip


def _docs(per_subject: int = 6, seed: int = 1) -> tuple[list[TopicDoc], dict[str, str]]:
    rng = random.Random(seed)
    docs, subject_of = [], {}
    for subject, keys in SUBJECTS.items():
        for i in range(per_subject):
            chosen = rng.sample(keys, 4)
            own = f"{subject} detail {i}"  # a key no other article has
            article_id = f"{subject[:2]}{i:02d}"
            docs.append(TopicDoc(
                article_id, dt.date(2019, 3, 1 + i), 0.1 * i - 0.2,
                tuple((k, k.title() if j == 0 else k, 2 if j == 0 else 1)
                      for j, k in enumerate([*chosen, own])),
                (f"{subject} person", f"person {i}"),
            ))  # fmt: skip
            subject_of[article_id] = subject
    return docs, subject_of


def _groups(result) -> dict[str, set[str]]:
    groups: dict[str, set[str]] = {}
    for row in result.article_topics:
        groups.setdefault(row.topic_id, set()).add(row.article_id)
    return groups


def test_each_subject_is_one_topic():
    docs, subject_of = _docs()
    result = discover_topics(docs, {})
    groups = _groups(result)
    assert None not in groups
    assert sorted(sorted({subject_of[a] for a in members}) for members in groups.values()) == [
        ["fire"],
        ["football"],
        ["rates"],
    ]
    assert sorted(len(members) for members in groups.values()) == [6, 6, 6]
    by_id = {t.topic_id: t for t in result.topics}
    rates = by_id[next(t for t, m in groups.items() if "ra00" in m)]
    assert 3 <= len(rates.phrases) <= 5 and rates.label == ", ".join(rates.phrases)
    assert set(rates.phrases) <= {k.title() for k in SUBJECTS["rates"]} | set(SUBJECTS["rates"])
    assert (rates.articles, rates.stories) == (6, 6)
    assert (rates.first_date, rates.last_date) == (dt.date(2019, 3, 1), dt.date(2019, 3, 6))
    assert rates.top_entities[0] == "rates person"
    assert len(rates.terms) == len(rates.weights) and rates.weights == tuple(
        sorted(rates.weights, reverse=True)
    )
    assert result.refitted
    day = [d for d in result.topic_daily if d.topic_id == rates.topic_id]
    assert [(d.published_date, d.articles, d.stories) for d in day][:2] == [
        (dt.date(2019, 3, 1), 1, 1),
        (dt.date(2019, 3, 2), 1, 1),
    ]
    assert day[0].sentiment_mean == -0.2 and day[0].sentiment_std == 0.0


def test_past_the_fit_sample_each_subject_is_still_one_topic(monkeypatch):
    """Past FIT_SAMPLE stories the number of topics is chosen on a sample, then every story is
    clustered from the sample's centres (a sample of 45 of 90 stories here: the same code
    runs past 2,000 stories)."""
    import transforms.corpus.topics as topics

    docs, subject_of = _docs(per_subject=30)
    monkeypatch.setattr(topics, "FIT_SAMPLE", 45)
    monkeypatch.setattr(topics, "SILHOUETTE_SAMPLE", 45)
    groups = _groups(discover_topics(docs, {}))
    assert None not in groups
    assert sorted(sorted({subject_of[a] for a in members}) for members in groups.values()) == [
        ["fire"],
        ["football"],
        ["rates"],
    ]
    assert sorted(len(members) for members in groups.values()) == [30, 30, 30]
    shuffled = list(docs)
    random.Random(3).shuffle(shuffled)
    assert discover_topics(shuffled, {}) == discover_topics(docs, {})


def test_the_order_of_the_articles_does_not_matter():
    docs, _ = _docs()
    shuffled = list(docs)
    random.Random(7).shuffle(shuffled)
    assert discover_topics(shuffled, {}) == discover_topics(docs, {})


def test_topics_count_stories_not_copies():
    docs, _ = _docs()
    copy = docs[0]._replace(article_id="ra99")  # a republished copy of r00
    result = discover_topics([*docs, copy], {"ra99": "ra00", "ra00": "ra00"})
    rows = {row.article_id: row for row in result.article_topics}
    assert rows["ra99"].topic_id == rows["ra00"].topic_id and rows["ra99"].story_id == "ra00"
    topic = next(t for t in result.topics if t.topic_id == rows["ra00"].topic_id)
    assert (topic.articles, topic.stories) == (7, 6)
    day = next(d for d in result.topic_daily
               if d.topic_id == topic.topic_id and d.published_date == dt.date(2019, 3, 1))  # fmt: skip
    assert (day.articles, day.stories) == (2, 1)


def test_a_small_or_unrelated_corpus_has_no_topics():
    docs, _ = _docs(per_subject=1)
    assert discover_topics(docs, {}).topics == []
    unrelated = [TopicDoc(f"a{i}", None, None, ((f"thing {i}", f"thing {i}", 1),), ())
                 for i in range(30)]  # fmt: skip
    result = discover_topics(unrelated, {})
    assert result.topics == [] and {r.topic_id for r in result.article_topics} == {None}
    assert discover_topics([], {}).article_topics == []


def _published(result, docs):
    topic_of = {row.article_id: row.topic_id for row in result.article_topics}
    return [d._replace(topic_id=topic_of[d.article_id], published=True) for d in docs]


def test_a_new_article_joins_the_nearest_topic_without_a_refit():
    docs, _ = _docs()
    first = discover_topics(docs, {})
    published = _published(first, docs)
    new_rates = TopicDoc("ra50", dt.date(2019, 4, 1), 0.5,
                         (("inflation", "inflation", 2), ("central bank", "central bank", 1),
                          ("rate cut", "rate cut", 1)), ())  # fmt: skip
    odd = TopicDoc("z00", dt.date(2019, 4, 1), 0.0, (("chess final", "chess final", 1),), ())
    result = discover_topics([*published, new_rates, odd], {}, first.topics, refit=False)
    rows = {row.article_id: row for row in result.article_topics}
    assert not result.refitted
    assert rows["ra50"].topic_id == rows["ra00"].topic_id
    assert rows["ra50"].similarity >= 0.2
    assert rows["z00"].topic_id is None and rows["z00"].similarity is None
    assert {t.topic_id for t in result.topics} == {t.topic_id for t in first.topics}


def test_too_many_articles_without_a_topic_refit():
    docs, _ = _docs()
    first = discover_topics(docs[:12], {})  # rates and football only
    assert len(first.topics) == 2
    result = discover_topics([*_published(first, docs[:12]), *docs[12:]], {}, first.topics,
                             refit=False)  # fmt: skip
    assert result.refitted  # 6 of 18 fire articles fit no published topic: 33% > 30%
    assert len(result.topics) == 3
    assert {t.topic_id for t in first.topics} <= {t.topic_id for t in result.topics}


def test_a_refit_keeps_the_ids_of_topics_that_keep_their_articles():
    docs, _ = _docs()
    first = discover_topics(docs, {})
    renamed = {t.topic_id: f"old-{n}" for n, t in enumerate(first.topics)}
    before = {row.article_id: renamed[row.topic_id] for row in first.article_topics}
    before["ra00"] = "old-other"  # one article moved: the topic still keeps most of them
    result = discover_topics(docs, {}, before=before)
    assert sorted(t.topic_id for t in result.topics) == sorted(renamed.values())
    assert [t._replace(topic_id="") for t in result.topics] == [
        t._replace(topic_id="") for t in first.topics
    ]


def test_dense_rows_are_the_rows_scipy_gives_bit_for_bit():
    """`_DenseRows.dense` builds a row from the CSR arrays; with an entry stored twice (which
    `toarray` sums) it falls back to scipy's own row."""
    import numpy as np
    import scipy.sparse as sp

    from transforms.corpus.topics import _DenseRows

    plain = sp.csr_matrix((np.array([0.1, 0.2, 0.7, 0.3]), np.array([4, 1, 0, 2]),
                           np.array([0, 2, 2, 4])), shape=(3, 5))  # fmt: skip
    twice = sp.csr_matrix((np.array([0.25, 0.5, 0.125]), np.array([3, 3, 0]),
                           np.array([0, 3])), shape=(1, 4))  # fmt: skip
    for matrix in (plain, twice):
        rows = _DenseRows(matrix)
        for row in range(matrix.shape[0]):
            assert rows.dense(row).tobytes() == matrix[row].toarray().ravel().tobytes()
    assert _DenseRows(plain).dense(0).tolist() == [0.0, 0.2, 0.0, 0.0, 0.1]
    assert _DenseRows(plain).dense(2).tolist() == [0.7, 0.0, 0.3, 0.0, 0.0]
    assert _DenseRows(twice).dense(0).tolist() == [0.125, 0.0, 0.0, 0.75]

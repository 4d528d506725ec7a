"""`LabelArticles`: new articles get their story and topic; the published articles of a
partition whose stories or topics changed are re-emitted with both."""

import datetime as dt

import apache_beam as beam
from apache_beam.testing.test_pipeline import TestPipeline
from apache_beam.testing.util import assert_that, equal_to

from schemas import ARTICLES, Article
from transforms.corpus.articles import LabelArticles
from transforms.corpus.stories import StoryResult
from transforms.io.write import to_table, write_table

NOW = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def _article(article_id: str, date: dt.date, story_id: str = "", topic_id=None) -> Article:
    return Article(article_id, f"{article_id}.txt", "t", date, None, (), "s", None, None,
                   "date_line", (("k", "v"),), "body", 1, 1, 0, None, None, None, None, None,
                   (), "m", "v", "r", NOW, story_id, topic_id)  # fmt: skip


def _as_written(article: Article) -> Article:
    """Lists as read back from Parquet -> tuples (the writer takes either)."""
    return article._replace(authors=tuple(article.authors), warnings=tuple(article.warnings))


def _label(pipeline, profile, new, story_of, topic_of, story_partitions, topic_partitions,
           previous=None, drop_files=frozenset()):  # fmt: skip
    articles = pipeline | "New" >> beam.Create(new)
    return (
        profile.hold(articles, "Hold", lambda a: a.article_id),
        pipeline | "StoryPartitions" >> beam.Create(story_partitions),
        pipeline | "TopicPartitions" >> beam.Create(topic_partitions),
        pipeline | "Stories" >> beam.Create([StoryResult(story_of, [])]),
        pipeline | "TopicOf" >> beam.Create([topic_of]),
    ) | LabelArticles(previous, drop_files, profile=profile)


def test_new_articles_get_their_story_and_topic_and_a_full_run_republishes_nothing(profile):
    march = dt.date(2019, 3, 4)
    new = [_article("a", march), _article("b", march), _article("c", march)]
    with TestPipeline() as pipeline:
        out = _label(pipeline, profile, new, {"a": "a", "b": "a", "c": "c"},
                     {"a": "rates", "b": "rates", "c": None}, [], [])  # fmt: skip
        assert_that(out["articles"], equal_to([
            new[0]._replace(story_id="a", topic_id="rates"),
            new[1]._replace(story_id="a", topic_id="rates"),
            new[2]._replace(story_id="c"),
        ]), label="CheckNew")  # fmt: skip
        assert_that(out["republished"], equal_to([]), label="CheckRepublished")
        assert_that(out["partitions"], equal_to([]), label="CheckPartitions")


def test_partitions_whose_story_or_topic_changed_are_republished_with_both(tmp_path, profile):
    """March changed story, April changed topic, May nothing: the published articles of March
    and April come back with their new story_id and topic_id (the dropped file's left out),
    every other column as published; May's are carried by the version build."""
    previous = tmp_path / "previous"
    published = {
        (2019, 3): [_article("m1", dt.date(2019, 3, 1), "m1", "rates"),
                    _article("m2", dt.date(2019, 3, 2), "m2", None),
                    _article("gone", dt.date(2019, 3, 3), "gone", None)],
        (2019, 4): [_article("p1", dt.date(2019, 4, 1), "p1", None)],
        (2019, 5): [_article("q1", dt.date(2019, 5, 1), "q1", "fire")],
    }  # fmt: skip
    for (year, month), rows in published.items():
        directory = previous / ARTICLES.name / f"year={year}" / f"month={month}"
        directory.mkdir(parents=True)
        write_table(to_table(rows, ARTICLES), str(directory / "part-0.parquet"))
    new = [_article("n1", dt.date(2019, 3, 9))]
    story_of = {"m1": "m1", "m2": "m1", "p1": "p1", "q1": "q1", "n1": "m1"}
    topic_of = {"m1": "rates", "m2": "rates", "p1": "football", "q1": "fire", "n1": "rates"}
    m1, m2, _ = published[(2019, 3)]
    with TestPipeline() as pipeline:
        out = _label(pipeline, profile, new, story_of, topic_of, [(2019, 3)],
                     [(2019, 3), (2019, 4)], str(previous), frozenset({"gone.txt"}))  # fmt: skip
        assert_that(out["articles"], equal_to([new[0]._replace(story_id="m1", topic_id="rates")]),
                    label="CheckNew")  # fmt: skip
        assert_that(out["republished"] | beam.Map(_as_written), equal_to([
            m1, m2._replace(story_id="m1", topic_id="rates"),
            published[(2019, 4)][0]._replace(topic_id="football"),
        ]), label="CheckRepublished")  # fmt: skip
        assert_that(out["partitions"], equal_to([(2019, 3), (2019, 4)]), label="CheckParts")

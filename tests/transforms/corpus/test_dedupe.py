import apache_beam as beam
from apache_beam.testing.test_pipeline import TestPipeline
from apache_beam.testing.util import assert_that, equal_to

from schemas import DuplicateRecord, PublishedArticle
from transforms.corpus.dedupe import DropDuplicates, group_count, pick_kept_copy
from transforms.parsing.parse import parse_article

STORY = b"Same story\n\nThe same text under several paths."


def test_pick_kept_copy_keeps_the_smallest_path():
    copies = [parse_article(path, STORY) for path in ("c/x.txt", "a/y.txt", "b/z.txt")]
    kept, duplicates = pick_kept_copy(copies, "r")
    assert kept.source_path == "a/y.txt"
    assert duplicates == [
        DuplicateRecord(kept.article_id, "b/z.txt", "a/y.txt", "r"),
        DuplicateRecord(kept.article_id, "c/x.txt", "a/y.txt", "r"),
    ]


def test_group_count_sizes_groups_to_about_two_batches():
    assert [group_count(n, 64) for n in (0, 1, 128, 129, 2000)] == [1, 1, 1, 2, 16]
    assert [group_count(n, 64, 1) for n in (0, 64, 65, 2000)] == [1, 1, 2, 32]


def test_drop_duplicates_transform_batches_unique_articles(profile):
    inputs = [parse_article(p, STORY) for p in ("2.txt", "1.txt")]
    inputs += [parse_article(f"{i}.txt", f"Story {i}\n\nText {i}.".encode()) for i in range(3, 8)]
    with TestPipeline() as pipeline:
        articles = pipeline | beam.Create(inputs)
        published = pipeline | "NoPublished" >> beam.Create([])
        unique = (articles, published) | DropDuplicates(
            "run-1", batch_size=2, expected_articles=1, profile=profile
        )
        assert_that(
            unique.batches | beam.Map(len),
            equal_to([2, 2, 2]),  # six unique articles, one group, batches of two
            label="BatchSizes",
        )
        assert_that(
            unique.batches | beam.FlatMap(lambda batch: [a.source_path for a in batch]),
            equal_to(["1.txt", "3.txt", "4.txt", "5.txt", "6.txt", "7.txt"]),
            label="Articles",
        )
        assert_that(
            unique.batches | "Whole" >> beam.FlatMap(lambda batch: batch),
            equal_to([a for a in inputs if a.source_path != "2.txt"]),
            label="WholeArticles",
        )
        assert_that(
            unique.duplicates | beam.Map(lambda d: (d.source_path, d.duplicate_of)),
            equal_to([("2.txt", "1.txt")]),
            label="Duplicates",
        )


def test_a_new_copy_of_a_published_article_becomes_a_duplicate_of_the_published_row(profile):
    copies = [parse_article(p, STORY) for p in ("new/b.txt", "new/a.txt")]
    other = parse_article("new/c.txt", b"Other story\n\nSomething else entirely.")
    published = [PublishedArticle(copies[0].article_id, "old/kept.txt")]
    with TestPipeline() as pipeline:
        unique = (
            pipeline | "Articles" >> beam.Create([*copies, other]),
            pipeline | "Published" >> beam.Create(published),
        ) | DropDuplicates("run-2", batch_size=8, expected_articles=3, profile=profile)
        assert_that(
            unique.batches | beam.FlatMap(lambda batch: [a.source_path for a in batch]),
            equal_to(["new/c.txt"]),
            label="OnlyTheNewStory",
        )
        assert_that(
            unique.duplicates | beam.Map(lambda d: (d.source_path, d.duplicate_of, d.run_id)),
            equal_to(
                [("new/b.txt", "new/a.txt", "run-2"), ("new/a.txt", "old/kept.txt", "run-2")]
            ),
            label="Duplicates",
        )

import apache_beam as beam
from apache_beam.testing.test_pipeline import TestPipeline
from apache_beam.testing.util import assert_that, equal_to

from schemas import DuplicateRecord
from transforms.dedupe import DropDuplicates, pick_canonical
from transforms.parse import parse_article

STORY = b"Same story\n\nThe same text under several paths."


def test_pick_canonical_keeps_smallest_path():
    copies = [parse_article(path, STORY) for path in ("c/x.txt", "a/y.txt", "b/z.txt")]
    kept, duplicates = pick_canonical(copies, "r")
    assert kept.source_path == "a/y.txt"
    assert duplicates == [
        DuplicateRecord(kept.article_id, "b/z.txt", "a/y.txt", "r"),
        DuplicateRecord(kept.article_id, "c/x.txt", "a/y.txt", "r"),
    ]


def test_drop_duplicates_transform():
    inputs = [parse_article(p, STORY) for p in ("2.txt", "1.txt")]
    inputs.append(parse_article("3.txt", b"Other story\n\nDifferent text."))
    with TestPipeline() as pipeline:
        unique = pipeline | beam.Create(inputs) | DropDuplicates("run-1")
        assert_that(
            unique.articles | beam.Map(lambda a: a.source_path),
            equal_to(["1.txt", "3.txt"]),
            label="Articles",
        )
        assert_that(
            unique.duplicates | beam.Map(lambda d: (d.source_path, d.duplicate_of)),
            equal_to([("2.txt", "1.txt")]),
            label="Duplicates",
        )

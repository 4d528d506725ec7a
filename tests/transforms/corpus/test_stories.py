"""Stories: shingles, exact Jaccard, groups, and `GroupStories` in a real Beam pipeline giving
what comparing every pair gives."""

import datetime as dt

import apache_beam as beam
import pytest
from apache_beam.testing.test_pipeline import TestPipeline
from apache_beam.testing.util import assert_that, equal_to

from schemas import SIGNATURES, Article, Signature
from tests.story_corpus import corpus
from transforms.corpus.stories import (
    GroupStories,
    SignatureBlock,
    _kept_member_keys,
    _kept_sketches,
    _likely,
    band_keys,
    estimated_jaccard,
    group_stories,
    jaccard,
    minhash,
    shingles,
    signature_of,
    sketch,
    stories_in_process,
)
from transforms.io.write import to_table

NOW = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def _article(article_id: str, body: str, date=dt.date(2019, 1, 10), title="t", source="s"):
    return Article(article_id, f"{article_id}.txt", title, date, None, (), source, None, None,
                   "date_line", (), body, 1, 1, 0, None, None, None, None, None, (), "m", "v",
                   "r", NOW)  # fmt: skip


def test_shingles_are_lower_cased_word_five_grams_whatever_the_punctuation():
    assert shingles("The Mayor said: “We’ll open it.”") == shingles('the mayor said "we\'ll open it"')
    assert shingles("one two three four five six") == {"one two three four five",
                                                      "two three four five six"}  # fmt: skip
    assert shingles("too short") == {"too short"}
    assert shingles("...") == frozenset()


def test_exact_jaccard():
    a, b = frozenset("abcd"), frozenset("bcde")
    assert jaccard(a, b) == 3 / 5
    assert jaccard(frozenset(), frozenset()) == 0.0


def test_sketch_estimate_follows_the_exact_jaccard():
    """8-bit sketches of 128 MinHash values: within 0.15 of the exact value over a range of
    overlaps (a standard deviation is 0.044 at 0.5), and the same text estimates 1.0."""
    words = [f"w{i}" for i in range(400)]
    base = shingles(" ".join(words))
    assert estimated_jaccard(sketch(minhash(base)), sketch(minhash(base))) == 1.0
    assert len(sketch(minhash(base))) == 128
    for keep in (400, 300, 200, 100, 20):
        other = shingles(" ".join(words[:keep] + [f"x{i}" for i in range(400 - keep)]))
        exact = jaccard(base, other)
        estimate = estimated_jaccard(sketch(minhash(base)), sketch(minhash(other)))
        assert abs(estimate - exact) < 0.15, (keep, exact, estimate)


def test_candidates_whose_sketches_clearly_disagree_are_not_compared():
    """A band collision between unrelated articles is dropped before any body is read; a
    copy with one sentence changed stays a candidate."""
    words = [f"w{i}" for i in range(300)]
    texts = {
        "original": " ".join(words),
        "copy": " ".join(words[:290] + ["changed"] * 10),
        "unrelated": " ".join(f"u{i}" for i in range(300)),
    }
    sketches = {k: sketch(minhash(shingles(t))) for k, t in texts.items()}
    band = (7, [("copy", "original"), ("original", "unrelated"), ("copy", "unrelated")])
    assert list(_likely(band, sketches)) == [("copy", "original")]


def _member(article_id, date, title=None, source=None):
    return Signature(article_id, date, title, source, ())


def test_groups_are_connected_and_named_by_their_smallest_article_id():
    jan, feb = dt.date(2019, 1, 2), dt.date(2019, 2, 1)
    members = [_member("c", jan, "Third", "x"), _member("b", feb, "Second", "y"),
               _member("a", feb, "First", "x"), _member("d", None, "Alone")]  # fmt: skip
    result = group_stories(members, [("b", "c"), ("a", "b")])
    assert result.story_of == {"a": "a", "b": "a", "c": "a", "d": "d"}
    story = result.stories[0]
    assert story.article_ids == ("a", "b", "c")
    assert (story.first_date, story.last_date, story.articles) == (jan, feb, 3)
    assert story.headline == "Third"  # the earliest member's title, not the smallest id's
    assert story.sources == ("x", "y")


def test_generated_copies_form_exactly_the_expected_stories():
    files, groups = corpus()
    articles = [_article(name, body, title=title) for name, (title, body) in files.items()]
    result, pairs = stories_in_process(articles)
    found = {frozenset(s.article_ids) for s in result.stories if s.articles > 1}
    assert found == {frozenset(g) for g in groups}
    assert len(result.stories) == len(files) - sum(len(g) - 1 for g in groups)
    by_pair = {(p.article_id_a, p.article_id_b): p.jaccard for p in pairs}
    assert by_pair[("bridge-a.txt", "bridge-c.txt")] == pytest.approx(0.673, abs=0.001)  # apart
    assert all(j < 0.5 for j in [by_pair.get(("flood-analysis.txt", "flood.txt"), 0.0)])


@pytest.mark.parametrize("threshold", [0.8, 0.9])
def test_group_stories_in_beam_equals_comparing_every_pair(tmp_path, threshold, profile):
    files, _ = corpus()
    articles = [_article(name, body, title=title) for name, (title, body) in files.items()]
    expected, pairs = stories_in_process(articles, threshold)
    with TestPipeline() as pipeline:
        out = (
            pipeline | "Articles" >> beam.Create(articles),
            pipeline | "Dropped" >> beam.Create([]),
        ) | GroupStories(threshold, str(tmp_path), profile=profile)
        assert_that(out["stories"], equal_to([expected.stories]), label="CheckStories")
        assert_that(out["story_pairs"], equal_to(pairs), label="CheckPairs")
        assert_that(
            out["result"] | beam.Map(lambda r: sorted(r.story_of.items())),
            equal_to([sorted(expected.story_of.items())]),
            label="CheckStoryOf",
        )
        assert_that(
            out["held"] | beam.Map(lambda h, p: (h[0], p.load(h[1])), profile),
            equal_to([(a.article_id, a) for a in articles]),
            label="CheckHeld",
        )
    at_09 = {frozenset(s.article_ids) for s in expected.stories if s.articles > 1}
    if threshold == 0.9:  # the paragraph-dropped copy (0.89) and the bridge (0.82) fall apart
        assert frozenset({"bridge-a.txt", "bridge-b.txt", "bridge-c.txt"}) not in at_09


def _reference_band_items(signatures, new_keys):
    """What the published signatures gave as Python tuples (before `SignatureBlock`)."""
    items, sketches = [], []
    for s in signatures:
        if s.minhash and len(set(s.minhash)) > 1:
            keys = [k for k in band_keys(s.minhash) if k in new_keys]
            items += [(band, (rows, (s.article_id, False))) for band, rows in keys]
            if keys:
                sketches.append((s.article_id, sketch(s.minhash)))
    return items, sketches


def test_a_block_of_published_signatures_gives_the_band_items_and_sketches_tuples_gave():
    bodies = [" ".join(f"word{(i * 7 + j) % 50} w{i}x{j}" for j in range(60)) for i in range(40)]
    published = [signature_of(_article(f"p{i:02d}", body)) for i, body in enumerate(bodies)]
    published.append(Signature("flat", dt.date(2019, 1, 3), "t", None, (7,) * 128))
    new = signature_of(_article("new", bodies[3] + " one more sentence here"))
    shared = published[5].minhash  # a bucket a second new article shares with p05 in band 31
    other = (*new.minhash[:124], *shared[124:])
    new_keys = {(band, rows): True for m in (new.minhash, other) for band, rows in band_keys(m)}
    new_keys[(0, (7, 7, 7, 7))] = True  # the flat signature's band: never a candidate
    block = SignatureBlock.from_table(to_table(published, SIGNATURES))
    items, sketches = _reference_band_items(published, new_keys)
    assert sorted(_kept_member_keys(block, new_keys)) == sorted(items)
    assert list(_kept_sketches(block, new_keys)) == sketches
    assert ("p03", False) in {member for _, (_, member) in items}
    assert (31, (shared[124:], ("p05", False))) in items
    assert [s.article_id for s in block] == [s.article_id for s in published]
    assert list(block)[5] == published[5]._replace(minhash=())
    kept = block.without({"p03": True, "flat": True})
    assert [s.article_id for s in kept] == [s.article_id for s in published
                                            if s.article_id not in ("p03", "flat")]  # fmt: skip
    assert sorted(_kept_member_keys(kept, new_keys)) == sorted(
        _reference_band_items([s for s in published if s.article_id != "p03"], new_keys)[0]
    )
    first = dict(list(new_keys.items())[:32])  # another mapping: the first new article's keys
    assert sorted(_kept_member_keys(block, first)) == sorted(
        _reference_band_items(published, first)[0]
    )
    assert (31, (shared[124:], ("p05", False))) not in list(_kept_member_keys(block, first))

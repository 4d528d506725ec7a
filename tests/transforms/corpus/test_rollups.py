"""`ResolveCorpusNames` + `DeriveRollups` in a real Beam pipeline: the same rows as
`compute_rollups`, and an incremental run recombines the published mentions of the partitions
it touches."""

import datetime as dt

import apache_beam as beam
import pyarrow as pa
from apache_beam.options.pipeline_options import PipelineOptions
from apache_beam.testing.test_pipeline import TestPipeline
from apache_beam.testing.util import assert_that, equal_to

from schemas import ENTITIES, ENTITY_NAMES, ENTITY_PAIRS_DAILY, EntityMention, Quote, rows_of
from transforms.corpus.names import ResolveCorpusNames, article_names
from transforms.corpus.quotes import speaker_contributions, speaker_counts, speaker_days
from transforms.corpus.rollups import DeriveRollups, compute_rollups
from transforms.corpus.stories import StoryResult
from transforms.io.write import write_table
from transforms.runner import profile_for

JAN, FEB = dt.date(2019, 1, 10), dt.date(2019, 2, 3)
ROLLUP_NAMES = ("article_entities", "entity_daily", "entity_pairs_daily", "place_daily")


def _m(article: str, canonical: str, sentence: int, score, date, start: int) -> EntityMention:
    return EntityMention(article, "body", canonical, "GPE", start, start + 1, sentence, 0, score,
                         canonical, "GPE", date, article_canonical=canonical,
                         article_label="GPE", name=canonical)  # fmt: skip


NEW = [
    [_m("n1", "oslo", 0, 0.5, JAN, 0), _m("n1", "norway", 0, 0.5, JAN, 5), _m("n1", "oslo", 1, -0.1, JAN, 9)],
    [_m("n2", "oslo", 0, 0.2, FEB, 0)],
]  # fmt: skip
PUBLISHED = [
    _m("p1", "oslo", 0, 0.3, JAN, 0), _m("p1", "norway", 2, None, JAN, 7),
    _m("gone", "oslo", 0, -0.9, JAN, 0),
    _m("p3", "bergen", 0, 0.1, dt.date(2019, 3, 1), 0),  # an untouched partition
]  # fmt: skip


def _rows(element) -> list:
    """A rollup's element as rows: `entity_pairs_daily` comes as a table, the others as lists."""
    return rows_of(element, ENTITY_PAIRS_DAILY) if isinstance(element, pa.Table) else element


def _derive(pipeline, dropped, tmp_path, previous):
    profile = profile_for(PipelineOptions([]), str(tmp_path / "staging"))
    names = (
        pipeline | "New" >> beam.Create(NEW),
        pipeline | "Dropped" >> beam.Create(dropped),
    ) | ResolveCorpusNames(previous, profile=profile)
    rollups = (names.mentions, names.partitions) | DeriveRollups(
        ["DATE"], str(tmp_path / "touched"), profile=profile
    )
    return {**rollups, "mentions": names.mentions}


def test_full_run_rollups_equal_the_in_process_computation(tmp_path):
    expected = compute_rollups([m for ms in NEW for m in ms], ["DATE"])
    with TestPipeline() as pipeline:
        rollups = _derive(pipeline, [], tmp_path, None)
        for index, name in enumerate(ROLLUP_NAMES):
            rows = rollups[name] | f"Flat{name}" >> beam.FlatMap(_rows)
            assert_that(rows, equal_to(expected[index]), label=f"Check{name}")
    daily = {(r.canonical, r.published_date): r for r in expected[1]}
    assert (daily[("oslo", JAN)].mentions, daily[("oslo", JAN)].sentences) == (2, 2)
    assert daily[("oslo", JAN)].sentiment_mean == 0.2
    assert sorted(p.name for p in (tmp_path / "touched").glob("*/*")) == ["month=1", "month=2"]


def test_incremental_run_recombines_published_mentions_of_touched_partitions_only(tmp_path):
    previous = tmp_path / "previous"
    for month, rows in (("1", PUBLISHED[:3]), ("3", PUBLISHED[3:])):
        directory = previous / "entities" / "year=2019" / f"month={month}"
        directory.mkdir(parents=True)
        table = pa.Table.from_pylist([m._asdict() for m in rows], schema=ENTITIES.schema)
        write_table(table, str(directory / "part-p.parquet"))
        names = [n for a in ("p1", "gone", "p3") for n in article_names([m for m in rows
                 if m.article_id == a])]  # fmt: skip
        directory = previous / "entity_names" / "year=2019" / f"month={month}"
        directory.mkdir(parents=True)
        table = pa.Table.from_pylist([n._asdict() for n in names], schema=ENTITY_NAMES.schema)
        write_table(table, str(directory / "part-p.parquet"))
    kept = [m for m in PUBLISHED[:2]]
    expected = compute_rollups([*kept, *(m for ms in NEW for m in ms)], ["DATE"])
    with TestPipeline() as pipeline:
        rollups = _derive(pipeline, [("gone", (2019, 1))], tmp_path, str(previous))
        mentions = rollups["mentions"] | "FlatMentions" >> beam.FlatMap(lambda ms: ms)
        # p1's published mentions are re-emitted (the build replaces the partition's entities)
        assert_that(mentions, equal_to([*kept, *(m for ms in NEW for m in ms)]),
                    label="CheckMentions")  # fmt: skip
        for index, name in enumerate(ROLLUP_NAMES):
            rows = rollups[name] | f"Flat{name}" >> beam.FlatMap(_rows)
            assert_that(rows, equal_to(expected[index]), label=f"Check{name}")
    daily = {(r.canonical, r.published_date): r for r in expected[1]}
    assert daily[("oslo", JAN)].articles == 2  # n1 and p1; "gone" was dropped
    assert daily[("oslo", JAN)].sentiment_mean == (0.5 - 0.1 + 0.3) / 3
    assert ("bergen", dt.date(2019, 3, 1)) not in daily  # month 3 was not touched
    pairs = {(r.canonical_a, r.canonical_b): (r.articles, r.sentences) for r in expected[2]}
    assert pairs == {("norway", "oslo"): (2, 1)}


def _pairs(story: str, *pairs: tuple) -> tuple[list, ...]:
    """One article's pair contribution (columns) from (day, a, b, sentences naming both)."""
    return (
        [day for day, _, _, _ in pairs], [a[0] for _, a, _, _ in pairs],
        [a[1] for _, a, _, _ in pairs], [b[0] for _, _, b, _ in pairs],
        [b[1] for _, _, b, _ in pairs], [a[0] for _, a, _, _ in pairs],
        [b[0] for _, _, b, _ in pairs], [story] * len(pairs), [n for _, _, _, n in pairs],
    )  # fmt: skip


def _q(article: str, speaker: str | None, date, start: int) -> Quote:
    return Quote(article, "body", "direct", start, start + 5, "words", None, None, None, speaker,
                 "GPE" if speaker else None, "say", 0, 0.1, date)  # fmt: skip


QUOTES = [_q("n1", "oslo", JAN, 20), _q("n1", "oslo", JAN, 40), _q("n1", None, JAN, 60),
          _q("n2", "oslo", FEB, 20), _q("n2", "bergen", FEB, 30)]  # fmt: skip


def test_quotes_columns_count_what_each_entity_said(tmp_path):
    """Each (article, entity) and (date, entity) counts the quotations whose speaker it is; a
    speaker the article does not name as an entity ("bergen" in n2) adds to no row."""
    expected = compute_rollups([m for ms in NEW for m in ms], ["DATE"], quotes=QUOTES)
    assert [(r.article_id, r.canonical, r.quotes) for r in expected[0]] == [
        ("n1", "norway", 0), ("n1", "oslo", 2), ("n2", "oslo", 1)
    ]  # fmt: skip
    assert [(r.published_date, r.canonical, r.quotes) for r in expected[1]] == [
        (JAN, "norway", 0), (JAN, "oslo", 2), (FEB, "oslo", 1)
    ]  # fmt: skip
    by_article = {}
    for q in QUOTES:
        by_article.setdefault(q.article_id, []).append(q)
    article_speakers = [(a, speaker_counts(qs)) for a, qs in by_article.items()]
    days = speaker_days(
        [rows for a, qs in by_article.items() for _, rows in speaker_contributions(qs, a)]
    )
    speaker_day_rows = [((d.published_date.year, d.published_date.month), [d]) for d in days]
    profile = profile_for(PipelineOptions([]), str(tmp_path / "staging"))
    with TestPipeline() as pipeline:
        names = (
            pipeline | "New" >> beam.Create(NEW),
            pipeline | "Dropped" >> beam.Create([]),
        ) | ResolveCorpusNames(None, profile=profile)
        rollups = (
            names.mentions, names.partitions,
            pipeline | "Stories" >> beam.Create([StoryResult({"n1": "n1", "n2": "n2"}, [])]),
            pipeline | "ArticleSpeakers" >> beam.Create(article_speakers),
            pipeline | "SpeakerDays" >> beam.Create(speaker_day_rows),
        ) | DeriveRollups(["DATE"], str(tmp_path / "touched"), profile=profile)  # fmt: skip
        for index, name in enumerate(ROLLUP_NAMES[:2]):
            rows = rollups[name] | f"Flat{name}" >> beam.FlatMap(_rows)
            assert_that(rows, equal_to(expected[index]), label=f"Check{name}")


def test_pairs_carry_both_names_as_people_write_them():
    named = {"oslo": "Oslo", "norway": "Norway"}
    mentions = [m._replace(name=named[m.canonical]) for ms in NEW for m in ms]
    pairs = compute_rollups(mentions, ["DATE"])[2]
    assert [(p.canonical_a, p.name_a, p.canonical_b, p.name_b, p.articles) for p in pairs] == [
        ("norway", "Norway", "oslo", "Oslo", 1)
    ]

"""`ResolveCorpusNames` + `DeriveRollups` in a real Beam pipeline: the same rows as
`compute_rollups`, and an incremental run recombines the published mentions of the partitions
it touches."""

import datetime as dt
from pathlib import Path

import apache_beam as beam
import pyarrow as pa
from apache_beam.testing.test_pipeline import TestPipeline
from apache_beam.testing.util import assert_that, equal_to

from schemas import ENTITIES, ENTITY_NAMES, ENTITY_PAIRS_DAILY, EntityMention, rows_of
from transforms.corpus_names import ResolveCorpusNames, article_names
from transforms.rollups import DeriveRollups, EntityPairsDailyFn, compute_rollups
from transforms.runner_compat import Compacted, SpilledAccumulator
from transforms.write import write_table

JAN, FEB = dt.date(2019, 1, 10), dt.date(2019, 2, 3)
ROLLUP_NAMES = ("article_entities", "entity_daily", "entity_pairs_daily", "place_daily")


def _m(article: str, canonical: str, sentence: int, score, date, start: int) -> EntityMention:
    return EntityMention(article, "body", canonical, "GPE", start, start + 1, sentence, 0, score,
                         canonical, "GPE", date, article_canonical=canonical,
                         article_label="GPE")  # fmt: skip


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
    names = (
        pipeline | "New" >> beam.Create(NEW),
        pipeline | "Dropped" >> beam.Create(dropped),
    ) | ResolveCorpusNames(previous)
    rollups = (names.mentions, names.partitions) | DeriveRollups(
        ["DATE"], str(tmp_path / "touched")
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
        [b[1] for _, _, b, _ in pairs], [story] * len(pairs), [n for _, _, _, n in pairs],
    )  # fmt: skip


def test_compacted_accumulators_merge_to_the_same_rows():
    """Partial accumulators cross the shuffle as compressed bytes (runner_compat.Compacted):
    merged and extracted they give exactly the rows of the plain CombineFn."""
    day = JAN.toordinal()
    oslo, anna, bergen = ("oslo", "GPE"), ("anna", "PERSON"), ("bergen", "GPE")
    contributions = [
        _pairs("s1", (day, oslo, anna, 2)),
        _pairs("s2", (day, oslo, anna, 0), (day, bergen, oslo, 0)),
        _pairs("s1", (day, oslo, anna, 0)),
    ]
    plain, compacted = EntityPairsDailyFn(), Compacted(EntityPairsDailyFn())
    partials = []
    for contribution in contributions:
        partials.append(compacted.compact(compacted.add_input(compacted.create_accumulator(), contribution)))
    assert all(isinstance(p, bytes) for p in partials)
    expected = plain.extract_output(plain.merge_accumulators(
        [plain.add_input(plain.create_accumulator(), c) for c in contributions]))
    table = compacted.extract_output(compacted.merge_accumulators(partials))
    assert table.equals(expected)
    assert table.schema == ENTITY_PAIRS_DAILY.schema
    rows = rows_of(table, ENTITY_PAIRS_DAILY)
    assert {r.published_date for r in rows} == {JAN}
    assert [(r.canonical_a, r.canonical_b, r.articles, r.stories, r.sentences) for r in rows] == [
        ("bergen", "oslo", 1, 1, 0), ("oslo", "anna", 3, 2, 2),
    ]  # fmt: skip


def test_large_compacted_accumulators_cross_as_files(tmp_path):
    """With `spill`, an accumulator of `spill_bytes` or more crosses as a spill record
    (the local runner's driver holds only where it is); a small one stays inline; merged, both
    give the plain CombineFn's rows."""
    day = JAN.toordinal()
    small = _pairs("s1", (day, ("oslo", "GPE"), ("anna", "PERSON"), 0))
    large = _pairs("s2", *((day, (f"town {i}", "GPE"), ("anna", "PERSON"), 0) for i in range(2000)))
    plain, compacted = EntityPairsDailyFn(), Compacted(EntityPairsDailyFn(), str(tmp_path), 4096)
    partials = [
        compacted.compact(compacted.add_input(compacted.create_accumulator(), c))
        for c in (small, large)
    ]
    assert isinstance(partials[0], bytes)
    assert isinstance(partials[1], SpilledAccumulator)
    path, offset, size = partials[1].spilled
    assert Path(path).parent == tmp_path and offset == 0
    assert [f.stat().st_size for f in tmp_path.rglob("*.spill")] == [size]
    expected = plain.extract_output(plain.merge_accumulators(
        [plain.add_input(plain.create_accumulator(), c) for c in (small, large)]))
    table = compacted.extract_output(compacted.merge_accumulators(partials))
    assert table.equals(expected)
    rows = rows_of(table, ENTITY_PAIRS_DAILY)
    assert len(rows) == 2001
    assert [(r.canonical_a, r.canonical_b, r.articles) for r in rows[:2]] == [
        ("oslo", "anna", 1), ("town 0", "anna", 1),
    ]  # fmt: skip

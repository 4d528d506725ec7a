"""Entity-level analysis derived from `entities`, in the Beam graph: per article, then per
entity and day and per pair of entities and day.

Each article's mentions are reduced to its `article_entities` rows and to small contributions
(one per entity, and the pairs as columns); combiners keyed by (year, month) partition add the
contributions of all articles up on the workers (`CombinePerKey`, lifted into a partial combine
per bundle by every runner that can). An incremental run recomputes the partitions it touches:
the graph reads the published mentions of those partitions itself and recombines them with the
new ones (transforms/corpus/names.py hands `DeriveRollups` every mention of those partitions).

Sentiment toward an entity is the VADER compound of the sentences that mention it, each sentence
counted once however often it names the entity. Means and spreads across articles are computed
with `math.fsum` (exactly rounded sums): a result does not depend on the order in which a runner
combines the articles, nor on the order of the published files an incremental run reads back.
Within one article the order is fixed (title first, then by offset) and summed left to right.
"""

from __future__ import annotations

import collections
import datetime as dt
import functools
import itertools
import math
import operator
from collections.abc import Iterable, Iterator, Sequence
from typing import NamedTuple

import apache_beam as beam
import numpy as np
import pyarrow as pa
from apache_beam.io.filesystems import FileSystems
from apache_beam.metrics import Metrics

from schemas import (
    ENTITY_PAIRS_DAILY,
    ArticleEntity,
    EntityDay,
    EntityMention,
    EntityPairDay,
    PlaceDay,
    Rows,
    partition_dir,
    partition_of,
    rows_of,
)
from transforms.corpus.quotes import speaker_counts
from transforms.io.write import write_marker
from transforms.runner import Outputs, RunnerProfile, split_outputs

POSITIONS = ("title", "first_paragraph", "later")
_UNDATED = -1  # the day key of undated mentions (date ordinals are >= 1)
_EPOCH_ORDINAL = dt.date(1970, 1, 1).toordinal()  # Arrow's date32 counts days from here

Entity = tuple[str, str]  # (canonical, label)
DayKey = int  # a date's proleptic ordinal, or _UNDATED
# (day, canonical, label, name) -> (mentions, distinct scored sentence scores in first-mention
# order), story; the name is the key's (one per canonical), carried in the key.
DailyContribution = tuple[tuple[DayKey, str, str, str], int, tuple[float, ...], str]
# Every pair of the article's entities, as columns of one entry per pair: day, canonical_a,
# label_a, canonical_b, label_b, their names, the article's story, sentences naming both.
PAIR_COLUMNS = ("day", "canonical_a", "label_a", "canonical_b", "label_b", "name_a", "name_b",
                "story", "sentences")  # fmt: skip
_PAIR_KEYS = 7  # the columns a pair's rows are grouped by (a name follows its key)
PairContribution = tuple[list, list, list, list, list, list, list, list, list]


# (day, place_id) -> (place columns, mentions, distinct scored sentence scores)
PlaceContribution = tuple[tuple[DayKey, str], tuple, int, tuple[float, ...]]
_PLACE_COLUMNS = ("country_code", "place_name", "place_kind", "latitude", "longitude")


class ArticleRollups(NamedTuple):
    """What one article adds to the rollups."""

    article_entities: list[ArticleEntity]
    daily: list[DailyContribution]
    pairs: PairContribution
    places: list[PlaceContribution]


def _position(mention: EntityMention) -> int:
    if mention.field == "title":
        return 0
    return 1 if mention.paragraph_index == 0 else 2


def _article_mean(scores: Sequence[float]) -> float | None:
    """One article's mean, summed left to right in the order the sentences are first named
    (fixed by the article: the tagger's order, restored when published mentions are read)."""
    if not scores:
        return None
    total = 0.0
    for score in scores:
        total += score
    return total / len(scores)


def _mean(scores: Sequence[float]) -> float | None:
    """Exactly rounded: the same whatever order the scores come in."""
    return math.fsum(scores) / len(scores) if scores else None


def day_key(published_date: dt.date | None) -> DayKey:
    return _UNDATED if published_date is None else published_date.toordinal()


@functools.lru_cache(maxsize=4096)
def _date_of(day: DayKey) -> dt.date | None:
    return None if day == _UNDATED else dt.date.fromordinal(day)


def article_rollups(
    mentions: Sequence[EntityMention], excluded_labels: frozenset[str], story: str | None = None
) -> ArticleRollups:
    """One article's rollup rows and contributions (mentions in title-then-body order);
    `story` is its story_id (default: the article is a story of its own)."""
    story = story or (mentions[0].article_id if mentions else "")
    # entity -> [mentions, first position, {sentence: score}, name]
    by_entity: dict[Entity, list] = {}
    by_sentence: dict[tuple[str, int], set[Entity]] = {}
    for mention in mentions:
        if mention.canonical_label in excluded_labels:
            continue
        entity = (mention.canonical, mention.canonical_label)
        entry = by_entity.get(entity)
        if entry is None:
            entry = by_entity[entity] = [0, 2, {}, mention.name or mention.canonical]
        entry[0] += 1
        entry[1] = min(entry[1], _position(mention))
        sentence = (mention.field, mention.sentence_index)
        if mention.sentence_sentiment_compound is not None:
            entry[2].setdefault(sentence, mention.sentence_sentiment_compound)
        by_sentence.setdefault(sentence, set()).add(entity)
    first = mentions[0] if mentions else None
    places = _place_contributions(mentions, day_key(first.published_date)) if first else []
    if not by_entity:
        return ArticleRollups([], [], _no_pairs(), places)
    day = day_key(first.published_date)
    rows, daily = [], []
    for (canonical, label), (count, position, scores, name) in sorted(by_entity.items()):
        values = tuple(scores.values())
        rows.append(
            ArticleEntity(
                first.article_id,
                canonical,
                label,
                count,
                POSITIONS[position],
                len(values),
                _article_mean(values),
                first.published_date,
                name,
            )
        )
        daily.append(((day, canonical, label, name), count, values, story))
    return ArticleRollups(rows, daily, _pair_contributions(day, story, by_entity, by_sentence),
                          places)  # fmt: skip


def _place_contributions(mentions: Sequence[EntityMention], day: DayKey) -> list[PlaceContribution]:
    """Per resolved place: its columns, mentions and distinct scored sentences."""
    by_place: dict[str, list] = {}
    for mention in mentions:
        if mention.place_id is None:
            continue
        entry = by_place.get(mention.place_id)
        if entry is None:
            columns = tuple(getattr(mention, c) for c in _PLACE_COLUMNS)
            entry = by_place[mention.place_id] = [columns, 0, {}]
        entry[1] += 1
        if mention.sentence_sentiment_compound is not None:
            entry[2].setdefault((mention.field, mention.sentence_index),
                                mention.sentence_sentiment_compound)  # fmt: skip
    return [
        ((day, place_id), columns, count, tuple(scores.values()))
        for place_id, (columns, count, scores) in sorted(by_place.items())
    ]


def _no_pairs() -> PairContribution:
    return tuple([] for _ in PAIR_COLUMNS)


def _pair_contributions(
    day: DayKey,
    story: str,
    by_entity: dict[Entity, list],
    by_sentence: dict[tuple[str, int], set[Entity]],
) -> PairContribution:
    """Every pair (a, b) of the article's entities, a < b, as columns (`PAIR_COLUMNS`), with the
    sentences naming both (0 for most: only the pairs that share a sentence have more)."""
    shared: dict[tuple[Entity, Entity], int] = {}
    for named in by_sentence.values():
        if len(named) > 1:
            for pair in itertools.combinations(sorted(named), 2):
                shared[pair] = shared.get(pair, 0) + 1
    pairs = list(itertools.combinations(sorted(by_entity), 2))
    if not pairs:
        return _no_pairs()
    firsts, seconds = zip(*pairs, strict=True)
    key, label = operator.itemgetter(0), operator.itemgetter(1)
    return ([day] * len(pairs), list(map(key, firsts)), list(map(label, firsts)),
            list(map(key, seconds)), list(map(label, seconds)),
            [by_entity[e][3] for e in firsts], [by_entity[e][3] for e in seconds],
            [story] * len(pairs), [shared.get(pair, 0) for pair in pairs])  # fmt: skip


def _spread(scores: list[float]) -> tuple[float | None, float | None]:
    """Exactly rounded mean and population standard deviation, whatever the order."""
    mean = _mean(scores)
    if mean is None:
        return None, None
    return mean, math.sqrt(math.fsum((score - mean) ** 2 for score in scores) / len(scores))


class _KeyedTotalsFn(beam.CombineFn):
    """Per-article contributions of one partition, added up per key: totals (articles,
    mentions, ...; a `Counter` of stories adds up too) and, with `scored`, the list of
    sentence scores behind the key's mean."""

    scored = True

    def create_accumulator(self) -> dict:
        return {}

    def _entry(self, contribution) -> tuple[tuple, list]:
        """A contribution as (key, [1 article, other totals..., (scores)])."""
        raise NotImplementedError

    def _add(self, accumulator: dict, key: tuple, entry: list) -> None:
        current = accumulator.get(key)
        if current is None:  # copied: an entry may belong to another accumulator
            copies = [v.copy() if isinstance(v, collections.Counter) else v for v in entry]
            accumulator[key] = [*copies[:-1], list(entry[-1])] if self.scored else copies
            return
        totals = len(entry) - 1 if self.scored else len(entry)
        for i in range(totals):
            current[i] += entry[i]
        if self.scored:
            current[-1].extend(entry[-1])

    def add_input(self, accumulator: dict, contributions: list) -> dict:
        for contribution in contributions:
            self._add(accumulator, *self._entry(contribution))
        return accumulator

    def merge_accumulators(self, accumulators: Iterable[dict]) -> dict:
        merged: dict = {}
        for accumulator in accumulators:
            for key, entry in accumulator.items():
                self._add(merged, key, entry)
        return merged


class EntityDailyFn(_KeyedTotalsFn):
    """Daily contributions -> `entity_daily` rows, by (canonical, label, date)."""

    def _entry(self, contribution: DailyContribution) -> tuple[tuple, list]:
        key, mentions, scores, story = contribution
        return key, [1, collections.Counter((story,)), mentions, scores]

    def extract_output(self, accumulator: dict) -> Rows:
        rows = Rows()
        for (day, canonical, label, name), (articles, stories, mentions, scores) in sorted(
            accumulator.items(), key=lambda item: (item[0][1], item[0][2], item[0][0])
        ):
            mean, std = _spread(scores)
            rows.append(EntityDay(_date_of(day), canonical, label, articles, len(stories),
                                  mentions, len(scores), mean, std, name))  # fmt: skip
        return rows


class EntityPairsDailyFn(beam.CombineFn):
    """Pair contributions -> `entity_pairs_daily` rows, by (date, pair). Pairs are the most
    numerous contribution (hundreds per article), so the accumulator is columns with an entry
    per article and pair (`PAIR_COLUMNS`), extended in C, and the counting is Arrow's group-by:
    articles (entries), distinct stories, and the sum of sentences naming both, per pair."""

    def create_accumulator(self) -> tuple[list, ...]:
        return _no_pairs()

    def add_input(self, accumulator, contribution: PairContribution):
        for column, values in zip(accumulator, contribution, strict=True):
            column.extend(values)
        return accumulator

    def merge_accumulators(self, accumulators):
        merged = self.create_accumulator()
        for accumulator in accumulators:
            self.add_input(merged, accumulator)
        return merged

    def extract_output(self, accumulator) -> pa.Table:
        """The rows as a table with `entity_pairs_daily`'s schema, sorted by (day, a, b) as
        Python sorts them: the writer takes it as it is (no row objects for the most numerous
        dataset; `schemas.rows_of` gives them)."""
        if not accumulator[0]:
            return ENTITY_PAIRS_DAILY.schema.empty_table()
        keys = list(PAIR_COLUMNS[:_PAIR_KEYS])
        counted = (
            pa.table(dict(zip(PAIR_COLUMNS, accumulator, strict=True)))
            .group_by(keys, use_threads=False)
            .aggregate([("story", "count"), ("story", "count_distinct"), ("sentences", "sum")])
            .sort_by([(key, "ascending") for key in keys[:5]])
        )
        days = counted["day"].to_numpy()
        undated = days == _UNDATED  # null, with 0 beneath as Arrow's builders write it
        published = pa.array(
            np.where(undated, 0, days - _EPOCH_ORDINAL).astype(np.int32), mask=undated
        ).cast(pa.date32())
        columns = (published, *(counted[name] for name in keys[1:5]), *(
            counted[name].cast(pa.int32())
            for name in ("story_count", "story_count_distinct", "sentences_sum")),
            counted["name_a"], counted["name_b"])  # fmt: skip
        return pa.Table.from_arrays(list(columns), schema=ENTITY_PAIRS_DAILY.schema)


class PlaceDailyFn(_KeyedTotalsFn):
    """Place contributions -> `place_daily` rows, by (place, date)."""

    def _entry(self, contribution: PlaceContribution) -> tuple[tuple, list]:
        (day, place_id), columns, mentions, scores = contribution
        return (day, place_id, *columns), [1, mentions, scores]

    def extract_output(self, accumulator: dict) -> Rows:
        rows = Rows()
        for (day, place_id, *columns), (articles, mentions, scores) in sorted(
            accumulator.items(), key=lambda item: (item[0][1], item[0][0])
        ):
            country, name, kind, latitude, longitude = columns
            rows.append(PlaceDay(_date_of(day), country, place_id, name, kind, latitude, longitude,
                                 articles, mentions, len(scores), _mean(scores)))  # fmt: skip
        return rows


def compute_rollups(
    mentions: Iterable[EntityMention],
    excluded_labels: Iterable[str],
    story_of: dict[str, str] | None = None,
    quotes: Iterable = (),
) -> tuple[list[ArticleEntity], list[EntityDay], list[EntityPairDay], list[PlaceDay]]:
    """The four rollups of a set of mentions, in one process: the same functions the graph
    runs, for tests and for reading a dataset back by hand. Mentions of one article must be
    in title-then-body order; `story_of` maps article_id -> story_id (default: every article
    is a story of its own); `quotes` (resolved `Quote`s) give the `quotes` columns."""
    story_of = story_of or {}
    by_article_quotes: dict[str, list] = {}
    for quote in quotes:
        by_article_quotes.setdefault(quote.article_id, []).append(quote)
    day_counts: dict[tuple, int] = {}
    for article_quotes in by_article_quotes.values():
        for (speaker, label), n in speaker_counts(article_quotes).items():
            key = (article_quotes[0].published_date, speaker, label)
            day_counts[key] = day_counts.get(key, 0) + n
    excluded = frozenset(excluded_labels)
    by_article: dict[str, list[EntityMention]] = {}
    for mention in mentions:
        by_article.setdefault(mention.article_id, []).append(mention)
    rows: list[ArticleEntity] = []
    daily: dict = {}
    pairs: dict = {}
    places: dict = {}
    daily_fn, pairs_fn, places_fn = EntityDailyFn(), EntityPairsDailyFn(), PlaceDailyFn()
    for article_mentions in by_article.values():
        story = story_of.get(article_mentions[0].article_id)
        derived = article_rollups(article_mentions, excluded, story)
        article_quotes = by_article_quotes.get(article_mentions[0].article_id, ())
        rows.extend(with_quote_counts(derived.article_entities, speaker_counts(article_quotes)))
        partition = partition_of(article_mentions[0].published_date)
        daily_fn.add_input(daily.setdefault(partition, {}), derived.daily)
        if partition not in pairs:
            pairs[partition] = pairs_fn.create_accumulator()
        pairs_fn.add_input(pairs[partition], derived.pairs)
        places_fn.add_input(places.setdefault(partition, {}), derived.places)
    return (
        sorted(rows),
        [
            row._replace(quotes=day_counts.get((row.published_date, row.canonical, row.label), 0))
            for p in sorted(daily)
            for row in daily_fn.extract_output(daily[p])
        ],
        [
            row
            for p in sorted(pairs)
            for row in rows_of(pairs_fn.extract_output(pairs[p]), ENTITY_PAIRS_DAILY)
        ],
        [row for p in sorted(places) for row in places_fn.extract_output(places[p])],
    )


class _DeriveArticleRollupsFn(beam.DoFn):
    def __init__(self, excluded_labels: Iterable[str]):
        self._excluded = frozenset(excluded_labels)
        self._articles = Metrics.counter("newsbeam", "rollup_articles")

    def process(self, mentions: list[EntityMention], stories=None) -> Iterator[tuple[str, object]]:
        story = stories.story_of[mentions[0].article_id] if stories is not None else None
        derived = article_rollups(mentions, self._excluded, story)
        partition = partition_of(mentions[0].published_date)
        if derived.places:
            yield "places", (partition, derived.places)
        if not derived.article_entities:
            return
        self._articles.inc()
        yield "article_entities", Rows(derived.article_entities)
        yield "daily", (partition, derived.daily)
        if derived.pairs[0]:
            yield "pairs", (partition, derived.pairs)


def mark_partition(partition: tuple[int, int], directory: str) -> tuple[int, int]:
    """A marker per recomputed partition: the version build takes these partitions' rollups
    from this run and links the others from the published version."""
    write_marker(FileSystems.join(directory, partition_dir(partition)))
    return partition


class DeriveRollups(beam.PTransform):
    """Mentions (one list per article, every article of the partitions the run touches), the
    touched partitions and the stories (a singleton `StoryResult`) -> `article_entities` (lists of rows), `entity_daily`,
    `entity_pairs_daily` and `place_daily` (one list of rows per partition). Each touched
    partition is marked under `touched_dir` (output `touched`: join it into the graph's last
    step, as the writers are). The combines are the runner profile's (`RunnerProfile.combine`).
    """

    def __init__(self, excluded_labels: Iterable[str], touched_dir: str, *,
                 profile: RunnerProfile):  # fmt: skip
        super().__init__()
        self._excluded = tuple(excluded_labels)
        self._touched_dir = touched_dir
        self._profile = profile

    def expand(self, inputs):
        # stories: without it, one per article; speakers: without them, no quotes are counted
        mentions, partitions, *stories_and_speakers = inputs
        stories, speakers = stories_and_speakers[:1], stories_and_speakers[1:]
        marked = partitions | "MarkTouched" >> beam.Map(mark_partition, self._touched_dir)
        side = [beam.pvalue.AsSingleton(s) for s in stories]
        derived = split_outputs(
            mentions | "DeriveArticleRollups" >> beam.ParDo(
                _DeriveArticleRollupsFn(self._excluded), *side
            ),
            "article_entities", "daily", "pairs", "places",
        )  # fmt: skip
        article_entities = derived.article_entities
        daily = derived.daily | "CombineDaily" >> beam.CombinePerKey(
            self._profile.combine(EntityDailyFn())
        )
        if speakers:
            article_entities, daily = self._with_quotes(article_entities, daily, *speakers)
        return Outputs(
            {
                "touched": marked,
                "article_entities": article_entities,
                "entity_daily": daily | "DailyRows" >> beam.Values(),
                "entity_pairs_daily": derived.pairs
                | "CombinePairs" >> beam.CombinePerKey(self._profile.combine(EntityPairsDailyFn()))
                | "PairRows" >> beam.Values(),
                "place_daily": derived.places
                | "CombinePlaces" >> beam.CombinePerKey(self._profile.combine(PlaceDailyFn()))
                | "PlaceRows" >> beam.Values(),
            }
        )

    def _with_quotes(self, article_entities, daily, article_speakers, speaker_days):
        """The `quotes` column: each article's rows joined with its speakers' quotation counts
        (the rows wait in the profile's hold), each partition's daily rows with its
        `speaker_daily` rows."""
        held = self._profile.hold(
            article_entities, "HoldArticleEntities", lambda rows: rows[0].article_id
        )
        profile = self._profile
        with_article_quotes = (
            {"rows": held, "speakers": article_speakers}
            | "JoinArticleSpeakers" >> beam.CoGroupByKey()
            | "ArticleQuotes" >> beam.FlatMap(
                lambda element: _article_quotes(element[1], profile)
            )
        )  # fmt: skip
        with_daily_quotes = (
            {"rows": daily, "speakers": speaker_days}
            | "JoinSpeakerDays" >> beam.CoGroupByKey()
            | "DailyQuotes" >> beam.FlatMap(_daily_quotes)
        )
        return with_article_quotes, with_daily_quotes


def with_quote_counts(rows: Iterable, counts: dict[tuple[str, str], int]) -> Rows:
    """Rollup rows (ArticleEntity or EntityDay) with `quotes` from (speaker, label) counts."""
    return Rows(
        row._replace(quotes=counts[key]) if (key := (row.canonical, row.label)) in counts else row
        for row in rows
    )


def _article_quotes(grouped: dict, profile: RunnerProfile) -> Iterator[Rows]:
    counts: dict[tuple[str, str], int] = {}
    for part in grouped["speakers"]:
        for key, n in part.items():
            counts[key] = counts.get(key, 0) + n
    for handle in grouped["rows"]:
        yield with_quote_counts(profile.load(handle), counts)


def _daily_quotes(element) -> Iterator[tuple[tuple[int, int], Rows]]:
    partition, grouped = element
    counts: dict[tuple[tuple, str, str], int] = {}
    for days in grouped["speakers"]:
        for day in days:
            key = (day.published_date, day.speaker, day.speaker_label)
            counts[key] = counts.get(key, 0) + day.quotations
    for rows in grouped["rows"]:
        yield partition, Rows(
            row._replace(quotes=counts[key])
            if (key := (row.published_date, row.canonical, row.label)) in counts
            else row
            for row in rows
        )

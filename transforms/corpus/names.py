"""Corpus-level names: one label per name across the corpus, lone surnames linked across
articles, in the Beam graph (`ResolveCorpusNames`).

Within an article (transforms/tagging/entity_keys.py) a mention gets its `article_canonical` and
`article_label`. `entity_names` counts them per date. From those counts, over the whole
corpus:

- **One label per name.** A name's corpus label is the label of most of its mentions among
  the name labels (`NAME_LABELS`), when that label has at least `MIN_LABEL_MENTIONS` mentions
  and at least `MIN_LABEL_SHARE` of them ("Mars": LOC 4, PERSON 1 -> LOC everywhere).
  Otherwise every mention keeps its article label. Number-like labels (DATE, MONEY, ...) never
  change.
- **Lone surnames.** A one-word PERSON name that its article did not link to a full name
  (`as_written`) links to the full PERSON name ending in that word that holds at least
  `SURNAME_SHARE` of the articles naming such full names in the same month, and at least
  `MIN_SURNAME_ARTICLES` of them; otherwise it stays apart (`canonical_method` `corpus`).

Both depend on the whole corpus, so an incremental run recomputes them from the published
`entity_names` plus the partitions it touches, and also touches (rewrites the entities and
rollups of) every partition where a name now resolves differently: full and incremental runs
give the same rows.
"""

from __future__ import annotations

import collections
from collections.abc import Iterable, Iterator, Sequence
from typing import NamedTuple

import apache_beam as beam
import pyarrow.parquet as pq
from apache_beam.io.filesystems import FileSystems
from apache_beam.metrics import Metrics

from schemas import (
    ENTITIES,
    ENTITY_NAMES,
    EntityMention,
    EntityNameDay,
    Rows,
    partition_dir,
    partition_of,
)
from transforms.io.published import published_files
from transforms.runner import Outputs, RunnerProfile
from transforms.tagging.entity_keys import AS_WRITTEN, CORPUS

NAME_LABELS = frozenset(
    {"PERSON", "ORG", "GPE", "LOC", "NORP", "FAC", "PRODUCT", "EVENT", "WORK_OF_ART", "LAW"}
)
MIN_LABEL_MENTIONS = 3
MIN_LABEL_SHARE = 2 / 3
SURNAME_SHARE = 0.9
MIN_SURNAME_ARTICLES = 2

Partition = tuple[int, int]


class NameResolver(NamedTuple):
    """The corpus-level decisions: a label per name, a full name per (month, surname)."""

    labels: dict[str, str]
    surnames: dict[tuple[Partition, str], str]

    def final(self, partition: Partition, name: str, label: str, method: str) -> tuple:
        """(canonical, canonical_label, canonical_method) of a mention keyed `name`, `label`,
        `method` in its article."""
        if label in NAME_LABELS:
            label = self.labels.get(name, label)
        if method == AS_WRITTEN and label == "PERSON" and " " not in name:
            full = self.surnames.get((partition, name))
            if full is not None:
                return full, label, CORPUS
        return name, label, method

    def resolve(self, mention: EntityMention) -> EntityMention:
        method = AS_WRITTEN if mention.canonical_method == CORPUS else mention.canonical_method
        canonical, label, method = self.final(
            partition_of(mention.published_date), mention.article_canonical,
            mention.article_label, method,
        )  # fmt: skip
        if (canonical, label, method) == (
            mention.canonical, mention.canonical_label, mention.canonical_method
        ):  # fmt: skip
            return mention
        return mention._replace(canonical=canonical, canonical_label=label,
                                canonical_method=method)  # fmt: skip


EMPTY_RESOLVER = NameResolver({}, {})


def corpus_labels(mentions: dict[str, collections.Counter]) -> dict[str, str]:
    """name -> {label: mentions} -> name -> corpus label (names with a clear majority only)."""
    labels = {}
    for name, counts in mentions.items():
        named = [(n, label) for label, n in counts.items() if label in NAME_LABELS]
        if len(named) < 2:
            continue  # one label: nothing to reconcile
        named.sort(reverse=True)
        (top, label), total = named[0], sum(n for n, _ in named)
        if top >= MIN_LABEL_MENTIONS and top >= MIN_LABEL_SHARE * total and top > named[1][0]:
            labels[name] = label
    return labels


def surname_links(
    full_names: dict[tuple[Partition, str, str], int], labels: dict[str, str]
) -> dict[tuple[Partition, str], str]:
    """(month, full name, label) -> articles  ->  (month, surname) -> the dominant full name."""
    by_surname: dict[tuple[Partition, str], collections.Counter] = collections.defaultdict(
        collections.Counter
    )
    for (partition, name, label), articles in full_names.items():
        if labels.get(name, label) == "PERSON":
            by_surname[(partition, name.rsplit(" ", 1)[-1])][name] += articles
    links = {}
    for key, names in by_surname.items():
        (top, articles), total = min(names.items(), key=lambda i: (-i[1], i[0])), names.total()
        if articles >= MIN_SURNAME_ARTICLES and articles >= SURNAME_SHARE * total:
            links[key] = top
    return links


class BuildResolverFn(beam.CombineFn):
    """`entity_names` rows of the whole corpus, a list at a time (a partition's or a file's),
    -> the `NameResolver`."""

    def create_accumulator(self):
        return collections.Counter(), collections.Counter()  # (name, label), (month, name, label)

    def add_input(self, accumulator, rows: Iterable[EntityNameDay]):
        mentions, full_names = accumulator
        for row in rows:
            mentions[(row.article_canonical, row.article_label)] += row.mentions
            if row.article_label in NAME_LABELS and " " in row.article_canonical:
                key = (partition_of(row.published_date), row.article_canonical, row.article_label)
                full_names[key] += row.articles
        return accumulator

    def merge_accumulators(self, accumulators):
        mentions, full_names = collections.Counter(), collections.Counter()
        for other_mentions, other_full in accumulators:
            mentions.update(other_mentions)
            full_names.update(other_full)
        return mentions, full_names

    def extract_output(self, accumulator) -> NameResolver:
        mentions, full_names = accumulator
        by_name: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
        for (name, label), n in mentions.items():
            by_name[name][label] += n
        labels = corpus_labels(by_name)
        return NameResolver(labels, surname_links(full_names, labels))


def resolve_corpus(mentions: Iterable[EntityMention]) -> list[EntityMention]:
    """The corpus-level step over a whole corpus in one process (tests, reading by hand)."""
    mentions = list(mentions)
    by_article: dict[str, list[EntityMention]] = {}
    for mention in mentions:
        by_article.setdefault(mention.article_id, []).append(mention)
    fn = BuildResolverFn()
    accumulator = fn.create_accumulator()
    for article in by_article.values():
        fn.add_input(accumulator, article_names(article))
    resolver = fn.extract_output(accumulator)
    return [resolver.resolve(m) for m in mentions]


def article_names(mentions: Sequence[EntityMention]) -> list[EntityNameDay]:
    """One article's `entity_names` contributions: one row per (name, label), 1 article."""
    counts = collections.Counter((m.article_canonical, m.article_label) for m in mentions)
    date = mentions[0].published_date if mentions else None
    return [EntityNameDay(date, name, label, 1, n) for (name, label), n in sorted(counts.items())]


class NameDailyFn(beam.CombineFn):
    """One partition's per-article name rows -> its `entity_names` rows."""

    def create_accumulator(self) -> dict:
        return {}

    def add_input(self, accumulator: dict, rows: list[EntityNameDay]) -> dict:
        for row in rows:
            key = (row.published_date, row.article_canonical, row.article_label)
            totals = accumulator.setdefault(key, [0, 0])
            totals[0] += row.articles
            totals[1] += row.mentions
        return accumulator

    def merge_accumulators(self, accumulators: Iterable[dict]) -> dict:
        merged: dict = {}
        for accumulator in accumulators:
            self.add_input(merged, [EntityNameDay(*k, *v) for k, v in accumulator.items()])
        return merged

    def extract_output(self, accumulator: dict) -> list[EntityNameDay]:
        def order(key):
            return key[1], key[2], key[0].toordinal() if key[0] else 0

        return Rows(
            EntityNameDay(*key, *accumulator[key]) for key in sorted(accumulator, key=order)
        )


def _names_per_partition(mentions):
    """Mentions of one article -> (partition, its name rows)."""
    if mentions:
        yield partition_of(mentions[0].published_date), article_names(mentions)


class _ReadPartitionMentionsFn(beam.DoFn):
    """A partition -> the published mentions in it, one list per article and file."""

    def __init__(self, previous_version: str):
        self._previous = previous_version

    def process(self, partition: Partition) -> Iterator[tuple[str, list[EntityMention]]]:
        pattern = FileSystems.join(self._previous, ENTITIES.name, partition_dir(partition))
        for metadata in FileSystems.match([pattern + "*.parquet"])[0].metadata_list:
            by_article: dict[str, list[EntityMention]] = {}
            with FileSystems.open(metadata.path) as handle:
                table = pq.read_table(handle, schema=ENTITIES.schema)
            for row in table.to_pylist():
                by_article.setdefault(row["article_id"], []).append(EntityMention(**row))
            for article_id, mentions in by_article.items():
                yield article_id, Rows(mentions)


def _read_names(path: str) -> Iterator[tuple[Partition, list[EntityNameDay]]]:
    """A published `entity_names` file -> its rows, one list per partition: a run's elements
    grow with the partitions, not with the names."""
    with FileSystems.open(path) as handle:
        table = pq.read_table(handle, schema=ENTITY_NAMES.schema)
    by_partition: dict[Partition, list[EntityNameDay]] = {}
    for row in table.to_pylist():
        by_partition.setdefault(partition_of(row["published_date"]), []).append(
            EntityNameDay(**row)
        )
    for partition, rows in by_partition.items():
        yield partition, Rows(rows)


def mention_order(mention: EntityMention) -> tuple:
    """The order the tagger emits an article's mentions in: title first, then by offset."""
    return (mention.field != "title", mention.start_char, mention.end_char, mention.label)


def _kept_mentions(element) -> Iterator[list[EntityMention]]:
    """Published mentions of an article that this run keeps, in the tagger's order."""
    _, grouped = element
    if any(grouped["dropped"]):
        return
    mentions = [m for part in grouped["mentions"] for m in part]
    if mentions:
        yield Rows(sorted(mentions, key=mention_order))


def _article_of_parts(element) -> list[EntityMention]:
    _, parts = element
    return Rows(sorted((m for part in parts for m in part), key=mention_order))


def _untouched(element) -> Iterator[tuple[Partition, list[EntityNameDay]]]:
    """Published name rows of a partition this run does not touch."""
    partition, grouped = element
    if not any(grouped["touched"]):
        for rows in grouped["rows"]:
            yield partition, rows


def _changed(element, before: NameResolver, after: NameResolver):
    """The partition, when one of its names resolves differently now."""
    partition, rows = element
    for row in rows:
        key = (partition, row.article_canonical, row.article_label, AS_WRITTEN)
        if before.final(*key) != after.final(*key):
            yield partition
            return


def _resolve_article(mentions: list[EntityMention], resolver: NameResolver):
    return Rows(resolver.resolve(m) for m in mentions)


def _count_republished(mentions: list[EntityMention], counter) -> list[EntityMention]:
    counter.inc(len(mentions))
    return mentions


class ResolveCorpusNames(beam.PTransform):
    """New mentions (one list per article, keyed within their articles), `dropped`
    ((article_id, partition) of published articles this run removes) and, optionally, other
    partitions to recompute (whose articles changed story) -> `mentions`: every
    mention of every partition the run touches, with its corpus-level key and label (the
    published ones re-emitted: the version build replaces those partitions' entities);
    `entity_names`: those partitions' name rows (one list per partition); `partitions`: the
    touched partitions. A partition is touched when the run adds or drops an article in it,
    or when one of its names resolves differently after the run.

    The mentions wait for the corpus resolver as the runner profile holds them (in files, on
    the local runner), and the combines are the profile's.
    """

    def __init__(self, previous_version: str | None = None, *,
                 profile: RunnerProfile):  # fmt: skip
        super().__init__()
        self._previous = previous_version
        self._profile = profile
        self._name_files = published_files(previous_version, ENTITY_NAMES.name) if (
            previous_version
        ) else []  # fmt: skip

    def expand(self, inputs):
        new_mentions, dropped, *extra = inputs
        changed = (
            (
                new_mentions
                | "NewPartitions" >> beam.Map(lambda m: partition_of(m[0].published_date)),
                dropped | "DroppedPartitions" >> beam.Map(lambda d: tuple(d[1])),
                *extra,
            )
            | "FlattenChanged" >> beam.Flatten()
            | "DistinctChanged" >> beam.Distinct()
        )
        if self._previous is None:
            return self._resolve(new_mentions, new_mentions, changed, [])
        republished = Metrics.counter("newsbeam", "entity_mentions_republished")
        kept = (
            {
                "mentions": changed
                | "ReadChangedMentions" >> beam.ParDo(_ReadPartitionMentionsFn(self._previous)),
                "dropped": dropped | "KeyDropped" >> beam.Map(lambda d: (d[0], True)),
            }
            | "JoinDropped" >> beam.CoGroupByKey()
            | "KeptMentions" >> beam.FlatMap(_kept_mentions)
        )
        in_changed = (new_mentions, kept) | "ChangedMentions" >> beam.Flatten()
        published_names = (
            self.pipeline
            | "PublishedNameFiles" >> beam.Create(self._name_files)
            | "ReadPublishedNames" >> beam.FlatMap(_read_names)
        )
        others = (
            {
                "rows": published_names,
                "touched": changed | "KeyChanged" >> beam.Map(lambda p: (p, True)),
            }
            | "JoinChanged" >> beam.CoGroupByKey()
            | "UntouchedNames" >> beam.FlatMap(_untouched)
        )
        before = (
            published_names
            | "PublishedNameRows" >> beam.Values()  # lists
            | "ResolverBefore" >> beam.CombineGlobally(self._profile.combine(BuildResolverFn()))
        )
        names = self._names(in_changed, "Changed")
        after = (
            (names | "ChangedNameRows" >> beam.Values(), others | "UntouchedRows" >> beam.Values())
            | "AllNameRows" >> beam.Flatten()
            | "ResolverAfter" >> beam.CombineGlobally(self._profile.combine(BuildResolverFn()))
        )
        relabelled = (
            others
            | "Relabelled" >> beam.FlatMap(
                _changed, beam.pvalue.AsSingleton(before), beam.pvalue.AsSingleton(after)
            )
            | "DistinctRelabelled" >> beam.Distinct()
        )  # fmt: skip
        reread = (
            relabelled
            | "ReadRelabelledMentions" >> beam.ParDo(_ReadPartitionMentionsFn(self._previous))
            | "GroupRelabelled" >> beam.GroupByKey()
            | "RelabelledArticles" >> beam.Map(_article_of_parts)
        )
        mentions = (
            (kept, reread)
            | "Republished" >> beam.Flatten()
            | "CountRepublished" >> beam.Map(_count_republished, republished)
        )
        touched = (changed, relabelled) | "TouchedPartitions" >> beam.Flatten()
        return self._resolve(
            (new_mentions, mentions) | "AllMentions" >> beam.Flatten(), in_changed, touched,
            [names, self._names(reread, "Relabelled")], after,
        )  # fmt: skip

    def _names(self, mentions, label: str):
        return (
            mentions
            | f"{label}NamesPerArticle" >> beam.FlatMap(_names_per_partition)
            | f"Combine{label}Names" >> beam.CombinePerKey(self._profile.combine(NameDailyFn()))
        )

    def _resolve(self, mentions, in_changed, touched, names: list, resolver=None) -> Outputs:
        if resolver is None:  # a full run: everything is new
            names = [self._names(in_changed, "New")]
            resolver = (
                names[0]
                | "NameRows" >> beam.Values()
                | "Resolver" >> beam.CombineGlobally(self._profile.combine(BuildResolverFn()))
            )
        held = self._profile.hold(mentions, "HoldMentions")
        mentions = self._profile.separate(held, "SeparateHeld") | "LoadHeld" >> beam.Map(
            self._profile.load
        )
        resolved = mentions | "ResolveNames" >> beam.Map(
            _resolve_article, beam.pvalue.AsSingleton(resolver)
        )
        return Outputs(
            {
                "mentions": resolved,
                "entity_names": tuple(names) | "FlattenNames" >> beam.Flatten()
                | "NameLists" >> beam.Values(),
                "partitions": touched,
            }
        )  # fmt: skip

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
  `MIN_SURNAME_ARTICLES` of them (`canonical_method` `corpus`); in a month with no such full
  name, or none with that support, to the one that dominates the surname across the corpus
  the same way ("Bush" -> "george w bush"); it stays apart in a month where two people share
  the surname (`surname_links`).
- **Labels from evidence.** `decide_label`: the cues of every mention of the name
  (transforms/tagging/evidence.py), the gazetteer prior and the model's majority.

Both depend on the whole corpus, so an incremental run recomputes them from the published
`entity_names` plus the partitions it touches, and also touches (rewrites the entities and
rollups of) every partition where a name now resolves differently: full and incremental runs
give the same rows.
"""

from __future__ import annotations

import collections
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import NamedTuple

import apache_beam as beam
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from apache_beam.io.filesystems import FileSystems
from apache_beam.metrics import Metrics

from schemas import (
    ENTITIES,
    ENTITY_NAMES,
    UNDATED_PARTITION,
    EntityMention,
    EntityNameDay,
    Rows,
    partition_dir,
    partition_of,
    rows_of,
)
from transforms.io.published import published_files
from transforms.runner import Outputs, RunnerProfile
from transforms.tagging.entity_keys import AS_WRITTEN, CORPUS, IN_ARTICLE
from transforms.tagging.evidence import CUES, cue_counts, display_form, looks_like_demonym

NAME_LABELS = frozenset(
    {"PERSON", "ORG", "GPE", "LOC", "NORP", "FAC", "PRODUCT", "EVENT", "WORK_OF_ART", "LAW"}
)
MIN_LABEL_MENTIONS = 3
MIN_LABEL_SHARE = 2 / 3
SURNAME_SHARE = 0.9
MIN_SURNAME_ARTICLES = 2
# Evidence decides a name's label when its cues for one label are at least `MIN_EVIDENCE`,
# `EVIDENCE_SHARE` of all its typed cues and `MIN_CUE_SHARE` of its mentions.
MIN_EVIDENCE = 2
EVIDENCE_SHARE = 2 / 3
MIN_CUE_SHARE = 0.1
# How `canonical_label` was decided (the `label_method` column).
ARTICLE_LABEL, MAJORITY, EVIDENCE, GAZETTEER = "article", "majority", "evidence", "gazetteer"
LABEL_METHODS = (ARTICLE_LABEL, MAJORITY, EVIDENCE, GAZETTEER)

Partition = tuple[int, int]


class NameResolver(NamedTuple):
    """The corpus-level decisions: a label per name (and how it was decided), a full name per
    (month, surname), the display name of every key."""

    labels: dict[str, tuple[str, str]]  # name -> (label, label_method)
    surnames: dict[tuple[Partition | None, str], str]  # see `surname_links`
    names: dict[str, str]  # canonical -> its most frequent surface form

    def decide(self, partition: Partition, name: str, label: str, method: str) -> tuple:
        """(canonical, canonical_label, canonical_method, label_method) of a mention keyed
        `name`, `label`, `method` in its article."""
        label_method = ARTICLE_LABEL
        if label in NAME_LABELS and name in self.labels:
            label, label_method = self.labels[name]
        if method == AS_WRITTEN and label == "PERSON" and " " not in name:
            full = self.surnames.get((partition, name))
            if full is None:
                full = self.surnames.get((None, name))
            if full:
                return full, label, CORPUS, label_method
        return name, label, method, label_method

    def final(self, partition: Partition, name: str, label: str, method: str) -> tuple:
        """(canonical, canonical_label, canonical_method) of a mention keyed `name`, `label`,
        `method` in its article."""
        return self.decide(partition, name, label, method)[:3]

    def outcome(self, partition: Partition, name: str, label: str, method: str) -> tuple:
        """Everything a mention's row takes from the resolver: `decide` and the key's name."""
        decided = self.decide(partition, name, label, method)
        return (*decided, self.names.get(decided[0]))

    def resolve(self, mention: EntityMention) -> EntityMention:
        method = AS_WRITTEN if mention.canonical_method == CORPUS else mention.canonical_method
        canonical, label, method, label_method = self.decide(
            partition_of(mention.published_date), mention.article_canonical,
            mention.article_label, method,
        )  # fmt: skip
        name = self.names.get(canonical, canonical)
        if (canonical, label, method, label_method, name) == (
            mention.canonical, mention.canonical_label, mention.canonical_method,
            mention.label_method, mention.name,
        ):  # fmt: skip
            return mention
        return mention._replace(canonical=canonical, canonical_label=label,
                                canonical_method=method, label_method=label_method,
                                name=name)  # fmt: skip


EMPTY_RESOLVER = NameResolver({}, {}, {})


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


def _cue(cues: Sequence[int], name: str) -> int:
    index = CUES.index(name)
    return cues[index] if index < len(cues) else 0


def decide_label(
    name: str, labels: dict[str, int], cues: Sequence[int], surname: bool = False
) -> tuple[str, str] | None:
    """A name's corpus label from the evidence of the whole corpus: `labels` counts its
    mentions per model label (within their articles), `cues` its mentions with each cue
    (`CUES` order). None when every mention keeps its article's label.

    1. **Typed cues.** Each cue votes for a label: honorifics, roles and pronouns for PERSON
       (not verbs of speech: "the BBC said"); "the band X", "X manager" for ORG; "the film X" and "X
       nomination" for WORK_OF_ART; products, events, "X-based" for theirs; a demonym used as
       a modifier ("the Welsh side") for NORP. The label with the most votes wins if they are
       at least `MIN_EVIDENCE`, `EVIDENCE_SHARE` of all votes and `MIN_CUE_SHARE` of the
       mentions (`evidence`).
    2. **Not a person.** A name the model calls PERSON most often, found after "a", "the" or
       a number ("an Oscar", "the Premiership", "two Oscars") as often (same thresholds
       against the PERSON votes), takes its typed or model label that is not PERSON, else ORG
       (`evidence`).
    3. **Gazetteer prior.** A PERSON name that is a country or a large city in the gazetteer
       ("Glasgow") is GPE unless honorifics and pronouns say PERSON at least `MIN_EVIDENCE`
       times, or it is the `surname` of a person the corpus names in full ("Bush", "Dudley":
       cities too) (`gazetteer`).
    4. Otherwise the model's majority (`corpus_labels`: `majority`), or nothing.
    """
    named = {label: n for label, n in labels.items() if label in NAME_LABELS and n > 0}
    if not named:
        return None
    total = sum(named.values())
    cue = {key: _cue(cues, key) for key in CUES}
    person = cue["honorific"] + cue["role"] + cue["pronoun"]
    votes = {
        "PERSON": float(person),
        "ORG": float(cue["org_head"]),
        "WORK_OF_ART": float(cue["work_head"] + cue["award"]),
        "PRODUCT": float(cue["product_head"]),
        "EVENT": float(cue["event_head"]),
        "GPE": float(cue["place_head"]),
    }
    if " " not in name and (looks_like_demonym(name) or 3 * named.get("NORP", 0) >= total):
        # "the Welsh side": a nationality, not the side's club
        votes["NORP"] = float(cue["modifier"])
        votes["ORG"] = max(0.0, votes["ORG"] - cue["modifier"])
    majority = max(named, key=lambda label: (named[label], label))

    def supported(n: float, against: float) -> bool:
        return n >= MIN_EVIDENCE and n >= EVIDENCE_SHARE * (n + against) and (
            n >= MIN_CUE_SHARE * total
        )  # fmt: skip

    decided = None
    best = max(votes, key=lambda label: (votes[label], label))
    if supported(votes[best], sum(votes.values()) - votes[best]):
        decided = (best, EVIDENCE)
    elif majority == "PERSON" and supported(
        cue["article"] + cue["number"] + cue["the"], votes["PERSON"]
    ):  # fmt: skip
        typed = [label for label in votes if label != "PERSON" and votes[label] > 0]
        others = [label for label in named if label != "PERSON"]
        if typed:
            label = max(typed, key=lambda label: (votes[label], label))
        elif others:
            label = max(others, key=lambda label: (named[label], label))
        else:
            label = "ORG"
        decided = (label, EVIDENCE)
    label = decided[0] if decided else majority
    if (
        label == "PERSON"
        and not surname
        and cue["place_name"] * 2 >= total
        and cue["honorific"] + cue["pronoun"] < MIN_EVIDENCE
    ):
        decided = ("GPE", GAZETTEER)
    if decided is not None:
        if len(named) == 1 and decided[0] in named:
            return None  # the model's one label, confirmed: nothing changes
        return decided
    voted = corpus_labels({name: collections.Counter(named)}).get(name)
    return (voted, MAJORITY) if voted else None


def _dominant(names: collections.Counter) -> str | None:
    """The full name with at least `SURNAME_SHARE` of the articles and `MIN_SURNAME_ARTICLES`."""
    (top, articles), total = min(names.items(), key=lambda i: (-i[1], i[0])), names.total()
    if articles >= MIN_SURNAME_ARTICLES and articles >= SURNAME_SHARE * total:
        return top
    return None


def surname_links(
    full_names: dict[tuple[Partition, str, str], int], labels: dict[str, str]
) -> dict[tuple[Partition | None, str], str]:
    """(month, full name, label) -> articles  ->  (month, surname) -> the full name a lone
    surname of that month links to ("" for a month where it stays apart), and (None, surname)
    -> the full name that dominates the surname across the corpus.

    A month whose full names with the surname have a dominant one links to it. A month that
    names one such person, too rarely to link alone, links to the corpus-wide one if it is that
    person; a month naming two people with the surname, none dominant, leaves it apart. A month
    with no such name links to the corpus-wide one (`NameResolver.decide`)."""
    by_surname: dict[tuple[Partition, str], collections.Counter] = collections.defaultdict(
        collections.Counter
    )
    corpus: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    for (partition, name, label), articles in full_names.items():
        if labels.get(name, label) == "PERSON":
            surname = name.rsplit(" ", 1)[-1]
            by_surname[(partition, surname)][name] += articles
            corpus[surname][name] += articles
    links: dict[tuple[Partition | None, str], str] = {}
    across = {surname: _dominant(names) for surname, names in corpus.items()}
    for surname, top in across.items():
        if top is not None:
            links[(None, surname)] = top
    for key, names in by_surname.items():
        top = _dominant(names)
        if top is None:
            wide = across[key[1]]
            top = wide if len(names) == 1 and wide in names else ""
        if top != across[key[1]]:  # what the corpus-wide link would not give
            links[key] = top
    return links


class _NameStats:
    """What the corpus says of one name (keyed within its articles): mentions per label, cue
    counts, surface forms."""

    __slots__ = ("cues", "labels", "surfaces")

    def __init__(self):
        self.labels: collections.Counter = collections.Counter()
        self.cues = [0] * len(CUES)
        self.surfaces: collections.Counter = collections.Counter()

    def add(self, label: str, mentions: int, cues: Sequence[int], surfaces) -> None:
        self.labels[label] += mentions
        for i, n in enumerate(cues[: len(CUES)]):
            self.cues[i] += n
        for surface, n in surfaces:
            self.surfaces[surface] += n

    def merge(self, other: _NameStats) -> None:
        self.add("", 0, other.cues, other.surfaces.items())
        self.labels.update(other.labels)
        del self.labels[""]


def _most_frequent(surfaces: collections.Counter) -> str | None:
    """The most frequent surface form; ties go to the one with most capitals, then the
    smallest string (a fixed order whatever order the corpus came in)."""
    if not surfaces:
        return None
    return min(surfaces, key=lambda s: (-surfaces[s], -sum(c.isupper() for c in s), s))


class BuildResolverFn(beam.CombineFn):
    """`entity_names` rows of the whole corpus, a list at a time (a partition's or a file's),
    -> the `NameResolver`."""

    def create_accumulator(self):
        return {}, collections.Counter()  # name -> _NameStats, (month, name, label) -> articles

    def add_input(self, accumulator, rows: Iterable[EntityNameDay]):
        stats, full_names = accumulator
        for row in rows:
            entry = stats.get(row.article_canonical)
            if entry is None:
                entry = stats[row.article_canonical] = _NameStats()
            entry.add(row.article_label, row.mentions, row.evidence, row.surfaces)
            if row.article_label in NAME_LABELS and " " in row.article_canonical:
                key = (partition_of(row.published_date), row.article_canonical, row.article_label)
                full_names[key] += row.articles
        return accumulator

    def merge_accumulators(self, accumulators):
        stats, full_names = {}, collections.Counter()
        for other_stats, other_full in accumulators:
            for name, entry in other_stats.items():
                mine = stats.get(name)
                if mine is None:
                    mine = stats[name] = _NameStats()
                mine.merge(entry)
            full_names.update(other_full)
        return stats, full_names

    def extract_output(self, accumulator) -> NameResolver:
        stats, full_names = accumulator
        surnames = {name.rsplit(" ", 1)[-1] for (_, name, label) in full_names
                    if label == "PERSON"}  # fmt: skip
        labels = {}
        for name, entry in stats.items():
            decided = decide_label(name, entry.labels, entry.cues, name in surnames)
            if decided is not None:
                labels[name] = decided
        names = {}
        for name, entry in stats.items():
            surface = _most_frequent(entry.surfaces)
            if surface:
                names[name] = surface
        plain = {name: label for name, (label, _) in labels.items()}
        return NameResolver(labels, surname_links(full_names, plain), names)


def _with(base, delta):
    """A `BuildResolverFn` accumulator plus another, `base` left as it was: the names `delta`
    has get new statistics, every other name shares `base`'s."""
    stats, full_names = base
    merged = dict(stats)
    for name, entry in delta[0].items():
        mine = merged.get(name)
        if mine is None:
            merged[name] = entry
        else:
            combined = _NameStats()
            combined.merge(mine)
            combined.merge(entry)
            merged[name] = combined
    full = collections.Counter(full_names)
    full.update(delta[1])
    return merged, full


class Resolvers(NamedTuple):
    """An incremental run's resolvers before and after it, and the partitions it does not
    touch in which a name resolves differently after it (`_changed`)."""

    before: NameResolver
    after: NameResolver
    relabelled: list[Partition]


class BuildResolversFn(beam.CombineFn):
    """("published", (partition, name rows)) of every published partition (`_read_names`),
    ("changed", name rows) of the touched partitions, recomputed, and ("touched", partition)
    of each touched partition -> `Resolvers`. The untouched partitions' rows, nearly all of
    them, are summed once and shared: before = untouched + the touched partitions' published
    rows, after = untouched + their recomputed rows; the same resolvers two `BuildResolverFn`s
    give, in one pass and one stage."""

    def create_accumulator(self):
        return {"published": [], "changed": [], "touched": []}

    def add_input(self, accumulator, item):
        kind, value = item
        accumulator[kind].append(value)
        return accumulator

    def merge_accumulators(self, accumulators):
        merged = self.create_accumulator()
        for accumulator in accumulators:
            for kind, values in accumulator.items():
                merged[kind].extend(values)
        return merged

    def extract_output(self, accumulator) -> Resolvers:
        published, changed = accumulator["published"], accumulator["changed"]
        touched = set(accumulator["touched"])
        build = BuildResolverFn()
        untouched, before, after = (build.create_accumulator() for _ in range(3))
        others = []
        for partition, rows in published:
            if partition in touched:
                build.add_input(before, rows)
            else:
                build.add_input(untouched, rows)
                others.append((partition, rows))
        for rows in changed:
            build.add_input(after, rows)
        resolver_before = build.extract_output(_with(untouched, before))
        resolver_after = build.extract_output(_with(untouched, after))
        relabelled = sorted({
            partition for element in others
            for partition in _changed(element, resolver_before, resolver_after)
        })  # fmt: skip
        return Resolvers(resolver_before, resolver_after, relabelled)


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
    """One article's `entity_names` contributions: one row per (name, label), 1 article, with
    its mentions' cue counts and surface forms (those written as the name itself: a surname
    linked in its article to a full name is no surface form of the full name)."""
    by_name: dict[tuple[str, str], list] = {}
    for m in mentions:
        key = (m.article_canonical, m.article_label)
        entry = by_name.get(key)
        if entry is None:
            entry = by_name[key] = [0, {}, {}]
        entry[0] += 1
        if m.evidence:
            bits = entry[1]
            bits[m.evidence] = bits.get(m.evidence, 0) + 1
        if m.canonical_method != IN_ARTICLE:
            surface = display_form(m.text, m.article_label)
            if surface:
                entry[2][surface] = entry[2].get(surface, 0) + 1
    date = mentions[0].published_date if mentions else None
    return [
        EntityNameDay(date, name, label, 1, n, _cue_totals(bits), tuple(sorted(surfaces.items())))
        for (name, label), (n, bits, surfaces) in sorted(by_name.items())
    ]


def _cue_totals(bits: dict[int, int]) -> tuple[int, ...]:
    """{cue bits: mentions} -> mentions with each cue (`CUES` order)."""
    totals = [0] * len(CUES)
    for value, n in bits.items():
        for i, on in enumerate(cue_counts(value)):
            if on:
                totals[i] += n
    return tuple(totals)


class NameDailyFn(beam.CombineFn):
    """One partition's per-article name rows -> its `entity_names` rows."""

    def create_accumulator(self) -> dict:
        return {}

    def add_input(self, accumulator: dict, rows: list[EntityNameDay]) -> dict:
        for row in rows:
            key = (row.published_date, row.article_canonical, row.article_label)
            totals = accumulator.get(key)
            if totals is None:
                totals = accumulator[key] = [0, 0, [0] * len(CUES), collections.Counter()]
            totals[0] += row.articles
            totals[1] += row.mentions
            cues = totals[2]
            for i, n in enumerate(row.evidence[: len(CUES)]):
                cues[i] += n
            for surface, n in row.surfaces:
                totals[3][surface] += n
        return accumulator

    def merge_accumulators(self, accumulators: Iterable[dict]) -> dict:
        merged: dict = {}
        for accumulator in accumulators:
            self.add_input(merged, [EntityNameDay(*k, v[0], v[1], v[2], tuple(v[3].items()))
                                    for k, v in accumulator.items()])  # fmt: skip
        return merged

    def extract_output(self, accumulator: dict) -> Rows:
        def order(key):
            return key[1], key[2], key[0].toordinal() if key[0] else 0

        return Rows(
            EntityNameDay(*key, articles, mentions, tuple(cues), tuple(sorted(surfaces.items())))
            for key in sorted(accumulator, key=order)
            for articles, mentions, cues, surfaces in [accumulator[key]]
        )


def _names_per_partition(mentions):
    """Mentions of one article -> (partition, its name rows)."""
    if mentions:
        yield partition_of(mentions[0].published_date), Rows(article_names(mentions))


class _ReadPartitionMentionsFn(beam.DoFn):
    """A partition -> the published mentions of each of its articles (from every file of the
    partition: an article's mentions share its date, so they are all in its partition), in the
    tagger's order, one list per article; the articles in `dropped` (a side input) left out."""

    def __init__(self, previous_version: str):
        self._previous = previous_version

    def process(self, partition: Partition, dropped: Mapping | None = None) -> Iterator[Rows]:
        pattern = FileSystems.join(self._previous, ENTITIES.name, partition_dir(partition))
        by_article: dict[str, list[EntityMention]] = {}
        for metadata in FileSystems.match([pattern + "*.parquet"])[0].metadata_list:
            with FileSystems.open(metadata.path) as handle:
                table = pq.read_table(handle, schema=ENTITIES.schema)
            for mention in rows_of(table, ENTITIES):
                by_article.setdefault(mention.article_id, []).append(mention)
        for article_id, mentions in by_article.items():
            if not dropped or article_id not in dropped:
                yield Rows(sorted(mentions, key=mention_order))


def _read_names(path: str) -> Iterator[tuple[Partition, Rows]]:
    """A published `entity_names` file -> its names per partition, summed over the days
    (`month_names`): what the resolvers and `_changed` read of it."""
    with FileSystems.open(path) as handle:
        table = pq.read_table(handle, schema=ENTITY_NAMES.schema)
    yield from month_names(table)


_GROUP = ["year", "month", "article_canonical", "article_label"]


def month_names(table: pa.Table) -> Iterator[tuple[Partition, Rows]]:
    """`entity_names` rows -> one list per partition of one row per (name, label): articles,
    mentions, cue counts and surface forms summed over the partition's days, dated its
    earliest day. `BuildResolverFn` sums the same numbers per name and per (partition, name,
    label), so it gives the same resolver from these rows as from the daily ones, and
    `_changed` sees the same (partition, name, label) keys; summed in Arrow, a run's elements
    and the Python work on them grow with the names of a month, not with their days."""
    if not table.num_rows:
        return
    dates = table["published_date"]
    keys = {
        "year": pc.fill_null(pc.year(dates), UNDATED_PARTITION[0]),
        "month": pc.fill_null(pc.month(dates), UNDATED_PARTITION[1]),
        "article_canonical": table["article_canonical"],
        "article_label": table["article_label"],
    }
    base = pa.table({**keys, "articles": table["articles"], "mentions": table["mentions"],
                     "published_date": dates})  # fmt: skip
    totals = base.group_by(_GROUP, use_threads=False).aggregate(
        [("articles", "sum"), ("mentions", "sum"), ("published_date", "min")]
    )
    rows: dict[tuple, list] = {}
    for y, m, name, label, articles, mentions, date in zip(
        *(totals[c].to_pylist() for c in
          (*_GROUP, "articles_sum", "mentions_sum", "published_date_min")),
        strict=True,
    ):  # fmt: skip
        rows[(y, m, name, label)] = [date, articles, mentions, [0] * len(CUES), {}]
    for column, value in (("evidence", None), ("surfaces", "value")):
        lists = table[column].combine_chunks()
        offsets = lists.offsets.to_numpy()
        lengths = np.diff(offsets)
        if not lengths.sum():
            continue
        parents = pa.array(np.repeat(np.arange(len(lists)), lengths))
        part = {k: pc.take(v, parents) for k, v in keys.items()}
        if value is None:  # a cue's position in its list
            part["key"] = np.arange(lengths.sum()) - np.repeat(offsets[:-1] - offsets[0], lengths)
            part["n"] = lists.flatten()
        else:
            part["key"], part["n"] = lists.keys, lists.items
        part = pa.table(part)
        if value is None:  # most cue counts are 0: nothing to add
            part = part.filter(pc.not_equal(part["n"], 0))
        summed = part.group_by([*_GROUP, "key"], use_threads=False).aggregate([("n", "sum")])
        for y, m, name, label, key, n in zip(
            *(summed[c].to_pylist() for c in (*_GROUP, "key", "n_sum")), strict=True
        ):
            entry = rows[(y, m, name, label)]
            if value is None:
                if key < len(CUES):
                    entry[3][key] += n
            else:
                entry[4][key] = n
    by_partition: dict[Partition, list[EntityNameDay]] = {}
    for (y, m, name, label), (date, articles, mentions, cues, surfaces) in sorted(
        rows.items()
    ):  # fmt: skip
        by_partition.setdefault((y, m), []).append(EntityNameDay(
            date, name, label, articles, mentions, tuple(cues), tuple(sorted(surfaces.items()))
        ))  # fmt: skip
    for partition, partition_rows in by_partition.items():
        yield partition, Rows(partition_rows)


def mention_order(mention: EntityMention) -> tuple:
    """The order the tagger emits an article's mentions in: title first, then by offset."""
    return (mention.field != "title", mention.start_char, mention.end_char, mention.label)


def _changed(element, before: NameResolver, after: NameResolver):
    """The partition, when one of its names resolves differently now."""
    partition, rows = element
    for row in rows:
        key = (partition, row.article_canonical, row.article_label, AS_WRITTEN)
        if before.outcome(*key) != after.outcome(*key):
            yield partition
            return


def _resolve_article(mentions: list[EntityMention], resolver: NameResolver):
    return Rows(resolver.resolve(m) for m in mentions)


def _count_republished(mentions: Rows, counter) -> Rows:
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
            # Beam 2.78 types a Flatten as the union of its inputs' types: say what they share.
            | "FlattenChanged" >> beam.Flatten().with_output_types(Partition)
            | "DistinctChanged" >> beam.Distinct()
        )
        if self._previous is None:
            return self._resolve(new_mentions, new_mentions, changed, [])
        republished = Metrics.counter("newsbeam", "entity_mentions_republished")
        dropped_ids = beam.pvalue.AsDict(dropped | "KeyDropped" >> beam.Map(lambda d: (d[0], True)))
        kept = self._profile.separate(changed, "SeparateChanged") | "ReadChangedMentions" >> (
            beam.ParDo(_ReadPartitionMentionsFn(self._previous), dropped_ids)
        )
        in_changed = (new_mentions, kept) | "ChangedMentions" >> beam.Flatten()
        published_names = (
            self.pipeline
            | "PublishedNameFiles" >> beam.Create(self._name_files)
            | "ReadPublishedNames" >> beam.FlatMap(_read_names)
        )
        names = self._names(in_changed, "Changed")
        resolvers = (
            (
                published_names | "PublishedNameItems" >> beam.Map(lambda e: ("published", e)),
                names | "ChangedNameItems" >> beam.Map(lambda e: ("changed", e[1])),
                changed | "TouchedItems" >> beam.Map(lambda p: ("touched", p)),
            )
            | "NameItems" >> beam.Flatten()
            | "Resolvers" >> beam.CombineGlobally(self._profile.combine(BuildResolversFn()))
        )
        after = resolvers | "ResolverAfter" >> beam.Map(lambda r: r.after)
        relabelled = resolvers | "Relabelled" >> beam.FlatMap(lambda r: r.relabelled)
        reread = (
            relabelled
            | "ReadRelabelledMentions" >> beam.ParDo(_ReadPartitionMentionsFn(self._previous))
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

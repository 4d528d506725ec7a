"""Quotation speakers with the keys of `entities` (`ResolveQuoteSpeakers`).

The tagger keys a quotation's speaker within its article (the `article_canonical` of the
mention it resolves to; transforms/tagging/quotes.py). `ResolveCorpusNames` may then give that
name another key across the corpus (a lone surname linked to a full name) or another label, and
an incremental run re-keys every mention of the partitions it touches. The quotations follow
the mentions: every quotation of a touched partition (the new ones, and the published ones
read back) takes the key and label its speaker's mentions have in that partition's
`entities`; the version build carries the quotations of the other partitions as they are.

`speaker_daily` counts, per (date, speaker), the quotations, articles and stories and the tone
of the quoted words, for every touched partition (every quotation with a speaker is in one:
its speaker is a mention, and a partition with new or dropped mentions is touched).

A published quotation holds the corpus-level key, not the article's: its speaker's mentions are
found by that key or, when the corpus had linked a lone surname to it, by the surname.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator

import apache_beam as beam
import pyarrow.parquet as pq
from apache_beam.io.filesystems import FileSystems
from apache_beam.metrics import Metrics

from schemas import (
    QUOTES,
    EntityMention,
    Quote,
    Rows,
    SpeakerDay,
    partition_dir,
    partition_of,
    rows_of,
)
from transforms.runner import Outputs, RunnerProfile
from transforms.tagging.quotes import SPEAKER_LABELS

# article key -> (article label, canonical, canonical label) of each way the article names it
SpeakerKeys = dict[str, tuple[tuple[str, str, str], ...]]


def speaker_keys(mentions: Iterable[EntityMention]) -> SpeakerKeys:
    """The corpus-level keys of an article's mentions that can name a speaker."""
    keys: dict[str, dict[tuple[str, str, str], None]] = {}
    for m in mentions:
        if m.article_label in SPEAKER_LABELS or m.canonical_label in SPEAKER_LABELS:
            entry = (m.article_label, m.canonical, m.canonical_label)
            keys.setdefault(m.article_canonical, {})[entry] = None
    return {key: tuple(entries) for key, entries in keys.items()}


def rekey(quote: Quote, keys: SpeakerKeys) -> Quote:
    """The quotation with its speaker's key and label as in the article's mentions."""
    if quote.speaker is None:
        return quote
    entries = keys.get(quote.speaker)
    if not entries:  # published, keyed by a full name the corpus linked a lone surname to
        surname = quote.speaker.rsplit(" ", 1)[-1]
        entries = tuple(e for e in keys.get(surname, ()) if e[1] == quote.speaker) or tuple(
            e for e in keys.get(surname, ()) if e[0] == "PERSON"
        )
    if not entries:
        return quote
    same = [e for e in entries if quote.speaker_label in (e[0], e[2])]
    _, canonical, label = (same or list(entries))[0]
    if (canonical, label) == (quote.speaker, quote.speaker_label):
        return quote
    return quote._replace(speaker=canonical, speaker_label=label)


class _ReadPartitionQuotesFn(beam.DoFn):
    """A partition -> its published quotations, one list per article and file."""

    def __init__(self, previous_version: str):
        self._previous = previous_version

    def process(self, partition) -> Iterator[tuple[str, tuple[str, Rows]]]:
        pattern = FileSystems.join(self._previous, QUOTES.name, partition_dir(tuple(partition)))
        for metadata in FileSystems.match([pattern + "*.parquet"])[0].metadata_list:
            with FileSystems.open(metadata.path) as handle:
                table = pq.read_table(handle, schema=QUOTES.schema)
            by_article: dict[str, list[Quote]] = {}
            for quote in rows_of(table, QUOTES):
                by_article.setdefault(quote.article_id, []).append(quote)
            for article_id, quotes in by_article.items():
                yield article_id, ("published", Rows(quotes))


def _resolved(element, republished) -> Iterator[Rows]:
    """One article's quotations (new, or published and kept) with the keys of its mentions."""
    _, grouped = element
    keys: SpeakerKeys = {}
    for part in grouped["keys"]:
        keys.update(part)
    dropped = any(grouped["dropped"])
    for origin, quotes in grouped["quotes"]:
        if origin == "published":
            if dropped:
                continue
            republished.inc(len(quotes))
        yield Rows(rekey(q, keys) for q in quotes)


def _keys_of(mentions: list[EntityMention]):
    if mentions:
        yield mentions[0].article_id, speaker_keys(mentions)


def speaker_contributions(quotes: list[Quote], story: str):
    """One article's quotations -> (partition, what each adds to `speaker_daily`)."""
    rows = [
        (q.published_date, q.speaker, q.speaker_label, q.article_id, story, q.sentiment_compound)
        for q in quotes
        if q.speaker is not None
    ]
    if rows:
        yield partition_of(quotes[0].published_date), rows


def speaker_days(contributions: Iterable[list[tuple]]) -> list[SpeakerDay]:
    """One partition's contributions -> its `speaker_daily` rows (sorted, so the floats do not
    depend on the order in which the runner hands them over)."""
    by_key: dict[tuple, list[tuple]] = {}
    for rows in contributions:
        for date, speaker, label, article_id, story, compound in rows:
            by_key.setdefault((date, speaker, label or ""), []).append((article_id, story, compound))
    result = Rows()
    for (date, speaker, label), values in sorted(
        by_key.items(), key=lambda item: (item[0][1], item[0][2], item[0][0] or 0)
    ):
        scores = sorted(c for _, _, c in values if c is not None)
        mean = math.fsum(scores) / len(scores) if scores else None
        std = (
            math.sqrt(math.fsum((c - mean) ** 2 for c in scores) / len(scores)) if scores else None
        )
        result.append(SpeakerDay(date, speaker, label, len(values),
                                 len({a for a, _, _ in values}), len({s for _, s, _ in values}),
                                 mean, std))  # fmt: skip
    return result


def speaker_counts(quotes: Iterable[Quote]) -> dict[tuple[str, str], int]:
    """(speaker, speaker label) -> how many of these quotations it said."""
    counts: dict[tuple[str, str], int] = {}
    for q in quotes:
        if q.speaker is not None:
            key = (q.speaker, q.speaker_label or "")
            counts[key] = counts.get(key, 0) + 1
    return counts


def _article_speakers(quotes: Rows):
    counts = speaker_counts(quotes)
    if counts:
        yield quotes[0].article_id, counts


def _contributions(quotes: Rows, stories=None):
    story = stories.story_of.get(quotes[0].article_id, quotes[0].article_id) if stories else None
    yield from speaker_contributions(quotes, story or quotes[0].article_id)


class ResolveQuoteSpeakers(beam.PTransform):
    """(new quotations, one list per article; every mention of the touched partitions with its
    corpus-level key, one list per article, as `ResolveCorpusNames` emits them; `dropped`
    (article_id, partition) of published articles this run removes; the touched partitions)
    and optionally the stories (a singleton `StoryResult`) -> `quotes`: the quotations of the
    new articles and of every touched partition, one list per article, speakers keyed as in
    `entities` (without a published version only the new ones); `speaker_daily`: those
    partitions' rows, one list per partition; `speaker_days`: the same keyed by partition, and
    `article_speakers`: (article_id, {(speaker, label): quotations}) of each article whose
    quotations have a speaker (for the `quotes` column of the entity rollups)."""

    def __init__(self, previous_version: str | None = None, *, profile: RunnerProfile):
        super().__init__()
        self._previous = previous_version
        self._profile = profile

    def expand(self, inputs):
        quotes, mentions, dropped, partitions, *stories = inputs
        parts = [quotes | "KeyNewQuotes" >> beam.Map(lambda q: (q[0].article_id, ("new", q)))]
        if self._previous is not None:
            parts.append(
                partitions
                | "DistinctTouched" >> beam.Distinct()
                | "ReadTouchedQuotes" >> beam.ParDo(_ReadPartitionQuotesFn(self._previous))
            )
        republished = Metrics.counter("newsbeam", "quotes_republished")
        resolved = (
            {
                "quotes": parts | "AllQuotes" >> beam.Flatten(),
                "keys": mentions | "SpeakerKeys" >> beam.FlatMap(_keys_of),
                "dropped": dropped | "KeyDroppedArticles" >> beam.Map(lambda d: (d[0], True)),
            }
            | "JoinSpeakers" >> beam.CoGroupByKey()
            | "RekeySpeakers" >> beam.FlatMap(_resolved, republished)
        )
        side = [beam.pvalue.AsSingleton(s) for s in stories]
        separated = self._profile.separate(resolved, "SeparateQuotes")
        days = (
            separated
            | "SpeakerContributions" >> beam.FlatMap(_contributions, *side)
            | "GroupSpeakerDays" >> beam.GroupByKey()
            | "SpeakerDays" >> beam.MapTuple(lambda p, rows: (p, speaker_days(rows)))
        )
        return Outputs(
            {
                "quotes": resolved,
                "speaker_daily": days | "SpeakerDayRows" >> beam.Values(),
                "speaker_days": days,
                "article_speakers": separated | "ArticleSpeakers" >> beam.FlatMap(_article_speakers),
            }
        )

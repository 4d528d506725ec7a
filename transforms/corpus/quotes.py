"""Quotation speakers with the keys of `entities` (`ResolveQuoteSpeakers`).

The tagger keys a quotation's speaker within its article (the `article_canonical` of the
mention it resolves to; transforms/tagging/quotes.py). `ResolveCorpusNames` may then give that
name another key across the corpus (a lone surname linked to a full name) or another label, and
an incremental run re-keys every mention of the partitions it touches. The quotations follow
the mentions: every quotation of a touched partition (the new ones, and the published ones
read back) takes the key and label its speaker's mentions have in that partition's
`entities`; the version build carries the quotations of the other partitions as they are.

A published quotation holds the corpus-level key, not the article's: its speaker's mentions are
found by that key or, when the corpus had linked a lone surname to it, by the surname.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import apache_beam as beam
import pyarrow.parquet as pq
from apache_beam.io.filesystems import FileSystems
from apache_beam.metrics import Metrics

from schemas import QUOTES, EntityMention, Quote, Rows, partition_dir
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

    def process(self, partition) -> Iterator[tuple[str, tuple[str, list[Quote]]]]:
        pattern = FileSystems.join(self._previous, QUOTES.name, partition_dir(tuple(partition)))
        for metadata in FileSystems.match([pattern + "*.parquet"])[0].metadata_list:
            with FileSystems.open(metadata.path) as handle:
                table = pq.read_table(handle, schema=QUOTES.schema)
            by_article: dict[str, list[Quote]] = {}
            for row in table.to_pylist():
                by_article.setdefault(row["article_id"], []).append(Quote(**row))
            for article_id, quotes in by_article.items():
                yield article_id, ("published", Rows(quotes))


def _resolved(element, republished) -> Iterator[list[Quote]]:
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


class ResolveQuoteSpeakers(beam.PTransform):
    """(new quotations, one list per article; every mention of the touched partitions with its
    corpus-level key, one list per article, as `ResolveCorpusNames` emits them; `dropped`
    (article_id, partition) of published articles this run removes; the touched partitions)
    -> the quotations of the new articles and of every touched partition, one list per
    article, speakers keyed as in `entities`. Without a published version only the new ones."""

    def __init__(self, previous_version: str | None = None):
        super().__init__()
        self._previous = previous_version

    def expand(self, inputs):
        quotes, mentions, dropped, partitions = inputs
        parts = [quotes | "KeyNewQuotes" >> beam.Map(lambda q: (q[0].article_id, ("new", q)))]
        if self._previous is not None:
            parts.append(
                partitions
                | "DistinctTouched" >> beam.Distinct()
                | "ReadTouchedQuotes" >> beam.ParDo(_ReadPartitionQuotesFn(self._previous))
            )
        republished = Metrics.counter("newsbeam", "quotes_republished")
        return (
            {
                "quotes": parts | "AllQuotes" >> beam.Flatten(),
                "keys": mentions | "SpeakerKeys" >> beam.FlatMap(_keys_of),
                "dropped": dropped | "KeyDroppedArticles" >> beam.Map(lambda d: (d[0], True)),
            }
            | "JoinSpeakers" >> beam.CoGroupByKey()
            | "RekeySpeakers" >> beam.FlatMap(_resolved, republished)
        )

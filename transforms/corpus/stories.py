"""Stories: republished and lightly edited copies of one article grouped, in the Beam graph
(`GroupStories`), so that counts do not double when a story is republished.

Two articles are the same story when the Jaccard similarity of their bodies' word 5-shingles
(lower-cased words, so punctuation and typographic quotes do not matter) is at least the
threshold (`--story-threshold`, default 0.8); a story is a connected group. Candidates come
from MinHash (`rensa`, 128 permutations) with LSH banding (32 bands of 4 rows: a pair at
Jaccard 0.8 shares a band with probability 1 - 5e-8, at 0.7 0.9998, at 0.5 0.87); every
candidate whose signatures clearly disagree is dropped first (8-bit MinHash estimate under 0.3:
a pair at Jaccard 0.5 is dropped so with probability 2e-6, at 0.6 3e-12), and every other
candidate is confirmed on the exact shingle sets, so the threshold means what it says and a pair
under 0.5 never shares a story. Without that filter, chance band collisions between unrelated
articles grow with the square of the corpus (14,116 candidates among 2,000 benchmark articles,
none over 0.2), and each would be compared on the bodies. `story_id` is the smallest
`article_id` of the group: it does not depend on the order articles arrive in.

What is kept between runs: `signatures` (each article's MinHash, date, title and source: a new
article is matched against everything published without re-reading bodies), `story_pairs`
(every candidate pair with exact Jaccard >= 0.5, so a changed threshold needs no bodies) and
`stories` (recomputed as a whole by every run). A published article whose story changes (a
new article joins or bridges its story, or a member is dropped) is rewritten: its partition
is one of `GroupStories`' `partitions`, whose published articles `LabelArticles`
(transforms/corpus/articles.py) re-emits with the new `story_id`, and the partition is
touched, so its entities and rollups are recomputed too.
"""

from __future__ import annotations

import collections
import re
from collections.abc import Iterable, Iterator, Mapping
from typing import NamedTuple

import apache_beam as beam
import numpy as np
import pyarrow.parquet as pq
import rensa
from apache_beam.io.filesystems import FileSystems
from apache_beam.pvalue import AsDict, AsSingleton

from schemas import (
    ARTICLES,
    SIGNATURES,
    STORIES,
    STORY_PAIRS,
    Article,
    Rows,
    Signature,
    Story,
    StoryPair,
    partition_dir,
    partition_of,
    rows_of,
)
from transforms.io.published import published_files
from transforms.io.write import write_marker
from transforms.runner import Outputs, RunnerProfile

SHINGLE_WORDS = 5
NUM_PERM, BANDS, ROWS = 128, 32, 4
SEED = 20261126
DEFAULT_THRESHOLD = 0.8
MIN_KEPT_JACCARD = 0.5  # pairs at or above are kept in story_pairs; below, never one story
MIN_ESTIMATE = 0.3  # candidates whose 8-bit MinHash estimate is lower are not compared
_WORD = re.compile(r"\w+")

Partition = tuple[int, int]


def shingles(body: str) -> frozenset[str]:
    """The body's lower-cased word 5-shingles (a shorter body: its words as one shingle)."""
    words = _WORD.findall(body.casefold())
    if len(words) < SHINGLE_WORDS:
        return frozenset([" ".join(words)]) if words else frozenset()
    return frozenset(" ".join(words[i : i + SHINGLE_WORDS]) for i in range(len(words) - 4))


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    return len(a & b) / len(a | b) if a or b else 0.0


def minhash(shingle_set: Iterable[str]) -> tuple[int, ...]:
    sketch = rensa.RMinHash(num_perm=NUM_PERM, seed=SEED)
    sketch.update(sorted(shingle_set))
    return tuple(sketch.digest())


def sketch(signature: tuple[int, ...]) -> bytes:
    """The lowest 8 bits of each MinHash value (b-bit MinHash, Li & Koenig 2010): 128 bytes per
    article, enough to tell a chance band collision from a likely copy."""
    return bytes(value & 0xFF for value in signature)


def estimated_jaccard(a: bytes, b: bytes) -> float:
    """Jaccard estimated from two sketches: the share of agreeing bytes, less the 1/256 that
    agree by chance."""
    agree = np.count_nonzero(np.frombuffer(a, np.uint8) == np.frombuffer(b, np.uint8)) / len(a)
    return (agree - 1 / 256) / (1 - 1 / 256)


def band_keys(signature: tuple[int, ...]) -> list[tuple[int, tuple[int, ...]]]:
    return [(band, signature[band * ROWS : (band + 1) * ROWS]) for band in range(BANDS)]


def signature_of(article: Article) -> Signature:
    return Signature(article.article_id, article.published_date, article.title,
                     article.source_name, minhash(shingles(article.body)))  # fmt: skip


class StoryResult(NamedTuple):
    """Every article's story, and the `stories` rows."""

    story_of: dict[str, str]
    stories: list[Story]


def _first_key(member: Signature) -> tuple:
    date = member.published_date
    return (date is None, date.toordinal() if date else 0, member.article_id)


def group_stories(members: Iterable[Signature], edges: Iterable[tuple[str, str]]) -> StoryResult:
    """Connected groups of `members` joined by `edges`; story_id = the smallest article_id."""
    by_id = {m.article_id: m for m in members}
    parent = {article_id: article_id for article_id in by_id}

    def root(node: str) -> str:
        while parent[node] != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    for a, b in edges:
        if a in parent and b in parent:
            ra, rb = root(a), root(b)
            if ra != rb:
                parent[max(ra, rb)] = min(ra, rb)
    groups: dict[str, list[Signature]] = collections.defaultdict(list)
    for article_id in by_id:
        groups[root(article_id)].append(by_id[article_id])
    story_of, stories = {}, []
    for group in groups.values():
        ids = sorted(m.article_id for m in group)
        story_id = ids[0]
        for article_id in ids:
            story_of[article_id] = story_id
        dates = sorted(m.published_date for m in group if m.published_date is not None)
        first = min(group, key=_first_key)
        sources = sorted({m.source_name for m in group if m.source_name})
        stories.append(Story(story_id, dates[0] if dates else None,
                             dates[-1] if dates else None, len(ids), tuple(sources),
                             first.title, tuple(ids)))  # fmt: skip
    stories.sort()
    return StoryResult(story_of, Rows(stories))


def stories_in_process(
    articles: Iterable[Article], threshold: float = DEFAULT_THRESHOLD
) -> tuple[StoryResult, list[StoryPair]]:
    """The same grouping over a corpus in memory, with every pair compared (tests)."""
    articles = sorted(articles, key=lambda a: a.article_id)
    sets = {a.article_id: shingles(a.body) for a in articles}
    pairs = []
    for i, a in enumerate(articles):
        for b in articles[i + 1 :]:
            similarity = jaccard(sets[a.article_id], sets[b.article_id])
            if similarity >= MIN_KEPT_JACCARD:
                pairs.append(StoryPair(a.article_id, b.article_id, similarity))
    edges = [(p.article_id_a, p.article_id_b) for p in pairs if p.jaccard >= threshold]
    return group_stories(map(signature_of, articles), edges), pairs


class GroupStoriesFn(beam.CombineFn):
    """("member", Signature), ("members", [Signature]) and ("edge", (a, b)) items of the whole
    corpus -> StoryResult."""

    def create_accumulator(self):
        return [], []

    def add_input(self, accumulator, item):
        kind, value = item
        if kind == "members":
            accumulator[0].extend(value)
        else:
            accumulator[0 if kind == "member" else 1].append(value)
        return accumulator

    def merge_accumulators(self, accumulators):
        members, edges = [], []
        for other_members, other_edges in accumulators:
            members.extend(other_members)
            edges.extend(other_edges)
        return members, edges

    def extract_output(self, accumulator) -> StoryResult:
        members, edges = accumulator
        return group_stories(members, edges)


def _read_table(path: str, dataset, columns: list[str] | None = None):
    with FileSystems.open(path) as handle:
        return pq.read_table(handle, schema=dataset.schema, columns=columns)


def _read_rows(path: str, dataset, columns: list[str] | None = None) -> list[dict]:
    return _read_table(path, dataset, columns).to_pylist()


class SignatureBlock:
    """The published signatures of one file, column by column: iterated, they are `Signature`s
    without their MinHash (what story grouping, changed partitions and body reads need); the
    MinHash values stay one (articles, 128) array, and only the articles that share a bucket
    with a new one (`band_items`) get theirs as Python values. 8,000 published articles are
    not a million Python ints read, banded and pickled on every run."""

    def __init__(self, article_ids, published_dates, titles, sources, minhash, banded):
        self.article_ids = article_ids
        self.published_dates = published_dates
        self.titles = titles
        self.sources = sources
        self.minhash = minhash  # (articles, NUM_PERM) uint32
        self.banded = banded  # (articles,) bool: `_has_candidates`

    @classmethod
    def from_table(cls, table) -> SignatureBlock:
        lists = table["minhash"].combine_chunks()
        lengths = lists.value_lengths().to_numpy(zero_copy_only=False)
        values = lists.flatten().to_numpy()
        full = lengths == NUM_PERM
        if not (full | (lengths == 0)).all():
            raise ValueError(f"published signatures of another length than {NUM_PERM}")
        matrix = np.zeros((len(lists), NUM_PERM), dtype=np.uint32)
        matrix[full] = values.reshape(-1, NUM_PERM)
        banded = full & (matrix.min(axis=1) != matrix.max(axis=1))  # `_has_candidates`
        columns = [table[c].to_pylist() for c in ("article_id", "published_date", "title",
                                                  "source_name")]  # fmt: skip
        return cls(*columns, matrix, banded)

    def __len__(self) -> int:
        return len(self.article_ids)

    def __iter__(self) -> Iterator[Signature]:
        for fields in zip(self.article_ids, self.published_dates, self.titles, self.sources,
                          strict=True):  # fmt: skip
            yield Signature(*fields, ())

    def without(self, dropped: Mapping) -> SignatureBlock:
        keep = np.array([a not in dropped for a in self.article_ids], dtype=bool)
        if keep.all():
            return self
        picked = np.flatnonzero(keep)

        def take(values: list) -> list:
            return [values[i] for i in picked]

        return SignatureBlock(take(self.article_ids), take(self.published_dates),
                              take(self.titles), take(self.sources), self.minhash[picked],
                              self.banded[picked])  # fmt: skip

    def matches(self, keys: Mapping[tuple[int, tuple[int, ...]], object]) -> Iterator[tuple]:
        """(band, rows, index) of every banded article whose band `band` is `rows`, for each
        (band, rows) key of `keys` (each band's rows are hashed to one number to find them,
        then compared exactly)."""
        hashes = self._hashes()
        for band, (wanted, wanted_hashes) in sorted(_by_band(keys).items()):
            column = hashes[:, band]
            if len(wanted_hashes) == 1:
                hit = column == wanted_hashes[0]
            else:
                hit = np.isin(column, wanted_hashes)
            for index in np.flatnonzero(hit & self.banded):
                rows = tuple(self.minhash[index, band * ROWS : (band + 1) * ROWS].tolist())
                if rows in wanted:
                    yield band, rows, int(index)

    def _hashes(self) -> np.ndarray:
        """(articles, BANDS) band hashes, computed once per block object (not pickled)."""
        hashes = self.__dict__.get("_hash_cache")
        if hashes is None:
            bands = self.minhash.reshape(len(self.article_ids), BANDS, ROWS)
            hashes = self._hash_cache = _band_hashes(bands)
        return hashes

    def __getstate__(self):
        return {k: v for k, v in self.__dict__.items() if k != "_hash_cache"}

    def signature(self, index: int) -> tuple[int, ...]:
        return tuple(self.minhash[index].tolist())


_MIX = np.array([0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9,
                 0x27D4EB2F165667C5], dtype=np.uint64)  # fmt: skip
_BANDS_OF: list = [()]  # ((a keys mapping, its grouping), ...): the last few, set in one step
_BANDS_KEPT = 4


def _band_hashes(rows: np.ndarray) -> np.ndarray:
    """(..., ROWS) values -> (...) uint64: equal rows hash equal (arithmetic wraps mod 2**64)."""
    return (rows.astype(np.uint64) * _MIX[: rows.shape[-1]]).sum(axis=-1, dtype=np.uint64)


def _by_band(keys: Mapping) -> dict[int, tuple[set[tuple[int, ...]], np.ndarray]]:
    """The (band, rows) keys grouped by band, with their hashes, once per mapping (every
    file's block asks, and the steps that ask each hold their own side input's mapping). The
    cache holds the last few mappings with their groupings as one tuple, replaced in one step,
    so a thread never reads another mapping's grouping; holding a mapping keeps its identity
    unique."""
    cached = _BANDS_OF[0]
    for mapping, grouping in cached:
        if mapping is keys:
            return grouping
    grouped: dict[int, set] = collections.defaultdict(set)
    for band, rows in keys:
        grouped[band].add(rows)
    result = {
        band: (wanted, _band_hashes(np.array(sorted(wanted), dtype=np.uint32)))
        for band, wanted in grouped.items()
    }
    _BANDS_OF[0] = ((keys, result), *cached[: _BANDS_KEPT - 1])
    return result


def _read_signatures(path: str) -> Iterator[SignatureBlock]:
    """A published `signatures` file -> one block: a run's elements grow with the files, not
    with the articles."""
    yield SignatureBlock.from_table(_read_table(path, SIGNATURES))


def _read_pairs(path: str) -> Iterator[StoryPair]:
    yield from rows_of(_read_table(path, STORY_PAIRS), STORY_PAIRS)


def _read_stories(path: str) -> Iterator[dict[str, str]]:
    """article_id -> story_id of every member of the published stories in one file."""
    yield {
        article_id: row["story_id"]
        for row in _read_rows(path, STORIES, ["story_id", "article_ids"])
        for article_id in row["article_ids"]
    }


class MergeDictsFn(beam.CombineFn):
    """Dicts with disjoint keys -> one dict."""

    def create_accumulator(self) -> dict:
        return {}

    def add_input(self, accumulator: dict, item: dict) -> dict:
        accumulator.update(item)
        return accumulator

    def merge_accumulators(self, accumulators: Iterable[dict]) -> dict:
        merged: dict = {}
        for accumulator in accumulators:
            merged.update(accumulator)
        return merged

    def extract_output(self, accumulator: dict) -> dict:
        return accumulator


def _bucket_pairs(members: list[tuple[str, bool]]) -> Iterator[tuple[str, str]]:
    """The pairs of one LSH bucket that involve at least one new article."""
    members = sorted(set(members))
    for i, (a, a_new) in enumerate(members):
        for b, b_new in members[i + 1 :]:
            if a_new or b_new:
                yield a, b


def _likely(band: tuple[int, list], sketches: Mapping[str, bytes]) -> Iterator[tuple[str, str]]:
    """A band's candidate pairs whose sketches do not clearly disagree."""
    for a, b in band[1]:
        if estimated_jaccard(sketches[a], sketches[b]) >= MIN_ESTIMATE:
            yield a, b


def _not_dropped(pair: StoryPair, dropped: Mapping) -> Iterator[StoryPair]:
    if pair.article_id_a not in dropped and pair.article_id_b not in dropped:
        yield pair


def _kept_signatures(signatures: SignatureBlock, dropped: Mapping) -> Iterator[SignatureBlock]:
    kept = signatures.without(dropped)
    if len(kept):
        yield kept


class _ReadBodiesFn(beam.DoFn):
    """(partition, [article_id]) -> (article_id, body) of those published articles."""

    def __init__(self, previous: str):
        self._previous = previous

    def process(self, element) -> Iterator[tuple[str, str]]:
        partition, wanted = element
        wanted = set(wanted)
        pattern = FileSystems.join(self._previous, ARTICLES.name, partition_dir(partition))
        for metadata in FileSystems.match([pattern + "*.parquet"])[0].metadata_list:
            for row in _read_rows(metadata.path, ARTICLES, ["article_id", "body"]):
                if row["article_id"] in wanted:
                    yield row["article_id"], row["body"]


def _pair_with_first(element) -> Iterator[tuple[str, tuple]]:
    """Pairs keyed by their first article, joined with its body -> keyed by the second."""
    _, grouped = element
    for body in grouped["bodies"]:
        for a, b in grouped["pairs"]:
            yield b, (a, body)


def _confirm(element) -> Iterator[StoryPair]:
    """Bodies travel, not shingle sets: a shuffle the local runner holds in the driver process
    keeps one string per article instead of hundreds (driver memory, issue 12)."""
    b, grouped = element
    for body in grouped["bodies"]:
        b_shingles = shingles(body)
        for a, a_body in grouped["pairs"]:
            similarity = jaccard(shingles(a_body), b_shingles)
            if similarity >= MIN_KEPT_JACCARD:
                yield StoryPair(a, b, similarity)


def _changed_partitions(signatures: SignatureBlock, result: StoryResult, before: Mapping):
    for signature in signatures:
        if before.get(signature.article_id) != result.story_of[signature.article_id]:
            yield partition_of(signature.published_date)


def _article_id(article: Article) -> str:
    return article.article_id


def _wanted_body(held: tuple[str, object], wanted: Mapping, profile: RunnerProfile):
    article_id, handle = held
    if article_id in wanted:
        yield article_id, profile.load(handle).body


def _write_marker(_, path: str) -> str:
    write_marker(path)
    return path


def _has_candidates(signature: Signature) -> bool:
    return bool(signature.minhash) and len(set(signature.minhash)) > 1  # an empty body: none


def _member_keys(signature: Signature):
    """A new article's band items: (band, (rows, (article_id, is_new)))."""
    if _has_candidates(signature):
        member = (signature.article_id, True)
        for band, rows in band_keys(signature.minhash):
            yield band, (rows, member)


def _kept_member_keys(signatures: SignatureBlock, new_keys: Mapping):
    """Published articles' band items, only in the buckets of a new article: the buckets
    without one give no pair (`_bucket_pairs`), so the published corpus is not banded again."""
    for band, rows, index in signatures.matches(new_keys):
        yield band, (rows, (signatures.article_ids[index], False))


def _kept_sketches(signatures: SignatureBlock, new_keys: Mapping):
    """The sketches of the published articles that share a bucket with a new one."""
    for index in sorted({index for _, _, index in signatures.matches(new_keys)}):
        yield signatures.article_ids[index], sketch(signatures.signature(index))


def _sketch_of(signature: Signature) -> tuple[str, bytes]:
    return signature.article_id, sketch(signature.minhash)


class BandBucketsFn(beam.CombineFn):
    """One band's (rows, (article_id, is_new)) items -> the pairs of its buckets that involve a
    new article (filtered on the 128-byte sketches next, in the same stage).

    A CombineFn per band (partial accumulators compacted, `RunnerProfile.combine`) rather than
    a GroupByKey per bucket, and ids without sketches in the buckets: a bucket per article and
    band is the job's largest shuffle, and the local runner keeps shuffles in the driver."""

    def create_accumulator(self) -> dict:
        return {}

    def add_input(self, accumulator: dict, item) -> dict:
        rows, member = item
        accumulator.setdefault(rows, []).append(member)
        return accumulator

    def merge_accumulators(self, accumulators: Iterable[dict]) -> dict:
        merged: dict = {}
        for accumulator in accumulators:
            for rows, members in accumulator.items():
                merged.setdefault(rows, []).extend(members)
        return merged

    def extract_output(self, accumulator: dict) -> list[tuple[str, str]]:
        return [pair for members in accumulator.values() if len(members) > 1
                for pair in _bucket_pairs(members)]  # fmt: skip


class GroupStories(beam.PTransform):
    """New articles (tagged) and `dropped` ((article_id, partition) of published articles this
    run removes) -> `held` (the new articles as (article_id, handle): they wait, in files on
    the local runner, for their story and topic, `LabelArticles`), `signatures` and
    `story_pairs` (this run's rows), `stories` (one list: every story), `result` (a singleton
    StoryResult), `partitions` (published partitions whose articles changed story) and
    `marker` (join it into the last step)."""

    def __init__(self, threshold: float, staging: str, previous: str | None = None, *,
                 profile: RunnerProfile):  # fmt: skip
        super().__init__()
        self._threshold = threshold
        self._marker = FileSystems.join(staging, STORIES_MARKER)
        self._profile = profile
        self._previous = previous
        files = (lambda name: published_files(previous, name)) if previous else (lambda _: [])
        self._files = {d.name: files(d.name) for d in (SIGNATURES, STORY_PAIRS, STORIES)}

    def _published(self, pipeline, dataset, reader, label: str):
        return (
            pipeline
            | f"{label}Files" >> beam.Create(self._files[dataset.name])
            | f"Read{label}" >> beam.FlatMap(reader)
        )

    def expand(self, inputs):
        new_articles, dropped = inputs
        new = new_articles | "Sign" >> beam.Map(signature_of)
        # The articles wait for the corpus' stories and topics (in files, on the local runner).
        held = self._profile.hold(new_articles, "HoldArticles", _article_id)
        # kept: lists of the published signatures this run keeps, one per file
        kept = self._kept(new_articles.pipeline, dropped) if self._previous else None
        band_items = new | "BandKeys" >> beam.FlatMap(_member_keys)
        sketches = new | "Sketches" >> beam.Map(_sketch_of)
        member_items = new | "MemberItems" >> beam.Map(lambda m: ("member", m))
        if kept is not None:
            new_keys = AsDict(band_items | "NewBandKeys" >> beam.Map(
                lambda item: ((item[0], item[1][0]), True)
            ))  # fmt: skip
            band_items = (
                band_items, kept | "KeptBandKeys" >> beam.FlatMap(_kept_member_keys, new_keys)
            ) | "BandItems" >> beam.Flatten()  # fmt: skip
            sketches = (
                sketches, kept | "KeptSketches" >> beam.FlatMap(_kept_sketches, new_keys)
            ) | "AllSketches" >> beam.Flatten()  # fmt: skip
            member_items = (
                member_items, kept | "KeptMemberItems" >> beam.Map(lambda m: ("members", Rows(m)))
            ) | "MemberLists" >> beam.Flatten()  # fmt: skip
        candidates = (
            band_items
            | "Buckets" >> beam.CombinePerKey(self._profile.combine(BandBucketsFn()))
            | "Candidates" >> beam.FlatMap(_likely, AsDict(sketches))
            | "DistinctCandidates" >> beam.Distinct()
        )
        new_pairs = self._confirm(candidates, held, kept)
        pairs = new_pairs if kept is None else self._with_kept_pairs(new_pairs, dropped)
        edges = pairs | "Edges" >> beam.FlatMap(
            lambda p, t: [("edge", (p.article_id_a, p.article_id_b))] if p.jaccard >= t else [],
            self._threshold,
        )  # fmt: skip
        result = (
            (member_items, edges)
            | "GroupItems" >> beam.Flatten()
            | "GroupStories" >> beam.CombineGlobally(self._profile.combine(GroupStoriesFn()))
        )
        if kept is None:  # a full run: no published article can change story
            changed = new_articles.pipeline | "NothingPublished" >> beam.Create([])
        else:
            changed = self._changed(kept, result)
        return Outputs(
            {
                "held": held,
                "signatures": new,
                "story_pairs": new_pairs,
                "stories": result | "StoryRows" >> beam.Map(lambda r: r.stories),
                "result": result,
                "partitions": changed,
                "marker": result | "MarkStories" >> beam.Map(_write_marker, self._marker),
            }
        )

    def _kept(self, pipeline, dropped):
        """The signatures of the published articles this run keeps, a list per file."""
        dropped_ids = dropped | "KeyDropped" >> beam.Map(lambda d: (d[0], True))
        return self._published(
            pipeline, SIGNATURES, _read_signatures, "Signatures"
        ) | "KeptSignatures" >> beam.FlatMap(_kept_signatures, AsDict(dropped_ids))

    def _with_kept_pairs(self, new_pairs, dropped):
        """This run's pairs and the published ones between articles it keeps."""
        dropped_ids = dropped | "DroppedIds" >> beam.Map(lambda d: (d[0], True))
        return (
            self._published(new_pairs.pipeline, STORY_PAIRS, _read_pairs, "Pairs")
            | "KeptPairs" >> beam.FlatMap(_not_dropped, AsDict(dropped_ids)),
            new_pairs,
        ) | "AllPairs" >> beam.Flatten()

    def _changed(self, kept, result):
        """The partitions whose published articles changed story."""
        before = self._published(
            kept.pipeline, STORIES, _read_stories, "Stories"
        ) | "StoriesBefore" >> beam.CombineGlobally(self._profile.combine(MergeDictsFn()))
        return (
            self._profile.separate(kept, "SeparateChanged")
            | "StoryChanged" >> beam.FlatMap(_changed_partitions, AsSingleton(result), AsSingleton(before))
            | "DistinctChanged" >> beam.Distinct()
        )  # fmt: skip

    def _confirm(self, candidates, held, kept):
        """Candidate pairs -> StoryPair rows at exact Jaccard >= 0.5 (bodies of published
        articles, when `kept`, read only for the candidates, by partition)."""
        wanted = (
            candidates
            | "WantedIds" >> beam.FlatMap(lambda pair: pair)
            | "DistinctWanted" >> beam.Distinct()
            | "KeyWanted" >> beam.Map(lambda article_id: (article_id, True))
        )
        bodies = self._profile.separate(held, "SeparateNew") | "NewWanted" >> beam.FlatMap(
            _wanted_body, AsDict(wanted), self._profile
        )
        if kept is not None:
            old_bodies = (
                self._profile.separate(kept, "SeparateKept")
                | "WantedPublished" >> beam.FlatMap(
                    lambda signatures, w: [(partition_of(s.published_date), s.article_id)
                                           for s in signatures if s.article_id in w],
                    AsDict(wanted),
                )
                | "ByPartition" >> beam.GroupByKey()
                | "ReadBodies" >> beam.ParDo(_ReadBodiesFn(self._previous or ""))
            )  # fmt: skip
            bodies = (bodies, old_bodies) | "Bodies" >> beam.Flatten()
        by_first = (
            {"pairs": candidates | "ByFirst" >> beam.Map(lambda p: (p[0], p)),
             "bodies": bodies}
            | "JoinFirst" >> beam.CoGroupByKey()
            | "PairWithFirst" >> beam.FlatMap(_pair_with_first)
        )  # fmt: skip
        return (
            {"pairs": by_first, "bodies": bodies}
            | "JoinSecond" >> beam.CoGroupByKey()
            | "Confirm" >> beam.FlatMap(_confirm)
        )


STORIES_MARKER = "_stories"  # below a run's staging directory: the run recomputed `stories`

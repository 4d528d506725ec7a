"""Topics: what the corpus is about, from the articles' keyphrases, in the Beam graph
(`DiscoverTopics`).

A topic groups stories, not copies (stories come from `GroupStories`): each story is one
document, the keyphrases of its first article (its `story_id`), and every article of a story
gets the story's topic. A story's features are its keyphrase keys and, for a multi-word key,
its words ("interest rate" -> "interest rate", "interest", "rate"), weighted by TF-IDF
(scikit-learn's `TfidfVectorizer`: sublinear term frequency, features in at least 2 stories and
at most half of them). Every run vectorizes the whole corpus (sorted by story id, so the order
of runs and files does not matter).

Fitting (`--mode full`, a first run, or a re-fit): the vectors reduced by LSA (`TruncatedSVD`,
at most 100 dimensions), then k-means (`KMeans`, `random_state` fixed, 4 initialisations) for
every candidate number of topics from 2 up to `sqrt(stories)` (and at most one topic per
`2 * MIN_TOPIC_STORIES` stories, and `MAX_TOPICS`; beyond 12,
values 1.25 times apart), keeping the number with the best mean cosine silhouette (measured on
at most 2,000 stories; a story in a cluster too small to be a topic scores 0): the corpus
chooses its number of topics. Past `FIT_SAMPLE` stories each candidate is fitted on the
silhouette's sample alone, and one k-means over every story starts from the best sample fit's
centres (`_cluster_sampled`): the fit costs what the sample costs plus one pass over the corpus.

A story belongs to its cluster when the cosine of its TF-IDF vector to the cluster's centroid
(the mean of its members' vectors) is at least `JOIN_SIMILARITY`; a cluster needs
`MIN_TOPIC_STORIES` such stories, and 3 label phrases (below), to be a topic; every other
story has no topic
(`topic_id` null). An incremental run does not re-fit: the published stories keep their topic,
and every story without one (new, or that fit none before) joins the topic whose centroid is
nearest when the cosine is at least `JOIN_SIMILARITY` (in up to `JOIN_ROUNDS` rounds: the
centroids are recomputed with the stories that joined, and the others try again). When more than `REFIT_UNASSIGNED_SHARE`
of the articles then have no topic, the run re-fits. After a re-fit, a new topic keeps the id
of the published topic it shares the most articles with when they share more than half of
the articles of each (a topic that keeps most of its articles keeps its id); any other topic
is named by the key of its first label phrase ("interest-rate"; "-2" when taken).

Labels: class-based TF-IDF over the full keys (a key's stories in the topic times
log(1 + mean keys per topic / its stories in all topics)), the 3 to 5 best keys found in at least
2 of the topic's stories (a key inside a better one, or holding it, is left out), each shown as
its most frequent surface form. The topic's top entities are named in most of its stories.

Every article's topic is also written on its `articles` row (`LabelArticles`,
transforms/corpus/articles.py): `DiscoverTopics` gives it `topic_of` and the published
partitions in which an article's topic changed, which the run re-emits.
"""

from __future__ import annotations

import collections
import datetime as dt
import functools
import math
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any, NamedTuple

import apache_beam as beam
import pyarrow.parquet as pq
from apache_beam.io.filesystems import FileSystems
from apache_beam.pvalue import AsSingleton

from schemas import (
    ARTICLE_TOPICS,
    KEYPHRASES,
    TOPICS,
    Article,
    ArticleTopic,
    EntityMention,
    Keyphrase,
    Rows,
    Topic,
    TopicDay,
    partition_of,
)
from transforms.io.published import published_files
from transforms.runner import Outputs, RunnerProfile

SEED = 20261203
MAX_TOPICS = 100
MIN_STORIES = 6  # fewer stories with features: no topics at all
MIN_TOPIC_STORIES = 3
JOIN_SIMILARITY = 0.15
REFIT_UNASSIGNED_SHARE = 0.3
JOIN_ROUNDS = 3
LSA_DIMENSIONS = 100
SILHOUETTE_SAMPLE = 2000
FIT_SAMPLE = SILHOUETTE_SAMPLE  # stories past which the number of topics is chosen on a sample
TOP_ENTITIES = 5
ARTICLE_ENTITIES = 5
CENTROID_TERMS = 100
LABEL_PHRASES = (3, 5)
_SLUG = re.compile(r"[^0-9a-z]+")


class TopicDoc(NamedTuple):
    """What topics need of one article."""

    article_id: str
    published_date: dt.date | None
    sentiment_compound: float | None
    keys: tuple[tuple[str, str, int], ...]  # (key, phrase, count) of its keyphrases
    entities: tuple[str, ...]
    topic_id: str | None = None  # published: its topic before this run
    published: bool = False


class TopicResult(NamedTuple):
    article_topics: list[ArticleTopic]
    topics: list[Topic]
    topic_daily: list[TopicDay]
    refitted: bool
    changed: list[str]  # the published articles whose topic this run changed


def features(keys: Iterable[tuple[str, str, int]]) -> list[str]:
    """A document's tokens for the vectorizer: each key `count` times, and its words (not
    stop words: "bank of england" -> "bank", "england")."""
    tokens: list[str] = []
    for key, _, count in keys:
        tokens.extend(_tokens_of(key) * max(count, 1))
    return tokens


@functools.lru_cache(maxsize=1 << 16)
def _tokens_of(key: str) -> tuple[str, ...]:
    """One occurrence of a key: the key, then its words when it has several that count (not
    stop words, not one letter). Keys recur across the corpus' stories: each is split once."""
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    parts = tuple(w for w in key.split(" ") if len(w) > 1 and w not in ENGLISH_STOP_WORDS)
    return (key, *parts) if len(parts) > 1 else (key,)


def _identity(tokens):
    return tokens


def _candidate_counts(n: int) -> list[int]:
    top = min(MAX_TOPICS, max(2, min(int(math.sqrt(n)), n // (2 * MIN_TOPIC_STORIES))), n - 1)
    ks = list(range(2, min(top, 12) + 1))
    k = 12
    while k < top:
        k = max(k + 1, round(k * 1.25))
        ks.append(min(k, top))
    return sorted(set(ks))


def _cluster(matrix) -> list[int]:
    """k-means labels of the rows of `matrix` (LSA-reduced), k chosen by silhouette."""
    from sklearn.cluster import KMeans
    from sklearn.decomposition import TruncatedSVD
    from sklearn.metrics import silhouette_samples
    from sklearn.preprocessing import normalize

    n, width = matrix.shape
    if width > 2 and n > 2:
        dimensions = min(LSA_DIMENSIONS, width - 1, n - 1)
        reduced = TruncatedSVD(dimensions, random_state=SEED).fit_transform(matrix)
        reduced = normalize(reduced)
    else:
        reduced = matrix.toarray()
    import numpy as np

    sample = np.arange(n)
    if n > SILHOUETTE_SAMPLE:
        sample = np.sort(np.random.default_rng(SEED).choice(n, SILHOUETTE_SAMPLE, replace=False))
    if n > FIT_SAMPLE:
        return _cluster_sampled(reduced, sample)
    best, best_score = None, -2.0
    for k in _candidate_counts(n):
        labels = KMeans(k, n_init=4, random_state=SEED).fit_predict(reduced)
        if not 2 <= len(set(labels[sample])) < len(sample):
            continue
        scores = silhouette_samples(reduced[sample], labels[sample], metric="cosine")
        sizes = np.bincount(labels)
        scores[sizes[labels[sample]] < MIN_TOPIC_STORIES] = 0.0  # too small to be a topic
        score = float(scores.mean())
        if score > best_score + 1e-9:
            best, best_score = labels, score
    return [int(x) for x in best] if best is not None else [0] * n


def _cluster_sampled(reduced, sample) -> list[int]:
    """Past `FIT_SAMPLE` stories: the number of topics is chosen on the sample (k-means and
    silhouette of every candidate fitted on its stories alone, a cluster's size scaled to the
    corpus), then one k-means over every story starts from the best sample fit's centres."""
    import numpy as np
    from sklearn.cluster import KMeans
    from sklearn.metrics import silhouette_samples

    n = reduced.shape[0]
    part = reduced[sample]
    best, best_score = None, -2.0
    for k in _candidate_counts(n):
        if k >= len(sample):
            break
        model = KMeans(k, n_init=4, random_state=SEED).fit(part)
        labels = model.labels_
        if not 2 <= len(set(labels)) < len(sample):
            continue
        scores = silhouette_samples(part, labels, metric="cosine")
        sizes = np.bincount(labels) * (n / len(sample))  # the cluster's size in the corpus
        scores[sizes[labels] < MIN_TOPIC_STORIES] = 0.0  # too small to be a topic
        score = float(scores.mean())
        if score > best_score + 1e-9:
            best, best_score = model, score
    if best is None:
        return [0] * n
    final = KMeans(best.n_clusters, init=best.cluster_centers_, n_init=1, random_state=SEED)
    return [int(x) for x in final.fit_predict(reduced)]


def _centroid(matrix, rows: Sequence[int]):
    import numpy as np

    vector = np.asarray(matrix[list(rows)].mean(axis=0)).ravel()
    norm = float(np.linalg.norm(vector))
    return vector / norm if norm else vector


def _label(members: Sequence[str], keys_of: Mapping[str, set[str]], document_keys, surfaces):
    """The best 3-5 keys of one topic by class-based TF-IDF (see the module docstring)."""
    counts = collections.Counter(k for story in members for k in keys_of[story])
    scored = []
    for key, n in counts.items():
        if n < 2:
            continue
        scored.append((-(n * math.log(1 + document_keys["mean"] / document_keys["all"][key])), key))
    scored.sort()
    chosen: list[str] = []
    for _, key in scored:
        words = set(key.split(" "))
        if any(words <= set(c.split(" ")) or set(c.split(" ")) <= words for c in chosen):
            continue
        chosen.append(key)
        if len(chosen) == LABEL_PHRASES[1]:
            break
    return chosen, [_surface(surfaces[key]) for key in chosen]


def _surface(forms: collections.Counter) -> str:
    """The most frequent form; of equally frequent ones, the one with fewer capitals (a
    sentence's first word is capitalized), then the first in order."""
    return min(forms, key=lambda f: (-forms[f], sum(c.isupper() for c in f), f))


def _slug(key: str) -> str:
    return _SLUG.sub("-", key.lower()).strip("-") or "topic"


def _match_ids(
    clusters: Mapping[int, list[str]], before: Mapping[str, str | None], label_keys, taken: set
) -> dict[int, str]:
    """Cluster (its articles) -> topic id: the id of the published topic sharing more than
    half of the articles of each, else a new one from its first label key."""
    before_sizes = collections.Counter(t for t in before.values() if t)
    overlaps = []
    for cluster, members in clusters.items():
        shared = collections.Counter(before.get(a) for a in members if before.get(a))
        for topic, n in shared.items():
            if n * 2 > len(members) and n * 2 > before_sizes[topic]:
                overlaps.append((-n, cluster, topic))
    ids: dict[int, str] = {}
    used: set[str] = set()
    for _, cluster, topic in sorted(overlaps):
        if cluster not in ids and topic not in used:
            ids[cluster] = topic
            used.add(topic)
    for cluster in sorted(clusters, key=lambda c: min(clusters[c])):
        if cluster in ids:
            continue
        base = _slug(label_keys[cluster][0]) if label_keys[cluster] else "topic"
        name, i = base, 1
        while name in used or name in taken:
            i += 1
            name = f"{base}-{i}"
        ids[cluster] = name
        used.add(name)
    return ids


def discover_topics(
    docs: Iterable[TopicDoc],
    story_of: Mapping[str, str],
    previous: Sequence[Topic] = (),
    *,
    refit: bool = True,
    before: Mapping[str, str | None] | None = None,
) -> TopicResult:
    """Every article's topic, the topics and their daily rollup (see the module docstring).
    With `refit` False and published topics, published stories keep theirs and others join the
    nearest; past `REFIT_UNASSIGNED_SHARE` without a topic, it re-fits anyway. A re-fit takes
    the ids of `before` (article_id -> its published topic; by default the published docs')."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    by_id = {d.article_id: d for d in docs}
    article_ids = sorted(by_id)
    stories: dict[str, list[str]] = collections.defaultdict(list)
    for article_id in article_ids:
        stories[story_of.get(article_id, article_id)].append(article_id)
    story_ids = sorted(stories)
    lead = {s: (s if s in by_id else stories[s][0]) for s in story_ids}
    tokens = [features(by_id[lead[s]].keys) for s in story_ids]
    with_features = [i for i, t in enumerate(tokens) if t]
    matrix = None
    if len(with_features) >= MIN_STORIES:
        vectorizer = TfidfVectorizer(
            analyzer=_identity, sublinear_tf=True, min_df=2, max_df=0.5, lowercase=False
        )
        try:
            matrix = vectorizer.fit_transform([tokens[i] for i in with_features])
            vocabulary = vectorizer.get_feature_names_out()
        except ValueError:  # no feature in 2 stories
            matrix = None
    assignment: dict[str, str | None] = {}  # story -> topic id
    similarity: dict[str, float] = {}
    topics_rows: list[Topic] = []
    refitted = False
    if matrix is not None and matrix.nnz:
        vectors = _DenseRows(matrix)
        rows = {story_ids[i]: r for r, i in enumerate(with_features)}
        published = {s: by_id[lead[s]].topic_id for s in story_ids if by_id[lead[s]].published}
        kept = {s: t for s, t in published.items() if t and s in rows}
        previous_ids = {t.topic_id for t in previous}
        clusters: dict[Any, list[str]] = collections.defaultdict(list)
        if previous and not refit and kept:
            for story, topic in kept.items():
                if topic in previous_ids:
                    clusters[topic].append(story)
            waiting = sorted(s for s in rows if s not in kept)
            for _ in range(JOIN_ROUNDS):  # centroids with the stories that joined, again
                clusters = _joined(vectors, rows, clusters, waiting)
                placed = {s for m in clusters.values() for s in m}
                still = [s for s in waiting if s not in placed]
                if not still or len(still) == len(waiting):
                    break
                waiting = still
            placed = {s for m in clusters.values() for s in m}
            unassigned = sum(len(stories[s]) for s in story_ids if s not in placed)
            if unassigned > REFIT_UNASSIGNED_SHARE * len(article_ids):
                refit = True
        else:
            refit = True
        if refit:
            refitted = True
            labels = _cluster(matrix)
            fitted: dict[int, list[str]] = collections.defaultdict(list)
            for story, r in rows.items():
                fitted[labels[r]].append(story)
            clusters = _thresholded(matrix, rows, fitted)
        clusters = {c: sorted(m) for c, m in clusters.items() if len(m) >= MIN_TOPIC_STORIES}
        keys_of = {s: {k for k, _, _ in by_id[lead[s]].keys} for s in story_ids}
        surfaces: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
        for doc in by_id.values():
            for key, phrase, count in doc.keys:
                surfaces[key][phrase] += count
        in_topics = collections.Counter(k for m in clusters.values() for s in m for k in keys_of[s])
        document_keys = {
            "all": in_topics,
            "mean": sum(in_topics.values()) / max(len(clusters), 1),
        }
        labels_of = {c: _label(m, keys_of, document_keys, surfaces) for c, m in clusters.items()}
        # A topic is named by at least 3 phrases its stories share: fewer, and it is none.
        clusters = {c: m for c, m in clusters.items() if len(labels_of[c][0]) >= LABEL_PHRASES[0]}
        if refitted:
            if before is None:
                before = {a: by_id[a].topic_id for a in article_ids if by_id[a].published}
            ids = _match_ids(
                {c: [a for s in m for a in stories[s]] for c, m in clusters.items()},
                before,
                {c: labels_of[c][0] for c in clusters},
                set(),
            )
        else:
            ids = {c: c for c in clusters}
        for cluster, members in clusters.items():
            centroid = _centroid(matrix, [rows[s] for s in members])
            topic_id = ids[cluster]
            for story in members:
                assignment[story] = topic_id
                similarity[story] = _cosine(vectors, rows[story], centroid)
            _, phrases = labels_of[cluster]
            topics_rows.append(_topic_row(topic_id, phrases, members, stories, by_id, centroid,
                                          vocabulary))  # fmt: skip
    return _result(by_id, article_ids, story_of, assignment, similarity, topics_rows, refitted)


class _DenseRows:
    """A CSR matrix's rows as dense vectors, each the one `matrix[row].toarray().ravel()` gives,
    without scipy's row indexing (about 60 µs a call: 0.5 s over 8,000 stories)."""

    def __init__(self, matrix):
        self.matrix = matrix
        check = matrix.copy()
        check.sum_duplicates()  # on a copy: the matrix's own order of entries stays
        self._plain = check.nnz == matrix.nnz  # no entry stored twice (toarray would sum them)

    def dense(self, row: int):
        import numpy as np

        matrix = self.matrix
        if not self._plain:
            return matrix[row].toarray().ravel()
        start, end = matrix.indptr[row], matrix.indptr[row + 1]
        vector = np.zeros(matrix.shape[1], dtype=matrix.dtype)
        vector[matrix.indices[start:end]] = matrix.data[start:end]
        return vector


def _cosine(vectors: _DenseRows, row: int, centroid) -> float:
    import numpy as np

    vector = vectors.dense(row)
    norm = float(np.linalg.norm(vector))
    return round(float(vector @ centroid) / norm, 6) if norm else 0.0


def _thresholded(matrix, rows, clusters: Mapping[int, list[str]]) -> dict[int, list[str]]:
    """Each cluster's stories whose cosine to the centroid of the cluster's other stories is
    at least `JOIN_SIMILARITY` (with itself counted, a cluster of m unrelated stories would
    give each about 1/sqrt(m)), repeated until no story leaves."""
    import numpy as np

    result = {}
    for cluster, members in clusters.items():
        kept = list(members)
        while len(kept) >= MIN_TOPIC_STORIES:
            vectors = matrix[[rows[s] for s in kept]].toarray()
            total = vectors.sum(axis=0)
            staying = []
            for story, vector in zip(kept, vectors, strict=True):
                others = total - vector
                norm = float(np.linalg.norm(others) * np.linalg.norm(vector))
                if norm and float(vector @ others) / norm >= JOIN_SIMILARITY:
                    staying.append(story)
            if len(staying) == len(kept):
                break
            kept = staying
        result[cluster] = kept
    return result


def _joined(vectors: _DenseRows, rows, clusters, candidates: Sequence[str]) -> dict:
    """`clusters` with each candidate story added to the nearest, when close enough."""
    centroids = {
        c: _centroid(vectors.matrix, [rows[s] for s in m]) for c, m in clusters.items() if m
    }
    result = {c: list(m) for c, m in clusters.items()}
    for story in sorted(candidates):
        best = max(
            ((_cosine(vectors, rows[story], v), c) for c, v in sorted(centroids.items())),
            default=None,
        )
        if best is not None and best[0] >= JOIN_SIMILARITY:
            result[best[1]].append(story)
    return result


def _topic_row(topic_id, phrases, members, stories, by_id, centroid, vocabulary) -> Topic:
    articles = [a for s in members for a in stories[s]]
    dates = [by_id[a].published_date for a in articles if by_id[a].published_date]
    entity_stories = collections.Counter(
        e for s in members for e in {e for a in stories[s] for e in by_id[a].entities}
    )
    top = sorted(entity_stories.items(), key=lambda item: (-item[1], item[0]))[:TOP_ENTITIES]
    order = sorted(range(len(centroid)), key=lambda i: (-centroid[i], vocabulary[i]))
    order = [i for i in order[:CENTROID_TERMS] if centroid[i] > 0]
    return Topic(
        topic_id=topic_id,
        label=", ".join(phrases),
        phrases=tuple(phrases),
        articles=len(articles),
        stories=len(members),
        first_date=min(dates) if dates else None,
        last_date=max(dates) if dates else None,
        top_entities=tuple(e for e, _ in top),
        terms=tuple(str(vocabulary[i]) for i in order),
        weights=tuple(round(float(centroid[i]), 6) for i in order),
    )


def _spread(scores: list[float]) -> tuple[float | None, float | None]:
    if not scores:
        return None, None
    mean = math.fsum(scores) / len(scores)
    return mean, math.sqrt(math.fsum((s - mean) ** 2 for s in scores) / len(scores))


def _result(by_id, article_ids, story_of, assignment, similarity, topics_rows, refitted):
    article_rows, changed = [], []
    daily: dict[tuple, list] = collections.defaultdict(list)
    for article_id in article_ids:
        doc = by_id[article_id]
        story = story_of.get(article_id, article_id)
        topic = assignment.get(story)
        if doc.published and topic != doc.topic_id:
            changed.append(article_id)
        article_rows.append(ArticleTopic(
            article_id, topic, similarity.get(story) if topic else None, story,
            doc.published_date, doc.sentiment_compound, doc.entities,
        ))  # fmt: skip
        if topic:
            daily[(doc.published_date, topic)].append((story, doc.sentiment_compound))
    days = []
    for (date, topic), items in daily.items():
        mean, std = _spread([score for _, score in items if score is not None])
        days.append(TopicDay(date, topic, len(items), len({s for s, _ in items}), mean, std))
    days.sort(key=lambda d: (d.published_date is None, d.published_date or dt.date.min,
                             d.topic_id))  # fmt: skip
    topics_rows.sort(key=lambda t: (-t.stories, t.topic_id))
    return TopicResult(Rows(article_rows), Rows(topics_rows), Rows(days), refitted, changed)


# --- in the Beam graph ---


def _doc_parts_of_article(article: Article):
    yield "article", (article.article_id, article.published_date, article.sentiment_compound)


def _doc_parts_of_keyphrases(rows: Sequence[Keyphrase]):
    if rows:
        yield "keys", (rows[0].article_id, tuple((k.key, k.phrase, k.count) for k in rows))


def _doc_parts_of_mentions(mentions: Sequence[EntityMention], excluded: frozenset[str]):
    counts = collections.Counter(m.canonical for m in mentions if m.label not in excluded)
    if mentions and counts:
        top = sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:ARTICLE_ENTITIES]
        yield "entities", (mentions[0].article_id, tuple(name for name, _ in top))


def _read_published_topics(path: str) -> Iterator[tuple[str, Rows]]:
    with FileSystems.open(path) as handle:
        table = pq.read_table(handle, schema=ARTICLE_TOPICS.schema)
    yield "published", Rows(TopicDoc(
        row["article_id"], row["published_date"], row["sentiment_compound"], (),
        tuple(row["entities"] or ()), row["topic_id"], True,
    ) for row in table.to_pylist())  # fmt: skip


def _read_published_keys(path: str) -> Iterator[tuple[str, Rows]]:
    with FileSystems.open(path) as handle:
        table = pq.read_table(handle, columns=["article_id", "key", "phrase", "count", "rank"])
    by_article: dict[str, list] = collections.defaultdict(list)
    for a, key, phrase, count, rank in zip(*table.to_pydict().values(), strict=True):
        by_article[a].append((rank, key, phrase, count))
    yield (
        "published_keys",
        Rows(
            (a, tuple((k, p, c) for _, k, p, c in sorted(items))) for a, items in by_article.items()
        ),
    )


def _read_topic_ids(path: str) -> Iterator[tuple[str, Rows]]:
    with FileSystems.open(path) as handle:
        table = pq.read_table(handle, columns=["article_id", "topic_id"])
    yield "before", Rows(zip(*table.to_pydict().values(), strict=True))


def _read_previous_topics(path: str) -> Iterator[tuple[str, Rows]]:
    with FileSystems.open(path) as handle:
        table = pq.read_table(handle, schema=TOPICS.schema)
    yield "topics", Rows(
        Topic(**{**row, **{f: tuple(row[f] or ()) for f in ("phrases", "top_entities", "terms",
                                                            "weights")}})
        for row in table.to_pylist()
    )  # fmt: skip


class TopicDocsFn(beam.CombineFn):
    """The parts of the new articles' TopicDocs and the dropped published ids -> those parts by
    kind (`topic_docs` makes the docs of them once the published parts are added)."""

    def create_accumulator(self):
        return collections.defaultdict(list)

    def add_input(self, accumulator, item):
        kind, value = item
        accumulator[kind].append(value)
        return accumulator

    def merge_accumulators(self, accumulators):
        merged = collections.defaultdict(list)
        for accumulator in accumulators:
            for kind, values in accumulator.items():
                merged[kind].extend(values)
        return merged

    def extract_output(self, accumulator):
        return dict(accumulator)


def topic_docs(parts: Mapping[str, Sequence]) -> tuple[Rows, Rows, dict | None]:
    """Parts by kind (the new articles' and the published ones) -> (every article's TopicDoc
    by id, the published topics, the earlier topic ids or None)."""
    dropped = set(parts.get("dropped", ()))
    keys = dict(parts.get("published_keys", ()))
    keys.update(parts.get("keys", ()))
    entities = dict(parts.get("entities", ()))
    docs = {
        d.article_id: d._replace(keys=keys.get(d.article_id, ()))
        for d in parts.get("published", ()) if d.article_id not in dropped
    }  # fmt: skip
    for article_id, date, tone in parts.get("article", ()):
        docs[article_id] = TopicDoc(
            article_id, date, tone, keys.get(article_id, ()), entities.get(article_id, ())
        )
    before = dict(parts["before"]) if "before" in parts else None
    return Rows(docs[a] for a in sorted(docs)), Rows(parts.get("topics", ())), before


def _published_parts(reads: Sequence[tuple[Any, str]]) -> dict[str, list]:
    """The parts read from published files: each (reader, path) in turn. Read where the topics
    are found (one worker), they cross no stage boundary."""
    parts: dict[str, list] = collections.defaultdict(list)
    for reader, path in reads:
        for kind, rows in reader(path):
            parts[kind].extend(rows)
    return parts


def _discover(new_parts, story_result, full: bool, reads=()) -> TopicResult:
    parts = {**_published_parts(reads), **new_parts}
    docs, previous, before = topic_docs(parts)
    return discover_topics(
        docs, story_result.story_of, previous, refit=full or not previous, before=before
    )


def _topic_of(result: TopicResult) -> dict[str, str | None]:
    return {row.article_id: row.topic_id for row in result.article_topics}


def _changed_partitions(result: TopicResult) -> set[tuple[int, int]]:
    changed = set(result.changed)
    return {partition_of(row.published_date)
            for row in result.article_topics if row.article_id in changed}  # fmt: skip


class DiscoverTopics(beam.PTransform):
    """(tagged articles, their keyphrases and mentions, dropped published articles, the
    StoryResult) -> `article_topics`, `topics` and `topic_daily` (one list each, the whole
    corpus), `topic_of` (a singleton: article_id -> topic_id, for `articles.topic_id`) and
    `partitions` (published partitions whose articles changed topic)."""

    def __init__(self, previous: str | None, exclude_labels: Iterable[str] = (), *,
                 earlier: str | None = None, profile: RunnerProfile):  # fmt: skip
        """`previous`: the published version an incremental run builds on; `earlier`: the
        published version a full run replaces (only its topic ids are read, so that a re-fit
        keeps them)."""
        super().__init__()
        self._previous = previous
        self._earlier = earlier if previous is None else None
        self._exclude = frozenset(exclude_labels)
        self._profile = profile
        files = (lambda name: published_files(previous, name)) if previous else (lambda _: [])
        self._files = {d.name: files(d.name) for d in (ARTICLE_TOPICS, KEYPHRASES, TOPICS)}
        self._earlier_files = (
            published_files(self._earlier, ARTICLE_TOPICS.name) if self._earlier else []
        )

    def expand(self, inputs):
        articles, keyphrases, mentions, dropped, story_result = inputs
        parts = [
            articles | "ArticleParts" >> beam.FlatMap(_doc_parts_of_article),
            keyphrases | "KeyParts" >> beam.FlatMap(_doc_parts_of_keyphrases),
            mentions | "EntityParts" >> beam.FlatMap(_doc_parts_of_mentions, self._exclude),
        ]
        reads: list[tuple[Any, str]] = []
        if self._previous is not None:
            for dataset, reader in ((ARTICLE_TOPICS, _read_published_topics),
                                    (KEYPHRASES, _read_published_keys),
                                    (TOPICS, _read_previous_topics)):  # fmt: skip
                reads.extend((reader, path) for path in self._files[dataset.name])
            parts.append(dropped | "DroppedParts" >> beam.Map(lambda d: ("dropped", d[0])))
        else:
            reads.extend((_read_topic_ids, path) for path in self._earlier_files)
        result = (
            parts
            | "TopicParts" >> beam.Flatten()
            | "TopicDocs" >> beam.CombineGlobally(self._profile.combine(TopicDocsFn()))
            | "Discover" >> beam.Map(
                _discover, AsSingleton(story_result), self._previous is None, reads
            )
        )
        return Outputs(
            {
                "article_topics": result
                | "ArticleTopicRows" >> beam.Map(lambda r: r.article_topics),
                "topics": result | "TopicRows" >> beam.Map(lambda r: r.topics),
                "topic_daily": result | "TopicDayRows" >> beam.Map(lambda r: r.topic_daily),
                "topic_of": result | "TopicOf" >> beam.Map(_topic_of),
                "partitions": result | "TopicChanged" >> beam.FlatMap(_changed_partitions),
            }
        )

"""In-memory records. Each output record's fields match its dataset schema in `datasets.py`."""

from __future__ import annotations

import datetime as dt
import functools
from typing import NamedTuple


class ParsedArticle(NamedTuple):
    """A raw file after decoding and header parsing, before any NLP."""

    article_id: str
    source_path: str
    title: str | None
    published_date: dt.date | None
    published_at: dt.datetime | None
    authors: tuple[str, ...]
    source_name: str | None
    url: str | None
    language: str | None
    header_format: str
    header_extra: tuple[tuple[str, str], ...]
    body: str
    warnings: tuple[str, ...]


class Article(NamedTuple):
    """One row of the `articles` dataset (partition columns are added by the writer)."""

    article_id: str
    source_path: str
    title: str | None
    published_date: dt.date | None
    published_at: dt.datetime | None
    authors: tuple[str, ...]
    source_name: str | None
    url: str | None
    language: str | None
    header_format: str
    header_extra: tuple[tuple[str, str], ...]
    body: str
    word_count: int
    sentence_count: int
    entity_count: int
    sentiment_compound: float | None
    sentiment_positive: float | None
    sentiment_negative: float | None
    sentiment_neutral: float | None
    title_sentiment_compound: float | None
    warnings: tuple[str, ...]
    model: str
    pipeline_version: str
    run_id: str
    processed_at: dt.datetime
    story_id: str = ""  # the article_id that names its story (transforms/corpus/stories.py)
    topic_id: str | None = None  # its story's topic; None: none (transforms/corpus/topics.py)


class EntityMention(NamedTuple):
    """One row of the `entities` dataset: a named-entity mention in a title or body."""

    article_id: str
    field: str
    text: str
    label: str
    start_char: int
    end_char: int
    sentence_index: int
    paragraph_index: int  # 0 for the title and the body's first paragraph
    sentence_sentiment_compound: float | None
    canonical: (
        str  # stable key of the entity named, across the corpus (transforms/tagging/entity_keys.py)
    )
    canonical_label: str  # its label across the corpus (transforms/corpus/names.py)
    published_date: dt.date | None
    country_code: str | None = None  # GPE/LOC mentions resolved to a place; None otherwise
    place_id: str | None = None
    place_name: str | None = None
    place_kind: str | None = None  # country | region | city | multinational
    latitude: float | None = None
    longitude: float | None = None
    place_method: str | None = None  # qualifier | unique | context | prior | unresolved
    canonical_method: str = "as_written"  # in_article | corpus | alias | as_written
    article_canonical: str = ""  # the key within the article, before the corpus-level steps
    article_label: str = ""  # the label within the article (label table applied)
    evidence: int = 0  # cue bits from the words around it (transforms/tagging/evidence.py)
    label_method: str = (
        "article"  # how canonical_label was decided: article | majority | evidence | gazetteer
    )
    name: str = ""  # the canonical key as people write it: its most frequent surface form


class Quote(NamedTuple):
    """One row of `quotes`: a quotation in a title or body, and who said it
    (transforms/tagging/quotes.py)."""

    article_id: str
    field: str
    kind: str  # direct: words inside quotation marks
    start_char: int  # the quoted words, inside the marks (offsets as in `entities`)
    end_char: int
    text: str
    speaker_text: str | None  # the mention naming the speaker, as written (name, role, pronoun)
    speaker_start: int | None
    speaker_end: int | None
    speaker: str | None  # canonical key of the resolved speaker, as in `entities`
    speaker_label: str | None
    cue: str | None  # the reporting verb's lemma: say, tell, add, according to, ...
    sentence_index: int
    sentiment_compound: float | None  # VADER on the quoted words
    published_date: dt.date | None


class SpeakerDay(NamedTuple):
    """One row of `speaker_daily`: one resolved speaker on one publication date."""

    published_date: dt.date | None
    speaker: str  # as `quotes.speaker` (the entity's key in `entities`)
    speaker_label: str
    quotations: int
    articles: int
    stories: int  # distinct stories among those articles
    sentiment_mean: float | None  # mean VADER compound of the quoted words
    sentiment_std: float | None  # population standard deviation


class ErrorRecord(NamedTuple):
    """One row of the `errors` dataset: an input that could not become an article."""

    source_path: str
    error_code: str
    message: str
    run_id: str


class DuplicateRecord(NamedTuple):
    """One row of the `duplicates` dataset: an input whose article is already in `articles`."""

    article_id: str
    source_path: str
    duplicate_of: str  # source_path of the row kept in `articles`
    run_id: str


class PublishedArticle(NamedTuple):
    """An article already in the published version that this run keeps: a new copy of it
    becomes a duplicate of `source_path` (the path as this run publishes it)."""

    article_id: str
    source_path: str


class ArticleEntity(NamedTuple):
    """One row of `article_entities`: how one article treats one canonical entity."""

    article_id: str
    canonical: str
    label: str
    mentions: int
    first_position: str  # title | first_paragraph | later
    sentences: int  # distinct scored sentences that mention it
    sentiment_mean: float | None  # mean VADER compound of those sentences
    published_date: dt.date | None
    name: str = ""  # the key as people write it (its most frequent surface form)
    quotes: int = 0  # the article's quotations whose resolved speaker is this entity


class EntityDay(NamedTuple):
    """One row of `entity_daily`: one canonical entity on one publication date."""

    published_date: dt.date | None
    canonical: str
    label: str
    articles: int
    stories: int  # distinct stories among those articles (republished copies count once)
    mentions: int
    sentences: int
    sentiment_mean: float | None
    sentiment_std: float | None  # population standard deviation of the sentence scores
    name: str = ""  # the key as people write it (its most frequent surface form)
    quotes: int = 0  # that day's quotations whose resolved speaker is this entity


class EntityPairDay(NamedTuple):
    """One row of `entity_pairs_daily`: two canonical entities named together on one date."""

    published_date: dt.date | None
    canonical_a: str  # the pair is ordered: (canonical_a, label_a) < (canonical_b, label_b)
    label_a: str
    canonical_b: str
    label_b: str
    articles: int  # articles that name both
    stories: int  # distinct stories among those articles
    sentences: int  # sentences that name both
    name_a: str = ""  # the keys as people write them (`name` in `entity_daily`)
    name_b: str = ""


class InputFile(NamedTuple):
    """One row of a version's `_inputs` table: an input file whose rows the version holds."""

    path: str
    size: int
    sha256: str
    run_id: str = ""  # the run whose rows for this file are published
    modified: float | None = None  # the listing's modification time when it was hashed


class PlaceDay(NamedTuple):
    """One row of `place_daily`: one resolved place on one publication date."""

    published_date: dt.date | None
    country_code: str | None
    place_id: str
    place_name: str
    place_kind: str
    latitude: float | None
    longitude: float | None
    articles: int
    mentions: int
    sentences: int  # distinct scored sentences naming it
    sentiment_mean: float | None


class EntityNameDay(NamedTuple):
    """One row of `entity_names`: how often one name (keyed within its articles) carries one
    label on one date. The corpus-level label and surname links are computed from these."""

    published_date: dt.date | None
    article_canonical: str
    article_label: str
    articles: int
    mentions: int
    evidence: tuple[int, ...] = ()  # mentions with each cue (transforms/tagging/evidence.py CUES)
    surfaces: tuple[tuple[str, int], ...] = ()  # (surface form, mentions) as written


class Signature(NamedTuple):
    """One row of `signatures`: what story grouping keeps of a published article."""

    article_id: str
    published_date: dt.date | None
    title: str | None
    source_name: str | None
    minhash: tuple[int, ...]  # MinHash of the body's word 5-shingles (transforms/corpus/stories.py)


class Keyphrase(NamedTuple):
    """One row of `keyphrases`: one of an article's best phrases (transforms/tagging/keyphrases.py)."""

    article_id: str
    rank: int  # 1 = best
    phrase: str  # its most frequent surface form in the article
    key: str  # lower-cased, common nouns lemmatized: groups the forms of one phrase
    score: float
    count: int  # occurrences in the title and body
    published_date: dt.date | None


class ArticleTopic(NamedTuple):
    """One row of `article_topics`: an article's topic (transforms/corpus/topics.py), and what
    the topics need of it on the next run (its story, date, tone and main entities)."""

    article_id: str
    topic_id: str | None  # None: the article fits no topic
    similarity: float | None  # cosine of its story to the topic's centroid
    story_id: str
    published_date: dt.date | None
    sentiment_compound: float | None
    entities: tuple[str, ...]  # its most mentioned entities' keys, most first


class Topic(NamedTuple):
    """One row of `topics`: a group of stories about one subject."""

    topic_id: str  # the key of its first label phrase when it was first found
    label: str  # its most characteristic phrases, joined by ", "
    phrases: tuple[str, ...]  # the same, 3 to 5 phrases
    articles: int
    stories: int
    first_date: dt.date | None
    last_date: dt.date | None
    top_entities: tuple[str, ...]  # named in most of its stories, most first
    terms: tuple[str, ...]  # its centroid (TF-IDF features): what a new article is matched to
    weights: tuple[float, ...]


class TopicDay(NamedTuple):
    """One row of `topic_daily`: a topic's articles on one day."""

    published_date: dt.date | None
    topic_id: str
    articles: int
    stories: int
    sentiment_mean: float | None
    sentiment_std: float | None


class StoryPair(NamedTuple):
    """One row of `story_pairs`: two articles whose bodies share at least half their
    shingles (exact Jaccard), article_id_a < article_id_b."""

    article_id_a: str
    article_id_b: str
    jaccard: float


class Story(NamedTuple):
    """One row of `stories`: a group of articles that are copies or light edits of one story."""

    story_id: str  # the smallest article_id of the group
    first_date: dt.date | None
    last_date: dt.date | None
    articles: int
    sources: tuple[str, ...]
    headline: str | None  # the title of the first member (earliest date, then article_id)
    article_ids: tuple[str, ...]


class Rows(list):
    """A list of records that crosses a stage boundary as one pickle.

    Beam's default coder (FastPrimitivesCoder, on every Python runner) encodes a plain list item
    by item and pickles each item it has no code for (each NamedTuple row) on its own, whenever
    an element is encoded: at stage boundaries and when Beam samples a step's output size
    (~1,100 `pickle.dumps` per article before this type). A `Rows` is a plain list to every
    reader, but the coder does not know its type, so it pickles the whole list at once.

    Rows of one NamedTuple type pickle as the type and plain tuples: the pickle module then
    runs in C, where each NamedTuple would call back into Python (`__getnewargs__` to pickle,
    the class's `__new__` to unpickle): an article's mentions pickle about twice as fast."""

    __slots__ = ()

    def __reduce__(self):
        kind = type(self[0]) if self else None
        homogeneous = kind is not None and all(type(row) is kind for row in self)
        if homogeneous and kind is not tuple and issubclass(kind, tuple):
            return _rows_of, (kind, [tuple(row) for row in self])
        return Rows, (list(self),)


def _rows_of(kind: type, values: list[tuple]) -> Rows:
    return Rows(map(functools.partial(tuple.__new__, kind), values))

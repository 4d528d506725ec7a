"""The spaCy + VADER tagger: named entities (spaCy) and sentence-level sentiment (VADER).

Each article is tagged by the spaCy model configured for its language; articles in a language
with no model keep their row, with no entities and null sentiment. VADER scores English only.
Document sentiment is the unweighted mean of the VADER scores of the body's sentences
(compound, positive, negative and neutral each averaged separately); the title is scored alone.
Bodies longer than `CHUNK_CHARS` are tagged in chunks cut at paragraph breaks, with offsets
mapped back onto the whole body. spaCy runs in minibatches of `SPACY_BATCH_TEXTS` texts (the
fastest measured; see docs/performance.md).

spaCy itself (1.4 s to import) is imported only where a model is loaded or run: the driver of a
run with worker processes configures and pickles this tagger but never tags.
"""

from __future__ import annotations

import bisect
import collections
import dataclasses
import datetime as dt
import functools
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from importlib import metadata
from pathlib import Path
from typing import Any, NamedTuple

from schemas import Article, EntityMention, ParsedArticle, Quote
from transforms.tagging.base import ArticleTagger, TaggedArticle
from transforms.tagging.entity_keys import (
    IN_ARTICLE,
    AliasTable,
    canonical_names,
    load_aliases,
)
from transforms.tagging.evidence import PLACE_NAME, display_form, doc_evidence
from transforms.tagging.keyphrases import DEFAULT_KEYPHRASES, keyphrase_rows
from transforms.tagging.keyphrases import extract as extract_keyphrases
from transforms.tagging.places import (
    PLACE_LABELS,
    Gazetteer,
    Resolved,
    gazetteer_version,
    load_gazetteer,
    major_places,
    place_key,
    resolve_places,
)
from transforms.tagging.quotes import Mention, find_quotes
from transforms.tagging.spacy_models import (
    load_nlp,
    model_id,
    model_meta_id,
    register_paragraph_breaks,
)

PIPELINE_VERSION = metadata.version("newsbeam")
CHUNK_CHARS = 100_000
SPACY_BATCH_TEXTS = 32
UNTAGGED_MODEL = "untagged"
SENTIMENT_LANGUAGE = "en"
_PARAGRAPH_BREAK = re.compile(r"\n\n")
LONG_RUN_CHARS = 1_000
_LONG_RUN = re.compile(rf"\S{{{LONG_RUN_CHARS},}}")


class LoadedModel(NamedTuple):
    """A loaded spaCy pipeline and what it is used for."""

    nlp: Any
    model: str  # name-version, stored in every row
    analyzer: Any | None  # VADER, for English pipelines only
    tags_entities: bool
    lemmatizer: Any | None = None  # the model's rule lemmatizer, for keyphrase keys


class _FieldResult(NamedTuple):
    """Sentences, sentiment and entities of one text (a title, or a body from its chunks)."""

    sentence_starts: list[int]
    sentence_scores: list[dict[str, float]]
    entities: list[tuple[str, str, int, int, int]]  # text, label, start, end, evidence bits
    words: int


def load_model(model_name: str) -> LoadedModel:
    nlp = load_nlp(model_name)
    analyzer = None
    if nlp.lang == SENTIMENT_LANGUAGE:
        from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

        analyzer = SentimentIntensityAnalyzer()
    lemmatizer = nlp.get_pipe("lemmatizer") if "lemmatizer" in nlp.component_names else None
    return LoadedModel(nlp, model_id(nlp), analyzer, True, lemmatizer)


@functools.cache
def untagged_model() -> LoadedModel:
    """For languages with no model: a multilingual tokenizer and sentencizer, no entities.
    Built on first use, once per process."""
    import spacy

    nlp = spacy.blank("xx")
    nlp.add_pipe(register_paragraph_breaks())
    nlp.add_pipe("sentencizer")
    return LoadedModel(nlp, UNTAGGED_MODEL, None, False)


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
    from spacy.attrs import IS_PUNCT, IS_SPACE  # spaCy is imported where it runs (module doc)

    if not len(doc):
        return 0
    flags = doc.to_array([IS_PUNCT, IS_SPACE])
    return int(len(doc) - (flags.max(axis=1) > 0).sum())


def _analyse(docs_with_offsets: Iterable[tuple[Any, int]], model: LoadedModel) -> _FieldResult:
    starts: list[int] = []
    scores: list[dict[str, float]] = []
    entities: list[tuple[str, str, int, int, int]] = []
    words = 0
    for doc, offset in docs_with_offsets:
        for sentence in doc.sents:
            text = sentence.text
            if text.strip():
                starts.append(offset + sentence.start_char)
                if model.analyzer is not None:
                    scores.append(model.analyzer.polarity_scores(text))
        if model.tags_entities and (ents := doc.ents):
            spans = [(e.text, e.label_, e.start_char, e.end_char, e.start, e.end) for e in ents]
            bits = doc_evidence(doc, [s[4] for s in spans], [s[5] for s in spans])
            entities.extend(
                (text, label, offset + start, offset + end, cues)
                for (text, label, start, end, _, _), cues in zip(spans, bits, strict=True)
            )
        words += count_words(doc)
    return _FieldResult(starts, scores, entities, words)


def _places(found: list, article: ParsedArticle, gazetteer: Gazetteer) -> list[Resolved | None]:
    """GPE and LOC mentions resolved together (transforms/tagging/places.py); None for the others."""
    positions = [i for i, (_, (_, label, *_)) in enumerate(found) if label in PLACE_LABELS]
    resolved = resolve_places(
        [(found[i][1][0], found[i][0], found[i][1][2], found[i][1][3]) for i in positions],
        {"title": article.title or "", "body": article.body},
        gazetteer,
    )
    places: list[Resolved | None] = [None] * len(found)
    for i, result in zip(positions, resolved, strict=True):
        places[i] = result
    return places


def _place_fields(resolved: Resolved | None) -> dict:
    if resolved is None:
        return {}
    place = resolved.place
    if place is None:
        return {"place_method": resolved.method}
    return {"country_code": place.country_code, "place_id": place.place_id,
            "place_name": place.name, "place_kind": place.kind, "latitude": place.latitude,
            "longitude": place.longitude, "place_method": resolved.method}  # fmt: skip


def _mentions(
    fields: Sequence[tuple[str, _FieldResult]],
    article: ParsedArticle,
    aliases: AliasTable,
    gazetteer: Gazetteer,
) -> list[EntityMention]:
    """The article's mentions, title first; canonical names and places are resolved over all
    of them."""
    found = [(field, entity) for field, result in fields for entity in result.entities]
    places_named = major_places(gazetteer)
    evidence = [
        cues | (PLACE_NAME if place_key(text) in places_named else 0)
        for _, (text, _, _, _, cues) in found
    ]
    names = canonical_names([(text, label) for _, (text, label, *_) in found], aliases, evidence)
    evidence = [  # a name linked to a person's full name is no place ("Bush", "Dudley")
        cues & ~PLACE_NAME if name.method == IN_ARTICLE else cues
        for cues, name in zip(evidence, names, strict=True)
    ]
    places = _places(found, article, gazetteer)
    paragraph_starts = [0, *(m.end() for m in _PARAGRAPH_BREAK.finditer(article.body))]
    results = dict(fields)
    mentions = []
    for (field, (text, label, start, end, _)), name, place, cues in zip(
        found, names, places, evidence, strict=True
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
                canonical=name.canonical,
                canonical_label=name.label,
                published_date=article.published_date,
                **_place_fields(place),
                canonical_method=name.method,
                article_canonical=name.canonical,
                article_label=name.label,
                evidence=cues,
                name=display_form(text, name.label),
            )
        )
    return mentions


def _quotes(
    fields: Sequence[tuple[str, _FieldResult]], article: ParsedArticle,
    mentions: Sequence[EntityMention], model: LoadedModel,
) -> list[Quote]:  # fmt: skip
    """The article's quotations (transforms/tagging/quotes.py), title first; English only (the
    reporting verbs are English). The speaker's key is the one its mention has here, within
    the article; transforms/corpus/quotes.py gives it the corpus-level key of `entities`."""
    if model.analyzer is None:
        return []
    rows = []
    for field, result in fields:
        text = (article.title or "") if field == "title" else article.body
        own = [m for m in mentions if m.field == field]
        found = find_quotes(
            text,
            [Mention(m.start_char, m.end_char, m.article_label, m.article_canonical) for m in own],
        )
        for quote in found:
            speaker = own[quote.speaker] if quote.speaker is not None else None
            words = text[quote.start : quote.end]
            named = quote.speaker_start is not None
            rows.append(
                Quote(
                    article_id=article.article_id,
                    field=field,
                    kind="direct",
                    start_char=quote.start,
                    end_char=quote.end,
                    text=words,
                    speaker_text=text[quote.speaker_start : quote.speaker_end] if named else None,
                    speaker_start=quote.speaker_start,
                    speaker_end=quote.speaker_end,
                    speaker=speaker.article_canonical if speaker else None,
                    speaker_label=speaker.article_label if speaker else None,
                    cue=quote.cue,
                    sentence_index=max(
                        bisect.bisect_right(result.sentence_starts, quote.start) - 1, 0
                    ),
                    sentiment_compound=model.analyzer.polarity_scores(words)["compound"],
                    published_date=article.published_date,
                )
            )
    return rows


def _mean(scores: Sequence[dict[str, float]], key: str) -> float | None:
    return sum(score[key] for score in scores) / len(scores) if scores else None


def _blank_long_runs(text: str) -> str:
    """The text with every run of `LONG_RUN_CHARS`+ characters without a space blanked out
    (same length, so offsets hold): spaCy's tokenizer takes quadratic time on such a "word"
    (a 100,000-character run takes minutes), and no word or URL is that long."""
    return (
        _LONG_RUN.sub(lambda match: " " * len(match[0]), text) if _LONG_RUN.search(text) else text
    )


def _tag_with(
    model: LoadedModel, articles: Sequence[ParsedArticle], keyphrases: int = 0
) -> list[tuple[_FieldResult, _FieldResult | None, list]]:
    """Runs one spaCy call over every title and body chunk of the batch."""
    texts: list[tuple[str, tuple[int, str, int]]] = []
    for position, article in enumerate(articles):
        texts.extend(
            (_blank_long_runs(piece), (position, "body", offset))
            for offset, piece in chunks(article.body)
        )
        if article.title:
            texts.append((_blank_long_runs(article.title), (position, "title", 0)))
    parts: dict[tuple[int, str], list] = collections.defaultdict(list)
    for doc, (position, field, offset) in model.nlp.pipe(
        texts, as_tuples=True, batch_size=SPACY_BATCH_TEXTS
    ):
        parts[(position, field)].append((doc, offset))
    return [
        (
            _analyse(parts[(position, "body")], model),
            _analyse(parts[(position, "title")], model) if article.title else None,
            _keyphrases(model, parts, position, keyphrases),
        )
        for position, article in enumerate(articles)
    ]


def _keyphrases(model: LoadedModel, parts, position: int, limit: int) -> list:
    """The article's best phrases from the docs just made (transforms/tagging/keyphrases.py)."""
    if limit <= 0 or not model.tags_entities:
        return []
    fields = [(field, [doc for doc, _ in parts[(position, field)]]) for field in ("title", "body")]
    return extract_keyphrases(fields, limit, model.lemmatizer)


def _article_warnings(article: ParsedArticle, model: LoadedModel) -> tuple[str, ...]:
    warnings = list(article.warnings)
    if not model.tags_entities:
        warnings.append(
            f"language_unsupported: no spaCy model for {article.language!r} "
            f"(add --spacy-model {article.language}=MODEL); entities and sentiment left empty"
        )
    elif model.analyzer is None:
        warnings.append("sentiment_unsupported: VADER scores English text only")
    long_runs = sum(len(_LONG_RUN.findall(text)) for text in (article.title or "", article.body))
    if long_runs:
        warnings.append(
            f"long_run_skipped: {long_runs} run(s) of {LONG_RUN_CHARS:,}+ characters without a "
            "space were not tagged"
        )
    return tuple(warnings)


def _build_rows(
    article: ParsedArticle,
    model: LoadedModel,
    body: _FieldResult,
    title: _FieldResult | None,
    *,
    run_id: str,
    processed_at: dt.datetime,
    aliases: AliasTable,
    gazetteer: Gazetteer,
) -> TaggedArticle:
    fields = [("title", title), ("body", body)] if title else [("body", body)]
    mentions = _mentions(fields, article, aliases, gazetteer)
    try:
        quotes = _quotes(fields, article, mentions, model)
    except Exception as err:  # an odd text must never fail its article
        quotes = []
        article = article._replace(warnings=(*article.warnings,
                                              f"quotes_skipped: {type(err).__name__}"))  # fmt: skip
    title_compound = None
    if title is not None and model.analyzer is not None:
        if title.sentence_starts == [0] and len(title.sentence_scores) == 1:
            title_compound = title.sentence_scores[0]["compound"]  # one sentence: the title
        else:
            title_compound = model.analyzer.polarity_scores(article.title)["compound"]
    return TaggedArticle(
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
            warnings=_article_warnings(article, model),
            model=model.model,
            pipeline_version=PIPELINE_VERSION,
            run_id=run_id,
            processed_at=processed_at,
        ),
        mentions,
        quotes,
    )


def annotate_articles(
    models: Mapping[str | None, LoadedModel],
    articles: Sequence[ParsedArticle],
    **options,
) -> Iterator[tuple[Article, list[EntityMention]]]:
    """Tags a batch (`annotate_with_quotes` without the quotations)."""
    for tagged in annotate_with_quotes(models, articles, **options):
        yield tagged.article, tagged.mentions


def annotate_with_quotes(
    models: Mapping[str | None, LoadedModel], articles: Sequence[ParsedArticle], **options
) -> Iterator[TaggedArticle]:
    """Tags a batch with the quotations and without keyphrases (`annotate_batch`)."""
    yield from annotate_batch(models, articles, keyphrases=0, **options)


def annotate_batch(
    models: Mapping[str | None, LoadedModel],
    articles: Sequence[ParsedArticle],
    *,
    run_id: str,
    processed_at: dt.datetime,
    aliases: AliasTable | None = None,
    gazetteer: Gazetteer | None = None,
    keyphrases: int = DEFAULT_KEYPHRASES,
) -> Iterator[TaggedArticle]:
    """Tags a batch; `models` maps language -> LoadedModel, with None for undetected languages;
    languages with no model of their own get `untagged_model()`. Each article with its
    mentions, quotations and best `keyphrases` phrases."""
    aliases = aliases or load_aliases()
    gazetteer = gazetteer or load_gazetteer()
    by_model: dict[int, list[int]] = collections.defaultdict(list)
    chosen: list[LoadedModel] = []
    for position, article in enumerate(articles):
        model = models.get(article.language) or untagged_model()
        chosen.append(model)
        by_model[id(model)].append(position)
    results: dict[int, tuple[_FieldResult, _FieldResult | None, list]] = {}
    for positions in by_model.values():
        batch = [articles[p] for p in positions]
        results.update(
            zip(positions, _tag_with(chosen[positions[0]], batch, keyphrases), strict=True)
        )
    for position, article in enumerate(articles):
        body, title, found = results[position]
        tagged = _build_rows(
            article,
            chosen[position],
            body,
            title,
            run_id=run_id,
            processed_at=processed_at,
            aliases=aliases,
            gazetteer=gazetteer,
        )
        yield tagged._replace(
            keyphrases=keyphrase_rows(article.article_id, article.published_date, found)
        )


class SpacyVaderModels(NamedTuple):
    """What `SpacyVaderTagger.load_model` loads: a model per language, and the alias table."""

    by_language: dict[str | None, LoadedModel]
    aliases: AliasTable
    gazetteer: Gazetteer


@dataclasses.dataclass(frozen=True)
class SpacyVaderTagger(ArticleTagger[SpacyVaderModels]):
    """spaCy NER and VADER sentiment; `models` pairs ISO 639-1 languages with installed spaCy
    models, the first also tagging text whose language was not detected."""

    models: tuple[tuple[str, str], ...]
    aliases_path: str | None = None
    labels_path: str | None = None
    keyphrases: int = DEFAULT_KEYPHRASES  # per article (transforms/tagging/keyphrases.py)
    name = "spacy_vader"

    def _tables(self) -> AliasTable:
        return load_aliases(
            *(Path(p) if p else None for p in (self.aliases_path, self.labels_path))
        )

    def load_model(self) -> SpacyVaderModels:
        loaded = {language: _load_cached(name) for language, name in self.models}
        loaded[None] = next(iter(loaded.values()))
        return SpacyVaderModels(loaded, self._tables(), load_gazetteer())

    def tag_batch(
        self,
        model: SpacyVaderModels,
        articles: Sequence[ParsedArticle],
        *,
        run_id: str,
        processed_at: dt.datetime,
    ) -> Iterator[TaggedArticle]:
        yield from annotate_batch(
            model.by_language, articles, run_id=run_id, processed_at=processed_at,
            aliases=model.aliases, gazetteer=model.gazetteer, keyphrases=self.keyphrases,
        )  # fmt: skip

    def versions(self) -> dict[str, str]:
        return {
            "spacy": metadata.version("spacy"),
            "vaderSentiment": metadata.version("vaderSentiment"),
            **{f"model_{language}": model_meta_id(name) for language, name in self.models},
            "entity_aliases": (tables := self._tables()).version,
            "entity_labels": tables.labels_version,
            "gazetteer": gazetteer_version(),
        }

    def model_ids(self) -> frozenset[str]:
        return frozenset({model_meta_id(name) for _, name in self.models} | {UNTAGGED_MODEL})


@functools.cache
def _load_cached(model_name: str) -> LoadedModel:
    """One loaded spaCy model per process, shared by every tagger that names it."""
    return load_model(model_name)

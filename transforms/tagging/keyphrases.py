"""Per-article keyphrases from the spaCy tokens the tagger already made.

The dependency parser stays off in this project (spacy_models.py), so spaCy's `noun_chunks`
are unavailable; candidates are POS patterns over the tagger's tokens instead: maximal runs of
ADJ/PROPN/NOUN tokens that end in a NOUN or PROPN, within one sentence, at most
`MAX_PHRASE_TOKENS` tokens (the last ones of a longer run). A run is cut before a proper noun
that follows a common noun ("spokesman John Kirby" -> "spokesman", "John Kirby"), at stop
words, numbers, punctuation, one-character tokens and tokens of date, time and number entities
("Wednesday", "2018", "$5 million").

`key` groups the forms of one phrase: lower-cased, common nouns lemmatized with the model's
rule lemmatizer ("Interest Rates" and "interest rate" -> "interest rate"). `phrase` is the
key's most frequent surface form in the article (ties: the first seen). `count` counts its
occurrences in the title and the body.

Score (term frequency, weighted): every occurrence counts 1 (a title occurrence 3), times
`1 + 0.5 * (words - 1)` (a multi-word phrase is more specific than its words), plus half the
mean frequency of its words among all candidates (a phrase whose words recur is central), times
`1 + 1 / (1 + s)` where `s` is the index of the first body sentence that holds it (news puts
what matters first). Rank 1 is the highest score; ties go to the earlier phrase. How it was
judged: benchmarks/keyphrases_eval.py and docs/performance.md.
"""

from __future__ import annotations

import collections
import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from schemas import Keyphrase

DEFAULT_KEYPHRASES = 10
MAX_PHRASE_TOKENS = 4
MAX_NAME_TOKENS = 6
# Named entities taken whole as candidates ("Bank of England", "European Central Bank").
NAME_LABELS = frozenset(
    {"PERSON", "ORG", "GPE", "LOC", "FAC", "EVENT", "PRODUCT", "WORK_OF_ART", "LAW"}
)
TITLE_WEIGHT = 3.0
_CONTENT = frozenset({"ADJ", "PROPN", "NOUN"})
_HEADS = frozenset({"PROPN", "NOUN"})
# Entities that are times and quantities, not subjects.
_SKIPPED_ENTITIES = frozenset(
    {"DATE", "TIME", "CARDINAL", "ORDINAL", "MONEY", "PERCENT", "QUANTITY"}
)


# The tagger's fine-grained (Penn Treebank) tags -> the coarse ones keyphrases use: the
# attribute ruler that would set `pos_` costs 10-20% of the tagging time (docs/performance.md).
_TAG_POS = {"NN": "NOUN", "NNS": "NOUN", "NNP": "PROPN", "NNPS": "PROPN", "JJ": "ADJ",
            "JJR": "ADJ", "JJS": "ADJ", "AFX": "ADJ"}  # fmt: skip


def _pos(token) -> str:
    return token.pos_ or _TAG_POS.get(token.tag_, "X")


def _usable(token) -> bool:
    text = token.text
    return (
        _pos(token) in _CONTENT
        and not token.is_stop
        and not token.like_num
        and len(text) > 1
        and any(c.isalpha() for c in text)
        and token.ent_type_ not in _SKIPPED_ENTITIES
        and not token.is_punct
    )


def _wordlike(token) -> bool:
    return not token.like_num and any(c.isalpha() for c in token.text)


def _entity_tokens(span) -> list:
    """A name's tokens without a leading article ("the White House" -> "White House")."""
    tokens = list(span)
    while tokens and (tokens[0].is_stop or tokens[0].is_punct or not _wordlike(tokens[0])):
        tokens = tokens[1:]
    while tokens and (tokens[-1].is_punct or not _wordlike(tokens[-1])):
        tokens = tokens[:-1]  # "Real Madrid 2-1" -> "Real Madrid"
    if not tokens or len(tokens) > MAX_NAME_TOKENS:
        return []
    text = "".join(t.text_with_ws for t in tokens).strip()
    if len(text) < 2 or not any(c.isalpha() for c in text):
        return []
    return tokens


def _runs(doc) -> Iterable[tuple[list, int, bool]]:
    """(tokens, sentence index within the doc, is a name) of every candidate of one doc: each
    name (a named entity of a kept label) whole, and runs of content words between them."""
    names = {span.start: span for span in doc.ents if span.label_ in NAME_LABELS}
    run: list = []
    sentence = -1
    skip_to = 0
    for token in doc:
        if token.is_sent_start or sentence < 0:
            if run:
                yield run, max(sentence, 0), False
            run = []
            sentence += 1
        if token.i < skip_to:
            continue
        span = names.get(token.i)
        if span is not None:
            if run:
                yield run, sentence, False
            run = []
            skip_to = span.end
            tokens = _entity_tokens(span)
            if tokens:
                yield tokens, sentence, True
            continue
        if run and _joins(token, doc):
            run.append(token)  # "quarter-finals": one word
            continue
        if not _usable(token) or token.ent_type_:  # tokens of other names stay out
            if run:
                yield run, sentence, False
            run = []
            continue
        if run and _pos(token) == "PROPN" and _pos(run[-1]) == "NOUN":
            yield run, sentence, False
            run = []
        run.append(token)
    if run:
        yield run, max(sentence, 0), False


def _joins(token, doc) -> bool:
    """A hyphen between two words with no space around it."""
    return (
        token.text == "-"
        and not token.whitespace_
        and not doc[token.i - 1].whitespace_
        and token.i + 1 < len(doc)
        and _usable(doc[token.i + 1])
        and not doc[token.i + 1].ent_type_
    )


def _joined(words: Sequence[str], tokens: Sequence) -> str:
    """Words joined as the tokens were: a space where the text had whitespace."""
    return "".join(
        word + (" " if token.whitespace_ and i < len(tokens) - 1 else "")
        for i, (word, token) in enumerate(zip(words, tokens, strict=True))
    )


def _trimmed(run: list) -> list:
    """A run that ends in a noun and starts with no descriptive adjective ("main interest rate"
    -> "interest rate"; a capitalized one inside a sentence stays)."""
    while run and _pos(run[-1]) not in _HEADS:
        run = run[:-1]
    while run and _pos(run[0]) == "ADJ" and (run[0].is_sent_start or run[0].text[:1].islower()):
        run = run[1:]
    run = run[-MAX_PHRASE_TOKENS:]
    while run and run[0].text == "-":
        run = run[1:]
    return run


def _key_word(token, lemmas: dict) -> str:
    if _pos(token) != "NOUN" or token.tag_ == "NN":  # a singular noun is its own lemma
        return token.text.lower()
    cache_key = token.text
    if cache_key not in lemmas:
        lemma = token.lemma_ or ""
        if not lemma:
            lemmatizer = lemmas.get("__lemmatizer__")
            if lemmatizer is not None:
                try:
                    if not token.pos_:
                        token.pos_ = "NOUN"  # what the rules read (from the tag: a noun)
                    forms = lemmatizer.rule_lemmatize(token)
                    lemma = forms[0] if forms else ""
                except Exception:  # a lemmatizer without tables: keep the text
                    lemma = ""
        lemmas[cache_key] = (lemma or token.text).lower()
    return lemmas[cache_key]


def extract(
    fields: Sequence[tuple[str, Sequence[Any]]],
    limit: int = DEFAULT_KEYPHRASES,
    lemmatizer: Any | None = None,
) -> list[tuple[str, str, float, int]]:
    """(phrase, key, score, count) of the best `limit` phrases, best first.

    `fields` pairs "title" or "body" with the spaCy docs of that field, in order (a body may
    come in chunks); docs without POS tags give nothing."""
    if limit <= 0:
        return []
    lemmas: dict = {"__lemmatizer__": lemmatizer}
    occurrences: dict[str, float] = collections.defaultdict(float)
    counts: collections.Counter[str] = collections.Counter()
    surfaces: dict[str, collections.Counter[str]] = collections.defaultdict(collections.Counter)
    first_seen: dict[str, int] = {}
    first_sentence: dict[str, int] = {}
    words: collections.Counter[str] = collections.Counter()
    for field, docs in fields:
        sentence_base = 0
        for doc in docs:
            if not doc.has_annotation("TAG") and not doc.has_annotation("POS"):
                continue
            last = 0
            for run, sentence, is_name in _runs(doc):
                tokens = run if is_name else _trimmed(run)
                if not tokens:
                    continue
                if is_name:
                    key_words = [t.text.lower() for t in tokens]
                else:
                    key_words = [_key_word(t, lemmas) for t in tokens]
                key = _joined(key_words, tokens)
                surface = " ".join(doc[tokens[0].i : tokens[-1].i + 1].text.split())
                occurrences[key] += TITLE_WEIGHT if field == "title" else 1.0
                counts[key] += 1
                surfaces[key][surface] += 1
                first_seen.setdefault(key, len(first_seen))
                if field == "body":
                    first_sentence.setdefault(key, sentence_base + sentence)
                words.update(key.split(" "))
                last = sentence
            sentence_base += last + 1
    scored = []
    for key, weight in occurrences.items():
        parts = key.split(" ")
        centrality = sum(words[w] for w in parts) / len(parts)
        position = 1.0 + 1.0 / (1.0 + first_sentence.get(key, 0))
        score = (weight * (1.0 + 0.5 * (len(parts) - 1)) + 0.5 * centrality) * position
        scored.append((-round(score, 6), first_seen[key], key))
    scored.sort()
    result = []
    for negative, _, key in scored[:limit]:
        forms = surfaces[key]
        best = max(forms.values())
        phrase = next(form for form in forms if forms[form] == best)  # first seen of the most used
        result.append((phrase, key, -negative, counts[key]))
    return result


def keyphrase_rows(
    article_id: str,
    published_date: dt.date | None,
    found: Sequence[tuple[str, str, float, int]],
) -> list[Keyphrase]:
    return [
        Keyphrase(article_id, rank, phrase, key, round(score, 4), count, published_date)
        for rank, (phrase, key, score, count) in enumerate(found, start=1)
    ]

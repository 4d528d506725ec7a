"""The tagger contract, after Beam's `ModelHandler` and dolma's `BaseTagger`.

A tagger is a small, picklable description (hashable: it keys the per-process model cache).
`load_model()` runs once per worker process; `tag_batch()` turns a batch of parsed articles
into article rows and their entity mentions; `name` and `versions()` say what made the rows.
`transforms.tagging.tag.TagArticles` owns everything around it: batching, the per-process cache,
metrics, progress logs and the error output. A new tagger implements this class and nothing
else.
"""

from __future__ import annotations

import abc
import datetime as dt
from collections.abc import Iterator, Sequence
from typing import Any, Generic, NamedTuple, TypeVar

from schemas import Article, EntityMention, Keyphrase, ParsedArticle, Quote

ModelT = TypeVar("ModelT")


class TaggedArticle(NamedTuple):
    """One article's row, its mentions (title first, then body, by offset), its quotations and
    its keyphrases (best first); a tagger that finds no quotations or keyphrases leaves the
    defaults."""

    article: Article
    mentions: list[EntityMention]
    quotes: Sequence[Quote] = ()  # its quotations, title first (a tagger may find none)
    keyphrases: Sequence[Keyphrase] = ()  # its best phrases, best first


class ArticleTagger(abc.ABC, Generic[ModelT]):
    """Loads a model once per process and tags batches of articles with it."""

    name: str  # e.g. "spacy_vader": names the tagger in logs and manifests

    @abc.abstractmethod
    def load_model(self) -> ModelT:
        """Loads whatever the tagger needs; called once per worker process."""

    @abc.abstractmethod
    def tag_batch(
        self,
        model: ModelT,
        articles: Sequence[ParsedArticle],
        *,
        run_id: str,
        processed_at: dt.datetime,
    ) -> Iterator[TaggedArticle]:
        """Every article of the batch, tagged, in the batch's order."""

    @abc.abstractmethod
    def versions(self) -> dict[str, Any]:
        """Versions of the models and code that shape the rows (for the run manifest)."""

    @abc.abstractmethod
    def model_ids(self) -> frozenset[str]:
        """The values this tagger writes in `articles.model`."""

"""Models behind the tagger contract: `ArticleTagger` and its spaCy + VADER implementation."""

from transforms.taggers.base import ArticleTagger, TaggedArticle
from transforms.taggers.spacy_vader import SpacyVaderTagger

__all__ = ["ArticleTagger", "SpacyVaderTagger", "TaggedArticle"]

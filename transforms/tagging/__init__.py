"""Models behind the tagger contract and what they need.

`base.ArticleTagger` (the contract), `spacy_vader.SpacyVaderTagger` (spaCy entities, VADER
sentiment), `spacy_models` (which installed model, read without importing spaCy),
`tag.TagArticles` (the stage that runs any tagger), `entity_keys` (an entity's key within an
article: titles, the label and alias tables), `places` (the offline gazetteer).
"""

from transforms.tagging.base import ArticleTagger, TaggedArticle
from transforms.tagging.spacy_vader import SpacyVaderTagger

__all__ = ["ArticleTagger", "SpacyVaderTagger", "TaggedArticle"]

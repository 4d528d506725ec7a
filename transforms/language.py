"""Language identification with py3langid, whose model ships inside the package."""

from __future__ import annotations

import functools
from typing import NamedTuple

MIN_CONFIDENCE = 0.8
MIN_WORDS = 4
_SAMPLE_CHARS = 1000


class LanguageChoice(NamedTuple):
    language: str | None
    warning: str | None


@functools.cache
def _identifier():
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def detect_language(text: str) -> tuple[str | None, float]:
    """ISO 639-1 code and probability; None when the text is too short or the model unsure."""
    sample = text[:_SAMPLE_CHARS]
    if len(sample.split()) < MIN_WORDS:
        return None, 0.0
    language, probability = _identifier().classify(sample)
    return (language if probability >= MIN_CONFIDENCE else None), float(probability)


def choose_language(header_language: str | None, text: str) -> LanguageChoice:
    """The detected language when confident, else the header's; a disagreement is a warning."""
    detected, probability = detect_language(text)
    if detected is None:
        return LanguageChoice(header_language, None)
    if header_language and header_language != detected:
        return LanguageChoice(
            detected,
            f"language_mismatch: header says {header_language!r}, text is {detected!r} "
            f"(p={probability:.2f})",
        )
    return LanguageChoice(detected, None)

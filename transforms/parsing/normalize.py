"""Text normalization shared by every header format."""

from __future__ import annotations

import re
import unicodedata

_PARAGRAPH_BREAK = re.compile(r"\n[^\S\n]*\n\s*")


def normalize_text(text: str) -> str:
    """Strips a BOM, unifies line endings to \\n and composes Unicode to NFC."""
    text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    return unicodedata.normalize("NFC", text)


def collapse_whitespace(text: str) -> str:
    """Collapses every whitespace run (what `\\s` matches: str.isspace) to one space and
    strips the ends; typographic quotes are kept as they are."""
    return " ".join(text.split())


def normalize_body(body: str) -> str:
    """Keeps paragraphs (blank-line separated) and collapses whitespace inside each one.

    Entity offsets refer to this form of the body, so it must be the text that is stored.
    """
    paragraphs = (collapse_whitespace(p) for p in _PARAGRAPH_BREAK.split(body.strip()))
    return "\n\n".join(p for p in paragraphs if p)

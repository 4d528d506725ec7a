"""Canonical entities: one stable key for every way an entity is named.

Within an article, a short PERSON mention links to the full name it abbreviates (`Sanders` ->
`Sarah Huckabee Sanders`); across articles, names are normalized (case, leading "the",
possessive 's, punctuation) and looked up in a small, versioned alias table.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from typing import NamedTuple

import yaml

_PUNCTUATION = re.compile(r"[^\w\s]")
_POSSESSIVE = re.compile(r"['’]s$")
_LEADING_THE = re.compile(r"^the\s+")
_SPACES = re.compile(r"\s+")
# Labels that carry no analytic meaning for news; kept in `entities`, left out of rollups.
DEFAULT_ROLLUP_EXCLUDED = ("CARDINAL", "ORDINAL", "QUANTITY", "PERCENT", "MONEY", "TIME", "DATE")


class AliasTable(NamedTuple):
    version: str
    lookup: dict[tuple[str, str], tuple[str, str]]  # (name, label) -> (canonical, label)


@functools.lru_cache(maxsize=1 << 16)  # names repeat across articles
def normalize_name(text: str) -> str:
    """`the U.S.'s` -> `us`; `Sarah  Huckabee-Sanders` -> `sarah huckabee sanders`."""
    name = unicodedata.normalize("NFKC", text).casefold().strip()
    name = _POSSESSIVE.sub("", name)
    name = _LEADING_THE.sub("", name)
    name = _PUNCTUATION.sub(lambda m: " " if m.group() in "-/" else "", name)
    return _SPACES.sub(" ", name).strip()


def load_aliases(extra: Path | None = None) -> AliasTable:
    """The packaged table, with the entries of `extra` (same format) taking precedence."""
    text = resources.files("transforms").joinpath("entity_aliases.yaml").read_text()
    tables = [yaml.safe_load(text)]
    if extra is not None:
        tables.append(yaml.safe_load(Path(extra).read_text()))
    lookup: dict[tuple[str, str], tuple[str, str]] = {}
    for table in tables:
        for entry in table.get("entities", []):
            canonical = normalize_name(entry["canonical"])
            target = (canonical, entry["label"])
            for label in [entry["label"], *entry.get("also_labels", [])]:
                for name in [entry["canonical"], *entry.get("aliases", [])]:
                    lookup[(normalize_name(name), label)] = target
    versions = [str(t.get("version", "unversioned")) for t in tables]
    return AliasTable("+".join(versions), lookup)


def _links_to(short: list[str], full: list[str]) -> bool:
    """A shorter PERSON name abbreviates a full one: same surname, every word in the full name."""
    return len(short) < len(full) and short[-1] == full[-1] and set(short) <= set(full)


def canonical_names(
    mentions: Sequence[tuple[str, str]], aliases: AliasTable
) -> list[tuple[str, str]]:
    """(text, label) of an article's mentions, in reading order -> (canonical, canonical label).

    One exception to "labels never merge": a one-word ORG mention that is exactly the surname
    of a person named in full in the same article is that person (small spaCy models often
    label a lone surname ORG: `Zakharova said`). GPE and other labels are never relabelled.
    """
    names = [normalize_name(text) for text, _ in mentions]
    words = [name.split() for name in names]
    people = [j for j, (_, label) in enumerate(mentions) if label == "PERSON" and words[j]]
    surnames = {words[j][-1] for j in people if len(words[j]) > 1}
    result = []
    for index, ((_, label), name) in enumerate(zip(mentions, names, strict=True)):
        if (
            label == "ORG"
            and len(words[index]) == 1
            and name in surnames
            and (name, label) not in aliases.lookup
        ):
            label = "PERSON"
        if label == "PERSON" and name and name.split()[-1] in surnames:
            candidates = [j for j in people if _links_to(words[index], words[j])]
            if candidates:
                before = [j for j in candidates if j < index]
                name = names[before[-1] if before else candidates[0]]
        result.append(aliases.lookup.get((name, label), (name, label)))
    return result

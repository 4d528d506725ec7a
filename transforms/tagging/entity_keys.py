"""Canonical entities: one stable key for every way an entity is named, within one article.

Names are normalized (case, leading "the", possessive 's, punctuation), honorifics and titles
are dropped from people's names (`Mr Blair` -> `blair`), a versioned label table corrects the
small model's systematic label errors (`Labour` tagged PERSON -> ORG), a short PERSON mention
links to the full name it abbreviates in the same article (`Sanders` -> `Sarah Huckabee
Sanders`), and a versioned alias table merges known spellings (`U.S.` -> `united states`).
Every key says how it was made (`method`). The corpus-level steps (one label per name, lone
surnames linked across articles) are in `transforms/corpus/names.py`.
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

from transforms.tagging.evidence import NOT_A_PERSON

_PUNCTUATION = re.compile(r"[^\w\s]")
_POSSESSIVE = re.compile(r"['’]s$")
_LEADING_THE = re.compile(r"^the\s+")
# "ex-Yukos", "pro-Europe", "anti-EU": the name is what follows the prefix.
_PREFIX = re.compile(r"^(?:ex|pro|anti)\s*[-‐–]\s*(?=\w)")
_SPACES = re.compile(r"\s+")
# Labels that carry no analytic meaning for news; kept in `entities`, left out of rollups.
DEFAULT_ROLLUP_EXCLUDED = ("CARDINAL", "ORDINAL", "QUANTITY", "PERCENT", "MONEY", "TIME", "DATE")


# Dropped from the front of a PERSON name, longest first; a name is never emptied ("Lord" alone
# stays). The personal honorifics also make a mention a PERSON whatever the model said
# ("Mr Blair" tagged ORG). Compared after normalization: "Sen." -> "sen".
PERSONAL_HONORIFICS = frozenset(
    {"mr", "mrs", "ms", "miss", "mx", "dr", "sir", "dame", "lord", "lady", "baroness", "baron",
     "prof", "professor", "rev", "reverend", "sen", "rep", "gov"}
)  # fmt: skip
TITLES = PERSONAL_HONORIFICS | frozenset(
    {"president", "vice president", "prime minister", "deputy prime minister", "first minister",
     "chancellor", "minister", "foreign minister", "secretary", "foreign secretary",
     "home secretary", "health secretary", "defence secretary", "defense secretary",
     "secretary of state", "attorney general", "senator", "congressman", "congresswoman",
     "representative", "governor", "mayor", "speaker",
     "ambassador", "commissioner", "general", "gen", "colonel", "col", "captain", "capt",
     "lieutenant", "lt", "sergeant", "sgt", "detective", "inspector", "judge", "justice",
     "chief justice", "coach"}
)  # fmt: skip
_LONGEST_TITLE = max(len(title.split()) for title in TITLES)

# How a mention's canonical key was made (the `canonical_method` column).
IN_ARTICLE, CORPUS, ALIAS, AS_WRITTEN = "in_article", "corpus", "alias", "as_written"
METHODS = (IN_ARTICLE, CORPUS, ALIAS, AS_WRITTEN)


class AliasTable(NamedTuple):
    """The alias table (keys) and the label table (systematic label errors), both versioned."""

    version: str
    lookup: dict[tuple[str, str], tuple[str, str]]  # (name, label) -> (canonical, label)
    relabel: dict[tuple[str, str], str]  # (name, model label) -> label
    labels_version: str


class Name(NamedTuple):
    """A mention's key within its article."""

    canonical: str
    label: str
    method: str


@functools.lru_cache(maxsize=1 << 16)  # names repeat across articles
def normalize_name(text: str) -> str:
    """`the U.S.'s` -> `us`; `Sarah  Huckabee-Sanders` -> `sarah huckabee sanders`;
    `ex-Yukos` -> `yukos` (the prefixes ex-, pro-, anti- dropped)."""
    name = unicodedata.normalize("NFKC", text).casefold().strip()
    name = _POSSESSIVE.sub("", name)
    name = _PREFIX.sub("", _LEADING_THE.sub("", name))
    name = _PUNCTUATION.sub(lambda m: " " if m.group() in "-/" else "", name)
    return _SPACES.sub(" ", name).strip()


def strip_titles(name: str) -> tuple[str, bool]:
    """`prime minister theresa may` -> (`theresa may`, False); `mr blair` -> (`blair`, True):
    the name without its leading titles, and whether one was a personal honorific."""
    words = name.split()
    personal = False
    while len(words) > 1:
        for size in range(min(_LONGEST_TITLE, len(words) - 1), 0, -1):
            title = " ".join(words[:size])
            if title in TITLES:
                personal = personal or title in PERSONAL_HONORIFICS
                words = words[size:]
                break
        else:
            break
    return " ".join(words), personal


def _packaged(file_name: str) -> dict:
    return yaml.safe_load(resources.files("transforms.tagging").joinpath(file_name).read_text())


def load_labels(extra: Path | None = None) -> tuple[str, dict[tuple[str, str], str]]:
    """The packaged label table (`entity_labels.yaml`), `extra`'s entries taking precedence."""
    tables = [_packaged("entity_labels.yaml")]
    if extra is not None:
        tables.append(yaml.safe_load(Path(extra).read_text()))
    relabel: dict[tuple[str, str], str] = {}
    for table in tables:
        for entry in table.get("labels", []):
            for name in [entry["name"], *entry.get("aliases", [])]:
                for wrong in entry["from"]:
                    relabel[(strip_titles(normalize_name(name))[0], wrong)] = entry["label"]
    return "+".join(str(t.get("version", "unversioned")) for t in tables), relabel


def load_aliases(extra: Path | None = None, extra_labels: Path | None = None) -> AliasTable:
    """The packaged tables, with the entries of `extra` (aliases) and `extra_labels` (labels,
    same formats) taking precedence."""
    tables = [_packaged("entity_aliases.yaml")]
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
    labels_version, relabel = load_labels(extra_labels)
    return AliasTable("+".join(versions), lookup, relabel, labels_version)


def _links_to(short: list[str], full: list[str]) -> bool:
    """A shorter PERSON name abbreviates a full one: same surname, every word in the full name."""
    return len(short) < len(full) and short[-1] == full[-1] and set(short) <= set(full)


def _article_name(text: str, label: str, aliases: AliasTable) -> tuple[str, str]:
    """One mention's normalized name and label before linking: titles dropped from people's
    names, systematic label errors corrected."""
    name = normalize_name(text)
    stripped, personal = strip_titles(name)
    if personal and label in ("ORG", "GPE", "NORP", "FAC", "PERSON"):
        label = "PERSON"
    if label == "PERSON":
        name = stripped
    return name, aliases.relabel.get((name, label), label)


def canonical_names(
    mentions: Sequence[tuple[str, str]],
    aliases: AliasTable,
    evidence: Sequence[int] | None = None,
) -> list[Name]:
    """(text, label) of an article's mentions, in reading order -> their keys in the article;
    `evidence`: their cue bits (transforms/tagging/evidence.py), when known.

    A lone first name links to the full name it starts, when the article names one person in
    full with that first name and no cue says it is no person ("the film Ray").

    One exception to "labels never merge" within an article: a one-word ORG mention that is
    exactly the surname of a person named in full in the same article is that person (small
    spaCy models often label a lone surname ORG: `Zakharova said`). The label table and the
    personal honorifics relabel too; GPE and other labels are otherwise never changed.
    """
    named = [_article_name(text, label, aliases) for text, label in mentions]
    names = [name for name, _ in named]
    words = [name.split() for name in names]
    people = [j for j, (_, label) in enumerate(named) if label == "PERSON" and words[j]]
    surnames = {words[j][-1] for j in people if len(words[j]) > 1}
    result = []
    for index, (name, label) in enumerate(named):
        method = AS_WRITTEN
        if (
            label == "ORG"
            and len(words[index]) == 1
            and name in surnames
            and (name, label) not in aliases.lookup
        ):
            label = "PERSON"
        if label == "PERSON" and name and words[index][-1] in surnames:
            candidates = [j for j in people if _links_to(words[index], words[j])]
            if candidates:
                before = [j for j in candidates if j < index]
                name = names[before[-1] if before else candidates[0]]
                method = IN_ARTICLE
        if (
            method == AS_WRITTEN
            and label == "PERSON"
            and len(words[index]) == 1
            and not (evidence and evidence[index] & NOT_A_PERSON)
        ):
            full = {names[j] for j in people if len(words[j]) > 1 and words[j][0] == name}
            if len(full) == 1:  # "David" in an article naming one David in full
                name, method = full.pop(), IN_ARTICLE
        target = aliases.lookup.get((name, label))
        result.append(Name(*target, ALIAS) if target else Name(name, label, method))
    return result

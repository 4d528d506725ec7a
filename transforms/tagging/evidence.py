"""What the words around a mention say about the kind of thing it names: cue bits per mention.

The small English model labels each mention alone, and often wrongly ("an Oscar" PERSON, "the
Welsh side" PERSON, "the band Franz Ferdinand" PERSON). The words next to a mention are
better evidence than the model's guess, and summed over a corpus they decide a name's label
(`decide_label` in transforms/corpus/names.py). Each mention gets a small integer of cue bits
(`entities.evidence`), read from the tokens just before and after it:

| cue | bit | example | evidence for |
| --- | --- | --- | --- |
| `ARTICLE` | 0 | "an Oscar", "a Ferrari" | a thing (not a person) |
| `NUMBER` | 1 | "two Oscars", "20 Xboxes" | a thing |
| `THE` | 2 | "the Premiership" | not a person |
| `MODIFIER` | 3 | "Yukos shares", "the Welsh side" (a lower-case noun follows) | not a person; a nationality when the name is a demonym |
| `HONORIFIC` | 4 | "Mr Blair", "Dr Smith" | PERSON |
| `ROLE` | 5 | "striker Wayne Rooney", "singer Madonna" | PERSON |
| `SPEECH` | 6 | "Blair said" | PERSON (weakly: organisations speak too) |
| `PRONOUN` | 7 | "Blair, who", "Smith said she", "Jones, 45," | PERSON |
| `ORG_HEAD` | 8 | "the band Franz Ferdinand", "Everton manager", "Yukos shares" | ORG |
| `WORK_HEAD` | 9 | "the film Ray", "the album Hopes and Fears" | WORK_OF_ART |
| `AWARD` | 10 | "Oscar nomination", "Oscar-winning" | WORK_OF_ART (awards, as OntoNotes labels them) |
| `PRODUCT_HEAD` | 11 | "the Xbox console", "the iPod player" | PRODUCT |
| `EVENT_HEAD` | 12 | "the Glastonbury festival" | EVENT |
| `PLACE_HEAD` | 13 | "Glasgow-based", "in Glasgow" | GPE |
| `PLACE_NAME` | 14 | a country or a city of 100,000+ in the gazetteer (set by the tagger) | GPE, unless a person is strongly attested |

The pipeline has no parser (the installed model is tok2vec, senter and ner), so the cues are
word lists around the span, looked up for all of a doc's mentions at once in the doc's token
arrays (`Doc.to_array`, hashes compared with `numpy.isin`): no per-token Python work.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Sequence

import numpy as np

(ARTICLE, NUMBER, THE, MODIFIER, HONORIFIC, ROLE, SPEECH, PRONOUN, ORG_HEAD, WORK_HEAD, AWARD,
 PRODUCT_HEAD, EVENT_HEAD, PLACE_HEAD, PLACE_NAME) = (1 << bit for bit in range(15))  # fmt: skip
# Cues that say a mention is no person: never linked to a full name by its first name
# (transforms/tagging/entity_keys.py).
NOT_A_PERSON = (ARTICLE | NUMBER | THE | ORG_HEAD | WORK_HEAD | AWARD | PRODUCT_HEAD | EVENT_HEAD
                | PLACE_HEAD)  # fmt: skip
CUES = ("article", "number", "the", "modifier", "honorific", "role", "speech", "pronoun",
        "org_head", "work_head", "award", "product_head", "event_head", "place_head",
        "place_name")  # fmt: skip

_NUMBERS = {"two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven",
            "twelve", "several", "many", "both", "few"}  # fmt: skip
_HONORIFICS = {"mr", "mrs", "ms", "miss", "dr", "sir", "dame", "lord", "lady", "prof", "mr.",
               "mrs.", "ms.", "dr.", "prof.", "baroness", "rev"}  # fmt: skip
_ROLES = {"singer", "actor", "actress", "star", "striker", "midfielder", "defender", "goalkeeper",
          "winger", "captain", "coach", "boss", "chairman", "director", "spokesman",
          "spokeswoman", "minister", "chancellor", "leader", "president", "secretary", "player",
          "rapper", "frontman", "author", "writer", "novelist", "presenter", "comedian",
          "lawyer", "judge", "colleague", "wife", "husband", "son", "daughter", "brother",
          "sister", "father", "mother", "chef", "guitarist", "drummer", "manager", "founder",
          "mp", "senator", "veteran", "tycoon", "businessman", "businesswoman"}  # fmt: skip
_SPEECH = {"said", "says", "told", "added", "insisted", "argued", "explained", "admitted",
           "claimed", "warned", "stressed", "revealed"}  # fmt: skip
_PRONOUNS = {"he", "she", "who", "his", "her"}
_ORG_BEFORE = {"band", "club", "firm", "company", "group", "label", "team", "party", "bank",
               "retailer", "airline", "broadcaster", "newspaper", "giant", "league", "carrier",
               "charity", "union", "supermarket", "operator", "rivals", "outfit"}  # fmt: skip
_ORG_AFTER = {"manager", "boss", "bosses", "chairman", "shares", "share", "stake", "fans",
              "striker", "midfielder", "defender", "goalkeeper", "coach", "players", "side",
              "squad", "team", "executive", "executives", "founder", "board", "shareholders",
              "subsidiary", "employees", "staff", "profits", "profit", "revenues", "sales",
              "spokesman", "spokeswoman", "chief", "stadium", "supporters"}  # fmt: skip
_WORK_BEFORE = {"film", "movie", "album", "song", "single", "novel", "book", "play", "musical",
                "show", "series", "sitcom", "drama", "documentary", "opera", "track", "biopic",
                "hit", "comedy", "programme", "thriller"}  # fmt: skip
_AWARD_AFTER = {"award", "awards", "nomination", "nominations", "nominee", "nominees", "winner",
                "winners", "statuette", "statuettes", "ceremony", "glory"}  # fmt: skip
_PRODUCT = {"console", "consoles", "handset", "handsets", "phone", "phones", "player", "device",
            "devices", "software", "browser", "car", "cars", "drug", "gadget"}  # fmt: skip
_EVENT_AFTER = {"festival", "tournament", "championships", "championship", "summit",
                "conference", "games", "ceremony", "campaign", "election"}  # fmt: skip
_PLACE_BEFORE = {"in", "near", "outside", "across"}
# A lower-case word after a name that is no noun the name modifies: verbs, function words
# (the verbs of speech too, in `_SPEECH`).
_NOT_NOUN = {"is", "was", "has", "have", "had", "will", "would", "can", "could", "may", "might",
             "should", "must", "and", "or", "but", "who", "which", "that", "to", "of", "in",
             "on", "at", "for", "with", "from", "by", "as", "also", "did", "does", "do", "are",
             "were", "been", "be", "not", "after", "before", "than", "if", "when", "while",
             "where", "because", "since", "now", "yesterday", "today", "last", "this", "next",
             "into", "over", "under", "about", "against", "beat", "won", "lost", "made", "took",
             "got", "wants", "won't", "isn't", "wasn't", "a", "an", "the", "its", "their", "his",
             "her", "still", "again", "then", "so", "plays", "play", "win", "wins", "faces",
             "face", "needs", "takes", "makes", "gets", "goes", "came", "went", "became",
             "remains", "believes", "thinks", "hopes", "knows", "announced", "until", "up",
             "out", "down", "off", "just", "only", "even", "already", "never", "always", "often",
             "there", "here", "what", "how", "why", "all", "both", "itself", "himself",
             "herself", "themselves", "tonight", "tomorrow", "ago", "mean", "means", "meant",
             "say", "tell", "see", "sees", "saw", "looks"}  # fmt: skip
_DEMONYM = re.compile(
    r"(?:ish|ese|ian|ean|welsh|french|dutch|german|greek|swiss|czech|thai|iraqi|israeli|"
    r"pakistani|saudi|somali|afghan|american|mexican|cuban|moroccan|kenyan|ugandan)$"
)


# The word lists, each a bit of a word's flags; every list is looked up at once
# (`_lexicon`: the sorted hashes of all their words and each word's flags).
_LISTS = {
    "article": {"a", "an"}, "number": _NUMBERS, "the": {"the"}, "honorific": _HONORIFICS,
    "role": _ROLES, "speech": _SPEECH, "pronoun": _PRONOUNS, "org_before": _ORG_BEFORE,
    "org_after": _ORG_AFTER, "work_before": _WORK_BEFORE, "award_after": _AWARD_AFTER,
    "product": _PRODUCT, "event_after": _EVENT_AFTER, "place_before": _PLACE_BEFORE,
    "not_noun": _NOT_NOUN, "hyphen": {"-"}, "comma": {","}, "who": {"who"},
    "based": {"based", "born"}, "winning": {"winning", "nominated"},
}  # fmt: skip
_FLAG = {name: 1 << i for i, name in enumerate(_LISTS)}


@functools.cache
def _lexicon() -> tuple[np.ndarray, np.ndarray]:
    from spacy.strings import hash_string  # spaCy is imported where it runs

    flags: dict[int, int] = {}
    for name, words in _LISTS.items():
        for word in words:
            key = hash_string(word)
            flags[key] = flags.get(key, 0) | _FLAG[name]
    keys = np.array(sorted(flags), dtype=np.uint64)
    return keys, np.array([flags[int(k)] for k in keys], dtype=np.int64)


def _flags(hashes: np.ndarray) -> np.ndarray:
    """Each token hash's list flags (0 for a word in no list)."""
    keys, values = _lexicon()
    index = np.minimum(np.searchsorted(keys, hashes), len(keys) - 1)
    return np.where(keys[index] == hashes, values[index], 0)


def doc_evidence(doc, starts: Sequence[int], ends: Sequence[int]) -> list[int]:
    """The cue bits of the mentions spanning tokens [start, end) of `doc`, all at once."""
    if not len(starts):
        return []
    from spacy.attrs import IS_ALPHA, IS_LOWER, LIKE_NUM, LOWER  # imported where spaCy runs

    size = len(doc)
    tokens = doc.to_array([LOWER, LIKE_NUM, IS_LOWER, IS_ALPHA])
    start = np.asarray(starts, dtype=np.int64)
    end = np.asarray(ends, dtype=np.int64)
    # The four words around each mention: two before, its first, two after (-1: none).
    where = np.stack([start - 1, start - 2, start, end, end + 1])
    where = np.where((where >= 0) & (where < size), where, -1)
    present = where >= 0
    picked = tokens[np.maximum(where, 0)]
    flags = np.where(present, _flags(picked[..., 0]), 0)
    numeric = present & (picked[..., 1] > 0)
    lower_word = present & (picked[..., 2] > 0) & (picked[..., 3] > 0)
    prev, prev2, first, after, after2 = flags
    f = _FLAG

    def has(position: np.ndarray, *names: str) -> np.ndarray:
        mask = 0
        for name in names:
            mask |= f[name]
        return (position & mask) > 0

    cues = [
        (has(prev, "article"), ARTICLE),
        (has(prev, "number") | numeric[0], NUMBER),
        (has(prev, "the") | has(first, "the"), THE),
        (lower_word[3] & ~has(after, "not_noun", "speech"), MODIFIER),
        (has(prev, "honorific") | has(first, "honorific"), HONORIFIC),
        (has(prev, "role"), ROLE),
        (has(after, "speech"), SPEECH),
        ((has(after, "comma") & (has(after2, "who") | numeric[4])) | has(after, "who")
         | (has(after, "speech") & has(after2, "pronoun")), PRONOUN),
        (has(prev, "org_before") | has(after, "org_after"), ORG_HEAD),
        (has(prev, "work_before"), WORK_HEAD),
        (has(after, "award_after") | (has(after, "hyphen") & has(after2, "winning")), AWARD),
        (has(after, "product") | (has(prev, "product") & has(prev2, "the")), PRODUCT_HEAD),
        (has(after, "event_after"), EVENT_HEAD),
        ((has(after, "hyphen") & has(after2, "based")) | has(prev, "place_before"), PLACE_HEAD),
    ]  # fmt: skip
    modifier = cues[3][0]
    if modifier.any():  # past tenses and adverbs are no nouns: "Franz Ferdinand played"
        strings = doc.vocab.strings
        for i in np.flatnonzero(modifier):
            if strings[int(picked[3, i, 0])].endswith(("ed", "ly")):
                modifier[i] = False
    bits = np.zeros(len(start), dtype=np.int64)
    for mask, bit in cues:
        bits |= np.where(mask, bit, 0)
    return bits.tolist()


def cue_counts(bits: int) -> list[int]:
    """A mention's bits as one 0/1 count per cue (`CUES` order)."""
    return [(bits >> i) & 1 for i in range(len(CUES))]


def looks_like_demonym(name: str) -> bool:
    """One word ending like a nationality ("welsh", "scottish", "iraqi", "american")."""
    return " " not in name and bool(_DEMONYM.search(name))


_THE = re.compile(r"^the\s+", re.IGNORECASE)
_PREFIX = re.compile(r"^(?:ex|pro|anti)\s*[-‐–]\s*(?=\w)", re.IGNORECASE)
_POSSESSIVE = re.compile(r"['’]s$")
_EDGES = re.compile(r"^[^\w]+|[^\w.]+$")


@functools.lru_cache(maxsize=1 << 16)
def display_form(text: str, label: str) -> str:
    """A mention as people write it, cleaned as its key is: "the BBC's" -> "BBC", "Mr Tony
    Blair" (PERSON) -> "Tony Blair", "ex-Yukos" -> "Yukos". Empty when nothing is left."""
    from transforms.tagging.entity_keys import TITLES, normalize_name

    form = " ".join(unicodedata.normalize("NFKC", text).split())
    form = _PREFIX.sub("", _THE.sub("", _POSSESSIVE.sub("", form)))
    form = _EDGES.sub("", form)
    if label == "PERSON":
        words = form.split()
        while len(words) > 1:
            for size in range(min(4, len(words) - 1), 0, -1):
                if normalize_name(" ".join(words[:size])) in TITLES:
                    words = words[size:]
                    break
            else:
                break
        form = " ".join(words)
    return form

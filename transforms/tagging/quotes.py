"""Quotations and their speakers in one text (a title or a body), from the characters and the
entity mentions the tagger already has: no parser, no model (plain functions, tested without
Beam or spaCy).

**Marks.** Straight and typographic double quotes (`"..."`, `“...”`, `„...“`), guillemets
(`«...»`) and single quotes (`‘...’`, `'...'`) outside a double-quoted span. A single mark
between two letters or digits is an apostrophe (`don’t`), one before a decade is an elision
(`the ’90s`), and `s’` followed by a lower-case word is a plural possessive (`the Smiths’
house`) unless no other closing mark follows in the paragraph.

**Paragraphs.** A quotation never runs past its paragraph (a blank line) unless the next
paragraph opens with a mark of the same kind: a quotation over several paragraphs (each opening
with a mark, only the last one closing) is one quotation, its text the whole span (the inner
marks and breaks included). An opening mark left unclosed ends at the end of its paragraph.

**What is a quotation.** A quoted span is a quotation when a reporting cue is attached to it
(`“...,” she said`, `Smith said: “...”`), or when it is long (`MIN_UNCUED_WORDS` words or
more) and either ends with sentence punctuation inside the marks or has `MIN_LONG_WORDS` words.
A span after `so-called`, `called`, `titled`, `dubbed`, ... is never one (scare quotes and
titles of works). A quotation interrupted by its attribution (`“A,” he said, “B.”`) is two
quotations with the same speaker and cue.

**Speakers.** The cue is a reporting verb (`said`, `told`, `added`, `warned`, ...: its lemma is
the `cue`) or `according to`. The speaker is the entity mention (PERSON first, else ORG, NORP,
GPE) between the quotation and a following cue (`, Smith said`), right after the cue
(`, said Smith`), or before a cue that opens the quotation (`Smith told the BBC that “...”`);
else a pronoun (`he`, `she`, `it`, `they`) or a role (`the prime minister`, `a spokeswoman`).
A pronoun resolves to the nearest PERSON mention before it and outside any quotation whose
gender (from `Mr`/`Mrs`/`Ms`/... before a mention of that person, else a short list of first
names, else unknown) is not the other one; `it` and `they` to the nearest such ORG. A role
resolves to the person the text names with it (`Prime Minister Theresa May`, `Theresa May, the
prime minister`), by the whole role, else by its last word. A quotation with no cue of its own
takes the speaker of the quotation just before it in the same or the previous paragraph.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence
from typing import NamedTuple

MIN_UNCUED_WORDS = 5
MIN_LONG_WORDS = 8
PRONOUN_REACH = 60  # mentions looked back at for a pronoun's person
SPEAKER_LABELS = ("PERSON", "ORG", "NORP", "GPE")
_PARAGRAPH = re.compile(r"\n[ \t\r\f\v]*\n")
_WORD = re.compile(r"\w+")
_ABBREVIATION = re.compile(r"\b(?:Mr|Mrs|Ms|Dr|St|Prof|Sen|Rep|Gov|Gen|Col|Capt|Lt|Sgt|[A-Z])\.")

# Reporting verbs, as written -> lemma (the model runs no lemmatizer).
_CUE_LEMMAS = {
    form: lemma
    for lemma, forms in {
        "say": "said says say saying", "tell": "told tells telling", "add": "added adds",
        "warn": "warned warns", "claim": "claimed claims", "insist": "insisted insists",
        "explain": "explained explains", "state": "stated states", "declare": "declared",
        "argue": "argued argues", "note": "noted notes", "write": "wrote writes",
        "ask": "asked asks", "reply": "replied replies", "respond": "responded",
        "admit": "admitted admits", "announce": "announced announces", "confirm": "confirmed",
        "tweet": "tweeted tweets", "continue": "continued", "recall": "recalled recalls",
        "suggest": "suggested suggests", "acknowledge": "acknowledged", "urge": "urged urges",
        "promise": "promised", "predict": "predicted", "vow": "vowed vows", "shout": "shouted",
        "joke": "joked", "complain": "complained", "concede": "conceded", "stress": "stressed",
        "agree": "agreed", "deny": "denied", "comment": "commented",
        "remark": "remarked", "observe": "observed", "cry": "cried", "plead": "pleaded",
        "protest": "protested", "counter": "countered", "recount": "recounted",
        "emphasise": "emphasised", "emphasize": "emphasized", "caution": "cautioned",
        "boast": "boasted", "lament": "lamented", "demand": "demanded", "report": "reported",
        "quip": "quipped",
    }.items()
    for form in forms.split()
}  # fmt: skip
_CUE = re.compile(
    r"\b(according to|" + "|".join(sorted(_CUE_LEMMAS, key=len, reverse=True)) + r")\b", re.I
)
_ADVERB = r"(?:\w+ly|also|later|then|once|again|simply|just|previously|recently|yesterday|today)"
_PRONOUNS = {"he": "m", "she": "f", "it": "o", "they": "o"}
_PRONOUN_BEFORE = re.compile(rf"\b(he|she|it|they)(?:\s+{_ADVERB})*\s*$", re.I)
_PRONOUN_AFTER = re.compile(r"^\s*(he|she|it|they)\b", re.I)
_DETERMINER = r"(?:the|a|an|his|her|their|its|one|another|our|this|that)"
_ROLE_BEFORE = re.compile(
    rf"(?:^|[\s,;(—–-])({_DETERMINER}\s+[^,;:.!?\"“”«»]{{1,60}}?)\s*,?\s*$", re.I
)
_ROLE_AFTER = re.compile(
    rf"^\s*({_DETERMINER}\s+[^,;:.!?\"“”«»]{{1,60}}?)\s*(?=[,;:.!?]|$| who\b| which\b)", re.I
)
_NAME = r"((?:[A-Z][\w’'-]+\s+){0,2}[A-Z][\w’'-]+)"
_NAME_BEFORE = re.compile(rf"(?:^|[\s,])(?:(?:[a-z]+|[A-Z][a-z]+)\s+)?{_NAME}\s*,?\s*$")
_NAME_AFTER = re.compile(rf"^\s*(?:[a-z]+\s+){{0,3}}{_NAME}\s*(?=[,;:.!?]|$)")
# After a cue that opens a quotation: `said`, `said:`, `told the BBC that`, `said on Monday:`
_TAIL = re.compile(r"\s*[:,]?\s*|(?:\s+[^\s,:;.!?]+){1,6}?\s*(?::|,|\bthat|,\s*that)\s*")
_ROLE_NOUNS = (
    r"(?:spokes(?:man|woman|person)|mayor|minister|officials?|police|sources?|president|"
    r"chairman|chairwoman|director|lawyers?|analysts?|economists?|experts?|witness(?:es)?|"
    r"residents?|campaigners?|aides?|insiders?|critics?|officers?|councillors?|"
    r"researchers?|scientists?|doctors?|survivors?)"
)
_BARE_ROLE_AFTER = re.compile(rf"^\s*((?:[a-z]+\s+){{0,2}}{_ROLE_NOUNS})\s*(?=[,;:.!?]|$)")
# Where the speaker after a cue ends: a sentence's end, or the comma after an apposition
# (`said the director, Ann Lee, who ...`).
_AFTER_STOP = re.compile(r"(?<!\bMr)(?<!\bMs)(?<!\bDr)(?<!\bMrs)(?<!\bSt)[;:.!?\"“”«»\n]|,[^,;:.!?]*,")
_CLAUSE_WORDS = frozenset(
    ["is", "was", "were", "are", "be", "been", "has", "had", "have", "would", "will", "could", "should", "can", "may", "might", "to", "did", "does", "do", "not", "that", "which", "who"]
)
_NOT_QUOTATION = re.compile(
    r"(?:so-called|so called|called|titled|entitled|named|dubbed|labell?ed|branded|"
    r"known as|the word|the words|the term|the phrase|the slogan|the hashtag|headlined|"
    r"the film|the song|the book|the novel|the album|the show|the series|the play|"
    r"the operation|the campaign|the programme|the program)\s*$", re.I
)  # fmt: skip
_HONORIFIC_GENDER = re.compile(
    r"\b(mr|mrs|ms|miss|sir|dame|lord|lady|baroness|king|queen|prince|princess)\.?\s+$", re.I
)
_HONORIFICS = {"mr": "m", "sir": "m", "lord": "m", "king": "m", "prince": "m", "mrs": "f",
               "ms": "f", "miss": "f", "dame": "f", "lady": "f", "baroness": "f", "queen": "f",
               "princess": "f"}  # fmt: skip
_MALE = (
    "john james david michael robert william richard thomas mark paul peter andrew george "
    "boris donald joe barack tony gordon keir jeremy nigel vladimir emmanuel justin xi "
    "matteo pedro olaf rishi ed ben sam tom jack harry charles henry edward daniel matthew "
    "steven stephen kevin brian alan simon martin chris christopher jonathan nick nicholas "
    "ahmed mohammed ali hassan omar ivan sergei dmitry igor carlos juan luis jose antonio "
    "hans klaus jean pierre michel francois marco luca giuseppe liam noah oliver lucas "
    "adam alex alexander philip patrick sean ryan jason scott eric frank gary greg jim "
    "bill bob dan dave mike steve rob rick ron roger ian neil hugh angus ross rory"
)
_FEMALE = (
    "mary elizabeth theresa angela hillary nicola priti liz kamala nancy ursula jacinda "
    "sarah emma anna anne jane susan karen linda patricia jennifer maria laura lisa helen "
    "rachel rebecca claire kate catherine margaret julia ruth alice sophie charlotte amy "
    "emily olivia jessica lucy hannah grace ella chloe fiona kirsty rosie jo joanna "
    "christine marine giorgia sanna mette yulia svetlana olga natalia fatima aisha sofia "
    "carmen isabel ana marta ines monica diane barbara nadia amina layla zara leila meg "
    "harriet penny kemi yvette caroline louise"
)
_TITLE_WORDS = frozenset(
    ["mr", "mrs", "ms", "miss", "dr", "sir", "dame", "lord", "lady", "professor", "prof", "baroness", "president", "minister"]
)
_FIRST_NAMES = {**{n: "m" for n in _MALE.split()}, **{n: "f" for n in _FEMALE.split()}}


class Mention(NamedTuple):
    """An entity mention of the text: offsets, label and key within the article."""

    start: int
    end: int
    label: str
    key: str


class Found(NamedTuple):
    """A quotation: the quoted words' offsets, the mention that names its speaker (None when
    there is none), the entity it resolves to (an index into the mentions, or None) and the
    cue's lemma."""

    start: int
    end: int
    speaker_start: int | None
    speaker_end: int | None
    speaker: int | None
    cue: str | None


class _Span(NamedTuple):
    open_at: int  # the opening mark
    close_at: int | None  # the closing mark; None when it ends at its paragraph
    start: int  # the words inside (whitespace trimmed)
    end: int


_DOUBLE_OPEN = {"“": '”"', "„": '“”"', "«": "»", '"': '"”'}
_DOUBLE_CLOSE = '”"»“'
_SINGLE_OPEN = {"‘": "’'", "'": "'’", "‹": "›", "‚": "‘’"}
_SINGLE_CLOSE = "’'›‘"


def _paragraph_bounds(text: str) -> list[tuple[int, int]]:
    bounds, start = [], 0
    for match in _PARAGRAPH.finditer(text):
        bounds.append((start, match.start()))
        start = match.end()
    bounds.append((start, len(text)))
    return bounds


def _is_opening(text: str, i: int, single: bool) -> bool:
    before = text[i - 1] if i > 0 else " "
    after = text[i + 1] if i + 1 < len(text) else " "
    mark = text[i]
    if after.isspace() and mark not in "«‹":
        return False
    if mark in "“„«‘‹‚":
        if single and before.isalnum():
            return False  # an apostrophe written with the wrong mark
    elif before.isalnum() or before in ".,;:!?%":
        return False
    if single:
        if re.match(r"\d\ds\b|\d\d\b", text[i + 1 : i + 4]):
            return False  # the '90s, '19
        if re.match(r"(em|tis|twas|cause|til|n)\b", text[i + 1 : i + 6], re.I):
            return False
    return True


def _is_closing(text: str, i: int, single: bool) -> bool:
    before = text[i - 1] if i > 0 else " "
    after = text[i + 1] if i + 1 < len(text) else " "
    if before.isspace() and text[i] not in "»›":
        return False
    return not (single and after.isalnum())  # don't, it's


def _possessive(text: str, i: int) -> bool:
    """`s’ house`: a plural possessive, not a closing mark."""
    return i > 0 and text[i - 1] in "sS" and re.match(r"\s+[a-z]", text[i + 1 : i + 3]) is not None


def _scan(text: str, paragraphs: list[tuple[int, int]], opens: dict[str, str], closes: str,
          single: bool, blocked: list[tuple[int, int]]) -> list[_Span]:  # fmt: skip
    """The quoted spans of one family of marks, paragraph by paragraph."""
    marks = "".join(sorted(set(opens) | set(closes)))
    starts = [start for start, _ in paragraphs]
    spans: list[_Span] = []
    blocked_starts = [b[0] for b in blocked]

    def inside_blocked(i: int) -> bool:
        k = bisect.bisect_right(blocked_starts, i) - 1
        return k >= 0 and blocked[k][0] <= i < blocked[k][1]

    positions = [m.start() for m in re.finditer(f"[{re.escape(marks)}]", text)]
    open_at: int | None = None
    open_mark = ""
    paragraph = 0

    def finish(close_at: int | None) -> None:
        end = close_at if close_at is not None else paragraphs[paragraph][1]
        start = open_at + 1
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        if end > start:
            spans.append(_Span(open_at, close_at, start, end))

    for index, i in enumerate(positions):
        if inside_blocked(i):
            continue
        mark = text[i]
        here = bisect.bisect_right(starts, i) - 1
        if open_at is not None and here != paragraph:
            reopens = (
                here == paragraph + 1
                and mark in opens
                and text[starts[here] : i].strip() == ""
                and _same_family(open_mark, mark)
            )
            if reopens:
                paragraph = here
                continue
            finish(None)
            open_at = None
        if open_at is None:
            if mark in opens and _is_opening(text, i, single):
                open_at, open_mark, paragraph = i, mark, here
            continue
        if mark in opens[open_mark] and _is_closing(text, i, single):
            if single and _possessive(text, i) and _closes_later(
                text, positions, index, opens[open_mark], paragraphs[paragraph][1]
            ):
                continue
            finish(i)
            open_at = None
        elif mark in opens and mark == open_mark and _is_opening(text, i, single):
            open_at = i  # an opening mark left unclosed before this one: it was stray
    if open_at is not None:
        finish(None)
    return spans


def _closes_later(text: str, positions: list[int], index: int, closers: str, end: int) -> bool:
    """Whether another closing mark follows in the paragraph (which ends at `end`)."""
    for j in positions[index + 1 :]:
        if j >= end:
            return False
        if text[j] in closers and _is_closing(text, j, True):
            return True
    return False


def _same_family(open_mark: str, mark: str) -> bool:
    return open_mark == mark or {open_mark, mark} <= set('“"„') or {open_mark, mark} <= set("‘'‚")


def quoted_spans(text: str) -> list[_Span]:
    """Every quoted span of `text` (double quotes, then single quotes outside them), in order."""
    paragraphs = _paragraph_bounds(text)
    doubles = _scan(text, paragraphs, _DOUBLE_OPEN, _DOUBLE_CLOSE, False, [])
    blocked = [(s.open_at, (s.close_at if s.close_at is not None else s.end) + 1) for s in doubles]
    singles = _scan(text, paragraphs, _SINGLE_OPEN, _SINGLE_CLOSE, True, blocked)
    return sorted(doubles + singles)


class _Attribution(NamedTuple):
    speaker_start: int | None
    speaker_end: int | None
    speaker_kind: str | None  # mention | pronoun | role
    mention: int | None  # the mention named (kind mention)
    cue: str


def _cue_lemma(word: str) -> str:
    word = word.lower()
    return "according to" if word.startswith("according") else _CUE_LEMMAS[word]


def _speaker_in(
    text: str, start: int, end: int, mentions: Sequence[Mention], at_end: bool
) -> tuple[int | None, int | None, str | None, int | None]:
    """The speaker named in text[start:end]: at its end (before a cue) or at its start (after
    a cue: `said Smith`, `said resident Mary Hill`, `said the director, Ann Lee`)."""
    piece = text[start:end]
    inside = [
        k for k, m in enumerate(mentions)
        if m.start >= start and m.end <= end and m.label in SPEAKER_LABELS
    ]  # fmt: skip
    last_word = re.search(r"([\w’'-]+)\W*$", piece)
    role_first = at_end and last_word is not None and last_word[1].islower()
    if role_first:  # `a Department of Health spokesperson said`: the role, not the ORG
        match = _ROLE_BEFORE.search(piece)
        if match and _plausible_role(match[1]):
            return start + match.start(1), start + match.end(1), "role", None
    if inside:
        inside = [k for k in inside if mentions[k].key not in _TITLE_WORDS]
        people = [k for k in inside if _personish(mentions[k])]
    if inside:
        if at_end:
            k = (people or inside)[-1]
            return mentions[k].start, mentions[k].end, "mention", k
        lead = len(piece) - len(piece.lstrip())
        comma = piece.find(",")
        near = [
            k for k in inside
            if mentions[k].start - start - lead <= 5
            or (comma >= 0 and 0 <= mentions[k].start - start - comma <= 3)
        ]  # fmt: skip
        if people or near:
            k = (people or near)[0]
            return mentions[k].start, mentions[k].end, "mention", k
    match = (_PRONOUN_BEFORE if at_end else _PRONOUN_AFTER).search(piece)
    if match:
        return start + match.start(1), start + match.end(1), "pronoun", None
    match = _NAME_BEFORE.search(piece) if at_end else _NAME_AFTER.search(piece)
    if match:  # a name the model did not tag: resolved by its last word
        return start + match.start(1), start + match.end(1), "name", None
    match = (_ROLE_BEFORE if at_end else _ROLE_AFTER).search(piece)
    if match and _plausible_role(match[1]):
        return start + match.start(1), start + match.end(1), "role", None
    match = None if at_end else _BARE_ROLE_AFTER.search(piece)
    if match:  # `says spokesman`, headline style
        return start + match.start(1), start + match.end(1), "role", None
    return None, None, None, None


def _personish(m: Mention) -> bool:
    """A PERSON, or a name the small model labelled otherwise that starts with a first name
    (`Nicola Sturgeon` tagged ORG)."""
    if m.label == "PERSON":
        return True
    words = m.key.split()
    return len(words) > 1 and words[0] in _FIRST_NAMES


def _plausible_role(phrase: str) -> bool:
    """A noun phrase, not a clause: `the museum's director`, not `the film was about it`."""
    words = phrase.lower().split()
    return len(words) <= 7 and not _CLAUSE_WORDS.intersection(words)


def _clause_start(text: str, lower: int, at: int) -> int:
    """Where the sentence holding `at` starts (not before `lower`)."""
    piece = text[lower:at]
    cut = lower
    for match in re.finditer(
        r"(?<!\b[A-Z])(?<!\b(?:Mr|Ms|Dr|St))(?<!\bMrs)[.!?]\s+(?=[A-Z“\"‘])", piece
    ):
        cut = lower + match.end()
    return cut


def _after(text: str, span: _Span, limit: int, mentions: Sequence[Mention]) -> _Attribution | None:
    """`“...,” Smith said`, `“...,” said Smith`, `“...,” according to Smith`."""
    begin = span.close_at + 1
    end = min(limit, begin + 120)
    piece = text[begin:end]
    lead = re.match(r"[\s,.!?;:—–-]*", piece).end()
    if re.search(r"[.!?;:]", piece[:lead]):
        return None  # the sentence ended after the closing mark
    body = piece[lead:]
    if not body:
        return None
    cue = _CUE.search(body[:80])
    if cue is None:
        return None
    before_cue = body[: cue.start()]
    if re.search(r"[.!?;:\"“”«»]", _ABBREVIATION.sub("", before_cue)):
        return None
    if len(before_cue.split()) > 8:
        return None
    lemma = _cue_lemma(cue[1])
    cue_start, cue_end = begin + lead + cue.start(), begin + lead + cue.end()
    if before_cue.strip():
        inner = text[span.start : span.end].rstrip()[-1:]
        if lead == 0 or not (inner in ",.!?…—–-" or piece[:lead].strip()):
            return None  # `her “Live” tour will get refunds, the promoter said`: no attribution
        found = _speaker_in(text, begin + lead, cue_start, mentions, at_end=True)
        if found[0] is None:
            found = _speaker_in(text, begin + lead, cue_start, mentions, at_end=False)
        if found[0] is None:
            return None
    else:
        if lemma == "tell":
            return None  # `“...,” told ...` is no attribution
        tail_end = cue_end
        stop = _AFTER_STOP.search(text, tail_end, end)
        stop_at = (stop.end() - 1 if stop[0][0] == "," else stop.start()) if stop else end
        found = _speaker_in(text, tail_end, stop_at, mentions, at_end=False)
        if found[0] is None:
            return None  # `“Up”, said the film was ...`: a cue, but nobody after it
    return _Attribution(*found, lemma)


def _before(text: str, span: _Span, lower: int, mentions: Sequence[Mention]) -> _Attribution | None:
    """`Smith said: “...”`, `Smith told the BBC that “...”`, `According to Smith, “...”`."""
    clause = _clause_start(text, lower, span.open_at)
    piece = text[clause : span.open_at]
    cues = list(_CUE.finditer(piece))
    if not cues:
        return None
    cue = cues[-1]
    tail = piece[cue.end() :]
    lemma = _cue_lemma(cue[1])
    if lemma == "according to":
        stop = re.search(r"[,;:.!?]", tail)
        if stop is None or tail[stop.end() :].strip():
            return None
        found = _speaker_in(
            text, clause + cue.end(), clause + cue.end() + stop.start(), mentions, at_end=False
        )
        return _Attribution(*found, lemma)
    if not _TAIL.fullmatch(tail):
        return None
    found = _speaker_in(text, clause, clause + cue.start(), mentions, at_end=True)
    return _Attribution(*found, lemma)


def _gender(text: str, mentions: Sequence[Mention]) -> dict[str, str]:
    """m or f per PERSON key, from an honorific before one of its mentions, else a first name."""
    genders: dict[str, str] = {}
    for m in mentions:
        if not _personish(m) or m.key in genders:
            continue
        honorific = _HONORIFIC_GENDER.search(text[max(0, m.start - 12) : m.start])
        written = text[m.start : m.end].split()
        if honorific:
            genders[m.key] = _HONORIFICS[honorific[1].lower()]
        elif written and written[0].lower().rstrip(".") in _HONORIFICS:
            genders[m.key] = _HONORIFICS[written[0].lower().rstrip(".")]
    for m in mentions:
        if _personish(m) and m.key not in genders:
            first = m.key.split()[0] if m.key else ""
            if first in _FIRST_NAMES and " " in m.key:
                genders[m.key] = _FIRST_NAMES[first]
    return genders


def _resolve_pronoun(
    word: str, at: int, mentions: Sequence[Mention], quoted: list[tuple[int, int]],
    genders: dict[str, str],
) -> int | None:  # fmt: skip
    kind = _PRONOUNS[word.lower()]

    quoted_starts = [s for s, _ in quoted]

    def in_quote(m: Mention) -> bool:
        k = bisect.bisect_right(quoted_starts, m.start) - 1
        return k >= 0 and m.start < quoted[k][1]

    first = bisect.bisect_left([m.start for m in mentions], at) - 1
    for k in range(first, max(first - PRONOUN_REACH, -1), -1):
        m = mentions[k]
        if in_quote(m):
            continue
        if kind == "o":
            if m.label in ("ORG", "NORP"):
                return k
            continue
        if _personish(m) and m.key not in _TITLE_WORDS and genders.get(m.key, kind) == kind:
            return k
    return None


def _resolve_role(text: str, role: str, mentions: Sequence[Mention]) -> int | None:
    words = re.sub(rf"^{_DETERMINER}\s+", "", role.strip(), flags=re.I).lower().split()
    if not words:
        return None
    people = [k for k, m in enumerate(mentions) if m.label == "PERSON"]
    for wanted in (" ".join(words), words[-1]):
        pattern = re.compile(rf"\b{re.escape(wanted)}\s*$", re.I)
        apposition = re.compile(
            rf"^,\s*(?:the\s+|a\s+|{_DETERMINER}\s+)?(?:[\w-]+\s+){{0,3}}?{re.escape(wanted)}\b",
            re.I,
        )
        for k in people:
            m = mentions[k]
            written = text[m.start : m.end].lower()
            if pattern.search(text[max(0, m.start - 40) : m.start]) or written.startswith(
                wanted + " "
            ):
                return k
            if apposition.search(text[m.end : m.end + 60]):
                return k
    return None


def _is_quotation(
    text: str, span: _Span, cued: bool, paragraph_start: int, follows: bool
) -> bool:
    """Cued, long, or a sentence right after a quotation of the same paragraph; never after
    `so-called`, `called`, `titled`, ..."""
    words = len(_WORD.findall(text[span.start : span.end]))
    if words == 0:
        return False
    if _NOT_QUOTATION.search(text[max(paragraph_start, span.open_at - 30) : span.open_at]):
        return False
    if cued:
        return True
    inner_end = text[span.start : span.end].rstrip("\"'”’»")[-1:]
    if follows and inner_end in ".!?…":
        return True
    if words < MIN_UNCUED_WORDS:
        return False
    return words >= MIN_LONG_WORDS or inner_end in ".!?…,"


def _lead_in(text: str, paragraph: tuple[int, int], mentions: Sequence[Mention]):
    """The paragraph before a quotation that opens its own: `Smith said the union would
    strike.` or `Smith said:` names its speaker."""
    start, end = paragraph
    cue = _CUE.search(text, start, end)
    if cue is None or cue[1].lower().startswith("according"):
        return None
    clause = _clause_start(text, start, cue.start())
    found = _speaker_in(text, clause, cue.start(), mentions, at_end=True)
    return _Attribution(*found, _cue_lemma(cue[1])) if found[0] is not None else None


def _resolve_name(name: str, mentions: Sequence[Mention]) -> int | None:
    """A name the model did not tag -> the person named in full whose key ends with its last
    word."""
    words = re.findall(r"\w+", name.lower())
    if not words:
        return None
    for k in range(len(mentions) - 1, -1, -1):
        m = mentions[k]
        if _personish(m) and m.key.split()[-1:] == words[-1:]:
            return k
    return None


def find_quotes(text: str, mentions: Sequence[Mention]) -> list[Found]:
    """The quotations of `text` with their speakers; `mentions` are its entity mentions in
    order of their offsets. Never raises on odd text (an empty list at worst)."""
    if not text:
        return []
    spans = quoted_spans(text)
    if not spans:
        return []
    paragraphs = _paragraph_bounds(text)
    starts = [s for s, _ in paragraphs]
    quoted = [(s.start, s.end) for s in spans]
    mentions = list(mentions)
    genders = _gender(text, mentions)
    found: list[Found] = []
    last: tuple[int, Found] | None = None
    for index, span in enumerate(spans):
        paragraph = bisect.bisect_right(starts, span.open_at) - 1
        p_start = paragraphs[paragraph][0]
        close_paragraph = (
            bisect.bisect_right(starts, span.close_at) - 1
            if span.close_at is not None
            else paragraph
        )
        limit = paragraphs[close_paragraph][1]
        if index + 1 < len(spans):
            limit = min(limit, max(spans[index + 1].open_at, span.end))
        lower = p_start
        if index and spans[index - 1].close_at is not None and spans[index - 1].close_at >= p_start:
            lower = spans[index - 1].close_at + 1
        attribution = None
        if span.close_at is not None:
            attribution = _after(text, span, limit, mentions)
        if attribution is None or attribution.speaker_start is None:
            before = _before(text, span, lower, mentions)
            if before is not None and (attribution is None or before.speaker_start is not None):
                attribution = before
        inherited = None
        if attribution is None and last is not None and last[0] >= paragraph - 1:
            inherited = last[1]  # `“A,” she said. “B.”`: B is hers too
        elif attribution is None and paragraph > 0 and not text[p_start : span.open_at].strip():
            attribution = _lead_in(text, paragraphs[paragraph - 1], mentions)
        follows = inherited is not None and last[0] == paragraph
        if not _is_quotation(text, span, attribution is not None, p_start, follows):
            continue
        if inherited is not None:
            quote = Found(span.start, span.end, inherited.speaker_start, inherited.speaker_end,
                          inherited.speaker, None)  # fmt: skip
        elif attribution is None:
            quote = Found(span.start, span.end, None, None, None, None)
        else:
            speaker = attribution.mention
            written = text[attribution.speaker_start : attribution.speaker_end] if (
                attribution.speaker_start is not None
            ) else ""  # fmt: skip
            if attribution.speaker_kind == "pronoun":
                speaker = _resolve_pronoun(written, attribution.speaker_start, mentions, quoted,
                                           genders)  # fmt: skip
            elif attribution.speaker_kind == "role":
                speaker = _resolve_role(text, written, mentions)
            elif attribution.speaker_kind == "name":
                speaker = _resolve_name(written, mentions)
            quote = Found(span.start, span.end, attribution.speaker_start,
                          attribution.speaker_end, speaker, attribution.cue)  # fmt: skip
        found.append(quote)
        last = (bisect.bisect_right(starts, span.end) - 1, quote)
    return found

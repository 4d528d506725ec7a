"""Cue bits around real spaCy mentions, for each hard case of issue #28, and display forms."""

import datetime as dt

import pytest

from transforms.parsing.parse import parse_article
from transforms.tagging.evidence import (
    CUES,
    cue_counts,
    display_form,
    doc_evidence,
    looks_like_demonym,
)
from transforms.tagging.spacy_vader import annotate_articles

NOW = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def _cues(tagger, text: str) -> list[tuple[str, set[str]]]:
    doc = tagger.nlp(text)
    bits = doc_evidence(doc, [e.start for e in doc.ents], [e.end for e in doc.ents])
    return [(e.text, {c for c, on in zip(CUES, cue_counts(b), strict=True) if on})
            for e, b in zip(doc.ents, bits, strict=True)]  # fmt: skip


@pytest.mark.parametrize(
    ("text", "mention", "expected"),
    [
        # an award
        ("She won an Oscar for the role.", "Oscar", {"article"}),
        ("He already has two Oscars.", "Oscars", {"number"}),
        ("The Oscar-winning actor arrived.", "Oscar", {"the", "award"}),
        # a club named like its city, a league
        ("Everton manager David Moyes was pleased.", "Everton", {"modifier", "org_head"}),
        ("Everton manager David Moyes was pleased.", "David Moyes", {"role"}),
        # a nationality used as an adjective
        ("Gavin Henson said the Welsh side played well.", "Welsh", {"the", "modifier", "org_head"}),
        # a band, a film named like a person
        ("The band Franz Ferdinand played in London.", "Franz Ferdinand", {"org_head"}),
        ("Jamie Foxx stars in the film Ray.", "Ray", {"work_head"}),
        # a company
        ("Yukos shares fell again.", "Yukos", {"modifier", "org_head"}),
        # a city
        ("The Glasgow-based firm grew.", "Glasgow", {"the", "place_head"}),
        # people
        ("Mr Blair said she would go.", "Blair", {"honorific", "speech", "pronoun"}),
        ("Tony Blair, who spoke first, left.", "Tony Blair", {"pronoun"}),
    ],
)
def test_each_hard_case_gets_its_cues_from_the_real_model(tagger, text, mention, expected):
    found = dict(_cues(tagger, text))
    assert mention in found, found
    assert found[mention] == expected


def test_mentions_at_the_edges_of_a_doc_and_docs_without_mentions(tagger):
    assert _cues(tagger, "Glasgow") in ([("Glasgow", set())], [])
    assert doc_evidence(tagger.nlp("nothing here"), [], []) == []
    doc = tagger.nlp("Blair")
    assert doc_evidence(doc, [0], [1]) == [0]


def test_tagger_marks_major_places_and_keeps_the_cues_per_mention(taggers):
    text = b"date 2005-01-10 Moyes\n\nEveryone in Glasgow knew. Mr Blair said he would go."
    article = parse_article("a.txt", text)
    [(_, mentions)] = list(annotate_articles(taggers, [article], run_id="r", processed_at=NOW))
    by_text = {m.text: m for m in mentions}
    assert cue_counts(by_text["Glasgow"].evidence)[CUES.index("place_name")] == 1
    assert cue_counts(by_text["Glasgow"].evidence)[CUES.index("place_head")] == 1  # "in"
    assert cue_counts(by_text["Blair"].evidence)[CUES.index("place_name")] == 0
    assert by_text["Blair"].name == "Blair"


@pytest.mark.parametrize(
    ("text", "label", "form"),
    [
        ("the BBC's", "ORG", "BBC"),
        ("Mr Tony  Blair", "PERSON", "Tony Blair"),
        ("Prime Minister Tony Blair", "PERSON", "Tony Blair"),
        ("Mr", "PERSON", "Mr"),
        ("ex-Yukos", "ORG", "Yukos"),
        ("anti-EU", "NORP", "EU"),
        ("U.S.", "GPE", "U.S."),
        ("'", "ORG", ""),
    ],
)
def test_display_form(text, label, form):
    assert display_form(text, label) == form


def test_demonyms():
    assert [looks_like_demonym(n) for n in ("welsh", "scottish", "iraqi", "milan", "jordan",
                                            "tony blair")] == [True, True, True, False, False,
                                                               False]  # fmt: skip

"""Quotations and speakers in plain text (transforms/tagging/quotes.py), one style a test."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from transforms.tagging.quotes import Mention, find_quotes, quoted_spans


def _mentions(text: str, names: dict[str, tuple[str, str]]) -> list[Mention]:
    """Every occurrence of each name (longest first) as a mention keyed `names[name]`."""
    found: list[Mention] = []
    for name in sorted(names, key=len, reverse=True):
        for match in re.finditer(rf"(?<!\w){re.escape(name)}(?!\w)", text):
            if not any(m.start < match.end() and match.start() < m.end for m in found):
                key, label = names[name]
                found.append(Mention(match.start(), match.end(), label, key))
    return sorted(found)


def _rows(text: str, names: dict[str, tuple[str, str]] | None = None) -> list[tuple]:
    """(quoted words, start, end, speaker as written, speaker key, cue) of each quotation."""
    mentions = _mentions(text, names or {})
    return [
        (
            text[q.start : q.end], q.start, q.end,
            text[q.speaker_start : q.speaker_end] if q.speaker_start is not None else None,
            mentions[q.speaker].key if q.speaker is not None else None, q.cue,
        )
        for q in find_quotes(text, mentions)
    ]  # fmt: skip


MAY = {"Theresa May": ("theresa may", "PERSON"), "May": ("theresa may", "PERSON")}


def test_typographic_quote_with_a_role_linked_to_the_person_the_text_names():
    text = "Prime Minister Theresa May spoke first. “We will not back down,” the prime minister said."
    assert _rows(text, MAY) == [
        ("We will not back down,", 41, 63, "the prime minister", "theresa may", "say")
    ]


def test_role_linked_through_an_apposition():
    text = "Theresa May, the prime minister, arrived. “It is time,” the prime minister said."
    assert _rows(text, MAY)[0][3:] == ("the prime minister", "theresa may", "say")


def test_straight_quotes_said_name_and_told_that():
    names = {"John Smith": ("john smith", "PERSON"), "Smith": ("john smith", "PERSON"),
             "BBC": ("bbc", "ORG")}  # fmt: skip
    text = '"It is over," said John Smith. Smith told the BBC that "nothing is left for us here".'
    assert _rows(text, names) == [
        ("It is over,", 1, 12, "John Smith", "john smith", "say"),
        ("nothing is left for us here", 56, 83, "Smith", "john smith", "tell"),
    ]


def test_speaker_before_a_colon_and_after_a_descriptor():
    names = {"Helen Ward": ("helen ward", "PERSON"), "Mary Hill": ("mary hill", "PERSON")}
    text = (
        "Detective Inspector Helen Ward said: “This was an unprovoked attack.”\n\n"
        "“The roads are impassable,” said resident Mary Hill."
    )
    assert _rows(text, names) == [
        ("This was an unprovoked attack.", 38, 68, "Helen Ward", "helen ward", "say"),
        ("The roads are impassable,", 72, 97, "Mary Hill", "mary hill", "say"),
    ]


def test_british_single_quotes_keep_apostrophes_decades_and_possessives():
    names = {"Jones": ("jones", "PERSON"), "Smiths": ("smiths", "ORG")}
    text = (
        "Fans of the ’90s sound came to the Smiths’ show. ‘I don’t know what the Smiths’ fans "
        "expected,’ Mr Jones said. The show was ‘lovely’."
    )
    assert _rows(text, names) == [
        ("I don’t know what the Smiths’ fans expected,", 50, 94, "Jones", "jones", "say")
    ]


def test_guillemets_with_inner_spaces():
    names = {"Macron": ("emmanuel macron", "PERSON")}
    text = "« We have heard the anger », Macron said."
    assert _rows(text, names) == [("We have heard the anger", 2, 25, "Macron", "emmanuel macron", "say")]


def test_interrupted_quotation_is_two_rows_with_one_speaker():
    names = {"Maria Gonzalez": ("maria gonzalez", "PERSON")}
    text = "Maria Gonzalez runs the bakery.\n\n“When I started,” she said, “there were four bakeries. Now there is only me.”"
    assert _rows(text, names) == [
        ("When I started,", 34, 49, "she", "maria gonzalez", "say"),
        ("there were four bakeries. Now there is only me.", 62, 109, "she", "maria gonzalez", "say"),
    ]


def test_multi_paragraph_quotation_is_one_row_to_the_last_closing_mark():
    names = {"Len McCluskey": ("len mccluskey", "PERSON")}
    text = (
        "Len McCluskey said the union would ballot its members.\n\n"
        "“Our members have been patient for too long.\n\n"
        "“Enough is enough. We will ballot for action.”\n\nThe employers were disappointed."
    )
    ((words, start, end, speaker, key, cue),) = _rows(text, names)
    assert (start, end) == (57, 147)
    assert words == "Our members have been patient for too long.\n\n“Enough is enough. We will ballot for action."
    assert (speaker, key, cue) == ("Len McCluskey", "len mccluskey", "say")


def test_an_unbalanced_mark_ends_at_its_paragraph():
    text = (
        "The agency said in a statement that “the figures are provisional and may be revised\n\n"
        "Markets were calm. Traders said volumes were low and nobody expected a change.\n\n"
        "“Nothing has changed,” said David Rowe."
    )
    names = {"David Rowe": ("david rowe", "PERSON")}
    assert _rows(text, names) == [
        ("the figures are provisional and may be revised", 37, 83, "The agency", None, "say"),
        ("Nothing has changed,", 166, 186, "David Rowe", "david rowe", "say"),
    ]


def test_scare_quotes_and_titles_of_works_are_not_quotations():
    text = (
        "Critics of the so-called “reform” say it will cut services. A film called “Up” won. "
        "The novel “A Tale of Two Cities” sold well, and ministers call the plan “modernisation”. "
        "The police said officers had acted “proportionately” and that three were held. Fans bought her “Live 2017” tour "
        "tickets, the promoter said."
    )
    assert _rows(text) == []


def test_pronouns_resolve_by_gender_and_never_to_a_name_inside_a_quotation():
    names = {"Brown": ("brown", "PERSON"), "Green": ("green", "PERSON"),
             "Johnson": ("johnson", "PERSON")}  # fmt: skip
    text = (
        "Mr Brown met Ms Green on Monday. “It was a productive meeting,” he said. "
        "“I met Johnson too,” she added. “We agree on most things,” he said."
    )
    assert [row[3:] for row in _rows(text, names)] == [
        ("he", "brown", "say"), ("she", "green", "add"), ("he", "brown", "say")
    ]


def test_according_to_and_a_sentence_following_a_quotation():
    names = {"Merkel": ("angela merkel", "PERSON"), "Johnny Marr": ("johnny marr", "PERSON")}
    text = (
        "According to Merkel, “the government has a clear mandate”.\n\n"
        "‘We didn’t think anyone would come,’ said guitarist Johnny Marr. ‘It’s been amazing.’"
    )
    assert [row[0:1] + row[3:] for row in _rows(text, names)] == [
        ("the government has a clear mandate", "Merkel", "angela merkel", "according to"),
        ("We didn’t think anyone would come,", "Johnny Marr", "johnny marr", "say"),
        ("It’s been amazing.", "Johnny Marr", "johnny marr", None),
    ]


def test_a_long_quotation_without_a_cue_has_no_speaker():
    text = "The report ended: no. “Every one of these numbers is a person who has been failed.”"
    assert _rows(text) == [
        ("Every one of these numbers is a person who has been failed.", 23, 82, None, None, None)
    ]


def test_odd_texts_never_raise():
    for text in ["", "“", "”", "'", "‘’", '""', "«»", "“ ”", "\n\n“\n\n“\n\n", "'90s '" * 50,
                 "“a" * 2000, "”said he" * 500, "said: “" + "x " * 5000]:  # fmt: skip
        for quote in find_quotes(text, []):
            assert 0 <= quote.start < quote.end <= len(text)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="ab .,\n“”‘’'\"«»:said he", max_size=300))
def test_spans_stay_in_their_paragraph_unless_the_next_one_reopens(text):
    for span in quoted_spans(text):
        inner = text[span.start : span.end]
        assert inner and not inner[0].isspace() and not inner[-1].isspace()
        for piece in re.split(r"\n[ \t\r\f\v]*\n", inner)[1:]:
            assert piece.lstrip()[:1] in "“\"„«‘'‚‹"  # each later paragraph reopens the quote
    find_quotes(text, [])

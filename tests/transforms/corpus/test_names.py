"""Corpus-level names: one label per name, lone surnames linked across articles, and an
incremental run that rewrites the partitions whose names now resolve differently."""

import collections
import datetime as dt

import apache_beam as beam
import pyarrow as pa
import pytest
from apache_beam.testing.test_pipeline import TestPipeline
from apache_beam.testing.util import assert_that, equal_to

from schemas import ENTITIES, ENTITY_NAMES, EntityMention, EntityNameDay
from transforms.corpus.names import (
    BuildResolverFn,
    BuildResolversFn,
    NameResolver,
    ResolveCorpusNames,
    article_names,
    corpus_labels,
    decide_label,
    month_names,
    resolve_corpus,
    surname_links,
)
from transforms.io.write import to_table, write_table

DEC, JAN = dt.date(2018, 12, 5), dt.date(2019, 1, 10)


def _m(article, name, label, date, start=0, method="as_written") -> EntityMention:
    return EntityMention(article, "body", name, label, start, start + 1, 0, 0, None, name, label,
                         date, canonical_method=method, article_canonical=name,
                         article_label=label)  # fmt: skip


def test_corpus_label_needs_support_and_a_two_thirds_majority():
    counts = {
        "labour": collections.Counter(ORG=150, PERSON=62),  # 0.71: ORG
        "jordan": collections.Counter(GPE=3, PERSON=2),  # 0.6: no clear majority
        "acme": collections.Counter(ORG=2, PERSON=1),  # 0.67 but only 2 mentions
        "mars": collections.Counter(LOC=4, PERSON=1, DATE=40),  # DATE is not a name label
        "paris": collections.Counter(GPE=9),  # one label: nothing to reconcile
    }
    assert corpus_labels(counts) == {"labour": "ORG", "mars": "LOC"}


def test_surname_links_to_the_full_name_with_ninety_percent_of_the_month():
    full = {
        (DEC, "tony blair", "PERSON"): 9,
        (DEC, "cherie blair", "PERSON"): 1,  # 9 of 10: links
        (JAN, "tony blair", "PERSON"): 3,
        (JAN, "cherie blair", "PERSON"): 1,  # 3 of 4: stays apart
        (DEC, "george bush", "ORG"): 5,  # ORG in its articles, PERSON across the corpus
        (JAN, "kate bush", "PERSON"): 1,  # January: one article is too little support
    }
    full = {((d.year, d.month), n, lab): a for (d, n, lab), a in full.items()}
    links = surname_links(full, {"george bush": "PERSON"})
    assert links == {
        ((2018, 12), "blair"): "tony blair",
        ((2018, 12), "bush"): "george bush",
        ((2019, 1), "blair"): "",  # two people share the surname that month: apart
        ((2019, 1), "bush"): "",  # Kate, not the corpus-wide George: apart
    }


def test_a_lone_surname_links_across_the_corpus_when_one_person_dominates_it():
    full = {
        ((2005, 1), "george w bush", "PERSON"): 6,
        ((2005, 2), "george w bush", "PERSON"): 1,  # too little support in February alone
        ((2005, 3), "tony blair", "PERSON"): 2,
        ((2005, 3), "cherie blair", "PERSON"): 2,  # March: two Blairs
        ((2005, 4), "tony blair", "PERSON"): 30,
    }
    links = surname_links(full, {})
    resolver = NameResolver({}, links, {})
    assert resolver.final((2005, 2), "bush", "PERSON", "as_written") == (
        "george w bush", "PERSON", "corpus")  # fmt: skip
    assert resolver.final((2005, 5), "bush", "PERSON", "as_written") == (
        "george w bush", "PERSON", "corpus")  # a month with no full name: the corpus's
    assert resolver.final((2005, 3), "blair", "PERSON", "as_written") == (
        "blair", "PERSON", "as_written")  # fmt: skip
    assert resolver.final((2005, 6), "blair", "PERSON", "as_written") == (
        "tony blair", "PERSON", "corpus")  # 32 of 34 articles across the corpus


def test_resolver_applies_labels_then_links_only_lone_as_written_surnames():
    resolver = NameResolver(
        {"labour": ("ORG", "majority"), "blair": ("PERSON", "majority")},
        {((2018, 12), "blair"): "tony blair"},
        {},
    )
    assert resolver.final((2018, 12), "labour", "PERSON", "as_written") == (
        "labour",
        "ORG",
        "as_written",
    )
    assert resolver.final((2018, 12), "blair", "ORG", "as_written") == (
        "tony blair",
        "PERSON",
        "corpus",
    )
    assert resolver.final((2019, 1), "blair", "PERSON", "as_written") == (
        "blair",
        "PERSON",
        "as_written",
    )
    assert resolver.final((2018, 12), "blair", "PERSON", "alias") == ("blair", "PERSON", "alias")
    assert resolver.final((2018, 12), "2018", "DATE", "as_written") == (
        "2018",
        "DATE",
        "as_written",
    )


# Published: December names "Labour" as a PERSON twice, January is untouched by the run.
PUBLISHED = {
    "2018/12": [_m("d1", "labour", "PERSON", DEC), _m("d2", "labour", "PERSON", DEC)],
    "2019/1": [_m("j1", "oslo", "GPE", JAN)],
}
# The run adds four January articles that name Labour as an ORG (4 of 6 mentions: ORG).
NEW = [[_m(f"n{i}", "labour", "ORG", JAN), _m(f"n{i}", "oslo", "GPE", JAN, 5)] for i in range(4)]


def _publish(root):
    for month, mentions in PUBLISHED.items():
        for dataset, rows in (
            (ENTITIES, mentions),
            (ENTITY_NAMES, [n for m in mentions for n in article_names([m])]),
        ):
            directory = root / dataset.name / f"year={month[:4]}" / f"month={month[5:]}"
            directory.mkdir(parents=True)
            table = pa.Table.from_pylist([r._asdict() for r in rows], schema=dataset.schema)
            write_table(table, str(directory / "part-p.parquet"))


def test_incremental_run_rewrites_the_partitions_whose_names_now_resolve_differently(
    tmp_path, profile
):
    _publish(tmp_path / "previous")
    every = [*PUBLISHED["2018/12"], *PUBLISHED["2019/1"], *(m for ms in NEW for m in ms)]
    expected = resolve_corpus(every)  # what a full run over everything gives
    assert {m.canonical_label for m in expected if m.canonical == "labour"} == {"ORG"}
    with TestPipeline() as pipeline:
        names = (
            pipeline | "New" >> beam.Create(NEW),
            pipeline | "Dropped" >> beam.Create([]),
        ) | ResolveCorpusNames(str(tmp_path / "previous"), profile=profile)
        mentions = names.mentions | beam.FlatMap(lambda ms: ms)
        assert_that(mentions, equal_to(expected), label="CheckMentions")
        # December was not touched by the new files, but its names changed label
        assert_that(names.partitions, equal_to([(2019, 1), (2018, 12)]), label="CheckPartitions")
        rows = names.entity_names | "FlatNames" >> beam.FlatMap(lambda rs: rs)
        assert_that(
            rows
            | beam.Map(
                lambda r: (
                    r.published_date,
                    r.article_canonical,
                    r.article_label,
                    r.articles,
                    r.mentions,
                )
            ),
            equal_to(
                [
                    (DEC, "labour", "PERSON", 2, 2),
                    (JAN, "labour", "ORG", 4, 4),
                    (JAN, "oslo", "GPE", 5, 5),
                ]
            ),
            label="CheckNames",
        )


def test_full_run_resolves_like_the_in_process_function(profile):
    every = [m for ms in NEW for m in ms] + [_m("b1", "tony blair", "PERSON", JAN),
             _m("b2", "tony blair", "PERSON", JAN), _m("b3", "blair", "PERSON", JAN)]  # fmt: skip
    expected = resolve_corpus(every)
    assert [(m.canonical, m.canonical_method) for m in expected if m.article_id == "b3"] == [
        ("tony blair", "corpus")
    ]
    by_article = collections.defaultdict(list)
    for m in every:
        by_article[m.article_id].append(m)
    with TestPipeline() as pipeline:
        names = (
            pipeline | "New" >> beam.Create(list(by_article.values())),
            pipeline | "Dropped" >> beam.Create([]),
        ) | ResolveCorpusNames(None, profile=profile)
        assert_that(names.mentions | beam.FlatMap(lambda ms: ms), equal_to(expected))


def _cues(**counts) -> list[int]:
    from transforms.tagging.evidence import CUES

    return [counts.get(cue, 0) for cue in CUES]


@pytest.mark.parametrize(
    ("name", "labels", "cues", "decided"),
    [
        # an award the model calls PERSON most of the time: "an Oscar", "Oscar nomination"
        ("oscar", {"PERSON": 20, "WORK_OF_ART": 3}, _cues(article=4, award=3, speech=1),
         ("WORK_OF_ART", "evidence")),
        # "the Premiership": not a person; the model's other label
        ("premiership", {"PERSON": 9, "ORG": 2}, _cues(the=8), ("ORG", "evidence")),
        # a club named like its city: "Everton manager", "Everton fans"
        ("everton", {"PERSON": 6, "ORG": 5, "GPE": 1}, _cues(org_head=4, modifier=4),
         ("ORG", "evidence")),
        # a nationality as an adjective: "the Welsh side"
        ("welsh", {"PERSON": 7, "NORP": 2}, _cues(the=5, modifier=5, org_head=3),
         ("NORP", "evidence")),
        ("franz ferdinand", {"PERSON": 10}, _cues(org_head=3), ("ORG", "evidence")),
        ("ray", {"PERSON": 12}, _cues(work_head=3, speech=1), ("WORK_OF_ART", "evidence")),
        ("yukos", {"PERSON": 5, "ORG": 6}, _cues(org_head=4), ("ORG", "evidence")),
        # a city in the gazetteer is not PERSON unless a person is strongly attested
        ("glasgow", {"PERSON": 6, "GPE": 2}, _cues(place_name=8), ("GPE", "gazetteer")),
        # "Bush" is a city too (Egypt's Būsh), but the corpus names George W Bush in full
        ("bush", {"PERSON": 6}, _cues(place_name=6), None),
        ("jordan", {"PERSON": 6, "GPE": 2}, _cues(place_name=8, honorific=3),
         ("PERSON", "evidence")),
        # people stay people: their cues confirm the model's only label
        ("tony blair", {"PERSON": 40}, _cues(honorific=5, speech=9, the=1), None),
        # people with a minority of ORG labels: the cues decide
        ("blair", {"PERSON": 6, "ORG": 4}, _cues(honorific=3, pronoun=1), ("PERSON", "evidence")),
        # one stray cue in many mentions decides nothing; the majority rule still does
        ("labour", {"ORG": 150, "PERSON": 62}, _cues(work_head=2), ("ORG", "majority")),
        ("acme", {"ORG": 2, "PERSON": 1}, _cues(), None),
        # organisations speak too: "the BBC said" is no evidence of a person
        ("bbc", {"ORG": 30, "PERSON": 5}, _cues(speech=20, the=25), ("ORG", "majority")),
        ("2005", {"DATE": 9}, _cues(the=9), None),
    ],
)  # fmt: skip
def test_decide_label_from_the_evidence_of_the_corpus(name, labels, cues, decided):
    assert decide_label(name, collections.Counter(labels), cues, name == "bush") == decided


def test_resolver_records_how_each_label_was_decided():
    rows = [
        EntityNameDay(DEC, "oscar", "PERSON", 5, 5, tuple(_cues(article=3)), (("Oscar", 5),)),
        EntityNameDay(DEC, "tony blair", "PERSON", 3, 3, tuple(_cues(honorific=2)),
                      (("Tony Blair", 3),)),
        EntityNameDay(JAN, "labour", "ORG", 4, 4, tuple(_cues()), (("Labour", 4),)),
        EntityNameDay(JAN, "labour", "PERSON", 1, 1, tuple(_cues()), (("Labour", 1),)),
    ]  # fmt: skip
    fn = BuildResolverFn()
    resolver = fn.extract_output(fn.add_input(fn.create_accumulator(), rows))
    assert resolver.decide((2018, 12), "oscar", "PERSON", "as_written") == (
        "oscar", "ORG", "as_written", "evidence")  # fmt: skip
    assert resolver.decide((2019, 1), "labour", "PERSON", "as_written") == (
        "labour", "ORG", "as_written", "majority")  # fmt: skip
    assert resolver.decide((2018, 12), "tony blair", "PERSON", "as_written") == (
        "tony blair", "PERSON", "as_written", "article")  # fmt: skip
    assert resolver.names["tony blair"] == "Tony Blair"


def test_month_names_sum_a_partitions_days_and_give_the_same_resolver():
    """What an incremental run reads of the published `entity_names`: per partition, one row
    per (name, label) summed over its days, dated its first day; the resolver is the same."""
    dec_late = dt.date(2018, 12, 20)
    daily = [
        EntityNameDay(DEC, "bush", "PERSON", 1, 2, tuple(_cues(honorific=1)), (("Bush", 2),)),
        EntityNameDay(dec_late, "bush", "PERSON", 2, 3, tuple(_cues(pronoun=2)),
                      (("BUSH", 1), ("Bush", 2))),
        EntityNameDay(DEC, "george bush", "PERSON", 2, 2, tuple(_cues()), (("George Bush", 2),)),
        EntityNameDay(dec_late, "george bush", "PERSON", 1, 1, tuple(_cues()), ()),
        EntityNameDay(JAN, "bush", "PERSON", 1, 1, tuple(_cues()), (("Bush", 1),)),
        EntityNameDay(JAN, "bush", "ORG", 1, 1, tuple(_cues(org_head=1)), (("Bush", 1),)),
        EntityNameDay(None, "bush", "PERSON", 1, 1, tuple(_cues()), (("Bush", 1),)),
    ]  # fmt: skip
    summed = dict(month_names(to_table(daily, ENTITY_NAMES)))
    assert sorted(summed) == [(0, 0), (2018, 12), (2019, 1)]
    assert list(summed[(2018, 12)]) == [
        EntityNameDay(DEC, "bush", "PERSON", 3, 5, tuple(_cues(honorific=1, pronoun=2)),
                      (("BUSH", 1), ("Bush", 4))),
        EntityNameDay(DEC, "george bush", "PERSON", 3, 3, tuple(_cues()), (("George Bush", 2),)),
    ]  # fmt: skip
    assert [r.article_label for r in summed[(2019, 1)]] == ["ORG", "PERSON"]
    assert list(summed[(0, 0)]) == [daily[-1]]
    fn = BuildResolverFn()

    def resolver(lists):
        accumulator = fn.create_accumulator()
        for rows in lists:
            accumulator = fn.add_input(accumulator, rows)
        return fn.extract_output(accumulator)

    assert resolver(summed.values()) == resolver([daily])
    assert resolver(summed.values()).names["bush"] == "Bush"


def test_both_resolvers_in_one_pass_are_the_two_single_ones_and_find_the_relabelled_months():
    """`BuildResolversFn` (an incremental run): the resolver before = every published row, after
    = the untouched months' rows and the touched months' recomputed ones; the untouched months
    where a name resolves differently after. A February article names Laura Bush five times:
    George Bush no longer dominates "bush" across the corpus, so December's lone "bush" (no full
    name that month) stays apart, while January's still links to the George Bush it names."""
    feb = dt.date(2019, 2, 3)
    december = [EntityNameDay(DEC, "bush", "PERSON", 2, 2, tuple(_cues()), (("Bush", 2),))]
    january = [
        EntityNameDay(JAN, "george bush", "PERSON", 3, 3, tuple(_cues()), (("George Bush", 3),)),
        EntityNameDay(JAN, "bush", "PERSON", 1, 1, tuple(_cues()), (("Bush", 1),)),
    ]  # fmt: skip
    february = [  # published; its Oscar article is dropped by this run
        EntityNameDay(feb, "george bush", "PERSON", 1, 1, tuple(_cues()), (("George Bush", 1),)),
        EntityNameDay(feb, "oscar", "WORK_OF_ART", 1, 1, tuple(_cues()), (("Oscar", 1),)),
    ]  # fmt: skip
    recomputed = [
        february[0],
        EntityNameDay(feb, "laura bush", "PERSON", 5, 5, tuple(_cues()), (("Laura Bush", 5),)),
    ]  # fmt: skip
    one = BuildResolverFn()

    def single(lists):
        accumulator = one.create_accumulator()
        for rows in lists:
            accumulator = one.add_input(accumulator, rows)
        return one.extract_output(accumulator)

    fn = BuildResolversFn()
    items = [("published", ((2018, 12), december)), ("published", ((2019, 1), january)),
             ("published", ((2019, 2), february)), ("changed", recomputed),
             ("touched", (2019, 2))]  # fmt: skip
    halves = [fn.create_accumulator(), fn.create_accumulator()]
    for i, item in enumerate(items):
        fn.add_input(halves[i % 2], item)
    resolvers = fn.extract_output(fn.merge_accumulators(halves))
    assert resolvers.before == single([december, january, february])
    assert resolvers.after == single([december, january, recomputed])
    assert resolvers.before.decide((2018, 12), "bush", "PERSON", "as_written")[0] == "george bush"
    assert resolvers.after.decide((2018, 12), "bush", "PERSON", "as_written")[0] == "bush"
    assert resolvers.after.decide((2019, 1), "bush", "PERSON", "as_written")[0] == "george bush"
    assert "oscar" in resolvers.before.names and "oscar" not in resolvers.after.names
    assert resolvers.relabelled == [(2018, 12)]

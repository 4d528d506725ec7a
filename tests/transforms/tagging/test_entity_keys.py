import collections
import datetime as dt
import itertools
import random

import pandas as pd
import pytest

from schemas import EntityMention
from transforms.corpus.rollups import compute_rollups
from transforms.parsing.parse import parse_article
from transforms.tagging.entity_keys import (
    canonical_names,
    load_aliases,
    normalize_name,
    strip_titles,
)
from transforms.tagging.spacy_vader import annotate_articles

ALIASES = load_aliases()
NOW = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("U.S.", "us"),
        ("the United States", "united states"),
        ("THE UNITED STATES", "united states"),
        ("Turkey’s", "turkey"),
        ("Erdogan's", "erdogan"),
        ("Sarah Huckabee-Sanders", "sarah huckabee sanders"),
        ("  Maria   Zakharova ", "maria zakharova"),
        ("ex-Yukos", "yukos"),
        ("the anti-EU", "eu"),
        ("Pro-Europe", "europe"),
        ("Exeter", "exeter"),
        ("expo", "expo"),
    ],
)
def test_normalize_name(text, name):
    assert normalize_name(text) == name


def _keys(mentions, aliases):
    return [(name.canonical, name.label) for name in canonical_names(mentions, aliases)]


def test_us_spellings_share_one_key():
    mentions = [
        ("U.S.", "GPE"),
        ("US", "GPE"),
        ("the United States", "GPE"),
        ("United States", "GPE"),
    ]
    assert set(_keys(mentions, ALIASES)) == {("united states", "GPE")}


def test_short_person_names_link_to_the_full_name_in_the_article():
    mentions = [
        ("Sarah Huckabee Sanders", "PERSON"),
        ("Sanders", "PERSON"),
        ("Maria Zakharova", "PERSON"),
        ("Zakharova", "PERSON"),
        ("Huckabee", "PERSON"),  # not a surname of anyone here: stays itself
    ]
    assert _keys(mentions, ALIASES) == [
        ("sarah huckabee sanders", "PERSON"),
        ("sarah huckabee sanders", "PERSON"),
        ("maria zakharova", "PERSON"),
        ("maria zakharova", "PERSON"),
        ("huckabee", "PERSON"),
    ]


def test_short_name_links_to_the_nearest_preceding_full_name():
    mentions = [
        ("Anna Smith", "PERSON"),
        ("Smith", "PERSON"),
        ("John Smith", "PERSON"),
        ("Smith", "PERSON"),
    ]
    assert [c for c, _ in _keys(mentions, ALIASES)] == [
        "anna smith",
        "anna smith",
        "john smith",
        "john smith",
    ]


def test_a_lone_first_name_links_to_the_one_full_name_it_starts():
    from transforms.tagging.evidence import WORK_HEAD

    mentions = [("David Beckham", "PERSON"), ("David", "PERSON"), ("Ray Charles", "PERSON"),
                ("Ray", "PERSON"), ("Ray", "PERSON")]  # fmt: skip
    names = canonical_names(mentions, ALIASES, [0, 0, 0, WORK_HEAD, 0])
    assert [(n.canonical, n.method) for n in names] == [
        ("david beckham", "as_written"), ("david beckham", "in_article"),
        ("ray charles", "as_written"), ("ray", "as_written"),  # "the film Ray"
        ("ray charles", "in_article"),
    ]  # fmt: skip
    two = canonical_names([("David Beckham", "PERSON"), ("David Moyes", "PERSON"),
                           ("David", "PERSON")], ALIASES)  # fmt: skip
    assert two[2].canonical == "david"  # two Davids: apart


def test_labels_that_conflict_are_never_merged_unless_the_table_says_so():
    mentions = [
        ("Jordan", "PERSON"),
        ("Jordan", "GPE"),
        ("Michael Jordan", "PERSON"),
        ("Jordan", "GPE"),
    ]
    assert _keys(mentions, ALIASES) == [
        ("michael jordan", "PERSON"),
        ("jordan", "GPE"),
        ("michael jordan", "PERSON"),
        ("jordan", "GPE"),
    ]
    # A lone surname labelled ORG is the person named in full in the same article ...
    assert _keys([("Maria Zakharova", "PERSON"), ("Zakharova", "ORG")], ALIASES) == [
        ("maria zakharova", "PERSON"),
        ("maria zakharova", "PERSON"),
    ]
    # ... but not in an article that names no such person.
    assert _keys([("Zakharova", "ORG")], ALIASES) == [("zakharova", "ORG")]
    # ORG "US" is merged into the GPE key because the alias table lists ORG for it.
    assert _keys([("US", "ORG")], ALIASES) == [("united states", "GPE")]


def test_user_alias_table_extends_the_packaged_one(tmp_path):
    extra = tmp_path / "aliases.yaml"
    extra.write_text(
        'version: "local-1"\nentities:\n  - canonical: Kurdish YPG\n    label: ORG\n    aliases: [YPG, People\'s Protection Units]\n'
    )
    table = load_aliases(extra)
    assert table.version == "2026.12.1+local-1"
    assert _keys([("YPG", "ORG"), ("the US", "GPE")], table) == [
        ("kurdish ypg", "ORG"),
        ("united states", "GPE"),
    ]


@pytest.mark.parametrize(
    ("name", "stripped", "personal"),
    [
        ("mr blair", "blair", True),
        ("prime minister theresa may", "theresa may", False),
        ("sen elizabeth warren", "elizabeth warren", True),
        ("dr sir john smith", "john smith", True),
        ("president trump", "trump", False),
        ("lord", "lord", False),  # a name is never emptied
        ("tony blair", "tony blair", False),
        ("general motors", "motors", False),  # only ever applied to PERSON names
    ],
)
def test_strip_titles(name, stripped, personal):
    assert strip_titles(name) == (stripped, personal)


def test_honorifics_leave_the_key_and_do_not_block_linking():
    mentions = [
        ("Tony Blair", "PERSON"),
        ("Mr Blair", "PERSON"),
        ("Blair", "PERSON"),
        ("Mrs Thatcher", "ORG"),  # a personal honorific makes a person
        ("Prime Minister Theresa May", "PERSON"),
        ("May", "PERSON"),
        ("General Motors", "ORG"),  # not a person: untouched
    ]
    assert canonical_names(mentions, ALIASES) == [
        ("tony blair", "PERSON", "as_written"),
        ("tony blair", "PERSON", "in_article"),
        ("tony blair", "PERSON", "in_article"),
        ("thatcher", "PERSON", "as_written"),
        ("theresa may", "PERSON", "as_written"),
        ("theresa may", "PERSON", "in_article"),
        ("general motors", "ORG", "as_written"),
    ]
    assert canonical_names([("the U.S.", "GPE")], ALIASES) == [("united states", "GPE", "alias")]


def test_label_table_corrects_systematic_errors_and_a_user_table_extends_it(tmp_path):
    extra = tmp_path / "labels.yaml"
    extra.write_text(
        'version: "local-1"\nlabels:\n  - name: Acme Rockets\n    aliases: [Acme]\n'
        "    from: [PERSON, GPE]\n    label: ORG\n"
    )
    table = load_aliases(extra_labels=extra)
    assert table.labels_version.endswith("+local-1")
    assert canonical_names([("Acme", "PERSON"), ("the Acme Rockets", "GPE"), ("Acme", "ORG"),
                            ("Acme", "NORP")], table) == [
        ("acme", "ORG", "as_written"),
        ("acme rockets", "ORG", "as_written"),
        ("acme", "ORG", "as_written"),
        ("acme", "NORP", "as_written"),  # a label the entry does not name is left alone
    ]  # fmt: skip


# Shaped like a real raw file: a date line with a quoted title, a press secretary named in
# full and then by surname, the US under several names, a foreign ministry spokeswoman.
SAMPLE = (
    "date 2018-12-19 Trump: ‘We are bringing our troops home from Syria.’\n\n"
    "The White House said Wednesday that the United States had started pulling troops out of "
    "Syria. Press secretary Sarah Huckabee Sanders confirmed the decision in a statement.\n\n"
    "“We have won against ISIS,” Sanders said. A U.S. official told Reuters that all US forces "
    "would leave within 100 days.\n\n"
    "Russian Foreign Ministry spokeswoman Maria Zakharova criticised the US presence in Syria. "
    "Zakharova called it an obstacle to peace."
).encode()


def test_sample_shaped_article_gets_expected_canonical_keys(taggers):
    article = parse_article("sample.txt", SAMPLE)
    [(_, mentions)] = list(
        annotate_articles(taggers, [article], run_id="r", processed_at=NOW, aliases=ALIASES)
    )
    keys = {(m.text, m.canonical, m.canonical_label) for m in mentions}
    assert ("Sanders", "sarah huckabee sanders", "PERSON") in keys
    assert ("Sarah Huckabee Sanders", "sarah huckabee sanders", "PERSON") in keys
    assert ("Zakharova", "maria zakharova", "PERSON") in keys
    assert ("The White House", "white house", "ORG") in keys
    united_states = {m.text for m in mentions if m.canonical == "united states"}
    assert {"the United States", "U.S.", "US"} <= united_states
    syria = [m for m in mentions if m.canonical == "syria"]
    assert {m.field for m in syria} == {"title", "body"}
    first = next(m for m in mentions if m.text == "Sarah Huckabee Sanders")
    assert (first.paragraph_index, first.sentence_index) == (0, 1)
    later = next(m for m in mentions if m.text == "Zakharova")
    assert later.paragraph_index == 2


def _mention(article_id, canonical, label, field, paragraph, sentence, score, date):
    return {
        "article_id": article_id,
        "field": field,
        "text": canonical,
        "label": label,
        "canonical": canonical,
        "canonical_label": label,
        "paragraph_index": paragraph,
        "sentence_index": sentence,
        "sentence_sentiment_compound": score,
        "published_date": date,
    }


def _records(rows: pd.DataFrame) -> list[EntityMention]:
    """Mentions in row order (the order the tagger emits an article's mentions in)."""
    return [
        EntityMention(
            article_id=r.article_id, field=r.field, text=r.text, label=r.label,
            start_char=i, end_char=i + 1, sentence_index=int(r.sentence_index),
            paragraph_index=int(r.paragraph_index),
            sentence_sentiment_compound=None
            if pd.isna(r.sentence_sentiment_compound)
            else float(r.sentence_sentiment_compound),
            canonical=r.canonical, canonical_label=r.canonical_label,
            published_date=None if pd.isna(r.published_date) else r.published_date,
        )
        for i, r in enumerate(rows.itertuples())
    ]  # fmt: skip


def _rollup(which: int, rows: pd.DataFrame, excluded: list[str]) -> pd.DataFrame:
    from schemas import ARTICLE_ENTITIES, ENTITY_DAILY, ENTITY_PAIRS_DAILY

    schema = (ARTICLE_ENTITIES, ENTITY_DAILY, ENTITY_PAIRS_DAILY)[which].schema
    records = compute_rollups(_records(rows), excluded)[which]
    return pd.DataFrame(records, columns=schema.names)


def article_entities(rows, excluded):
    return _rollup(0, rows, excluded)


def entity_daily(rows, excluded):
    return _rollup(1, rows, excluded)


def entity_pairs_daily(rows, excluded):
    return _rollup(2, rows, excluded)


D1, D2 = dt.date(2018, 12, 19), dt.date(2018, 12, 20)
ROWS = pd.DataFrame(
    [
        _mention("a", "turkey", "GPE", "title", 0, 0, -0.5, D1),
        _mention("a", "turkey", "GPE", "body", 0, 0, 0.2, D1),
        _mention("a", "turkey", "GPE", "body", 0, 0, 0.2, D1),  # same sentence twice: counted once
        _mention("a", "turkey", "GPE", "body", 2, 5, 0.6, D1),
        _mention("a", "100 days", "DATE", "body", 2, 5, 0.6, D1),  # excluded label
        _mention("b", "turkey", "GPE", "body", 3, 7, -0.4, D1),
        _mention("b", "erdogan", "PERSON", "body", 0, 1, None, D1),  # no sentiment (untagged)
        _mention("c", "turkey", "GPE", "body", 1, 2, 0.1, D2),
        _mention("d", "nobody", "PERSON", "body", 0, 0, 0.3, None),  # undated
    ]
)


def test_article_entities_counts_checked_by_hand():
    table = article_entities(ROWS, ["DATE"]).set_index(["article_id", "canonical"])
    assert len(table) == 5
    turkey_a = table.loc[("a", "turkey")]
    assert (turkey_a.mentions, turkey_a.first_position, turkey_a.sentences) == (4, "title", 3)
    assert turkey_a.sentiment_mean == pytest.approx((-0.5 + 0.2 + 0.6) / 3)
    turkey_b = table.loc[("b", "turkey")]
    assert (turkey_b.mentions, turkey_b.first_position, turkey_b.sentiment_mean) == (
        1,
        "later",
        -0.4,
    )
    erdogan = table.loc[("b", "erdogan")]
    assert (erdogan.first_position, erdogan.sentences) == ("first_paragraph", 0)
    assert pd.isna(erdogan.sentiment_mean)
    assert table.loc[("d", "nobody")].published_date is None


def test_entity_daily_counts_checked_by_hand():
    table = entity_daily(ROWS, ["DATE"])
    turkey_d1 = table[(table.canonical == "turkey") & (table.published_date == D1)].iloc[0]
    assert (turkey_d1.articles, turkey_d1.mentions, turkey_d1.sentences) == (2, 5, 4)
    scores = [-0.5, 0.2, 0.6, -0.4]
    mean = sum(scores) / 4
    assert turkey_d1.sentiment_mean == pytest.approx(mean)
    assert turkey_d1.sentiment_std == pytest.approx(
        (sum((s - mean) ** 2 for s in scores) / 4) ** 0.5
    )
    turkey_d2 = table[(table.canonical == "turkey") & (table.published_date == D2)].iloc[0]
    assert (turkey_d2.articles, turkey_d2.mentions, turkey_d2.sentiment_std) == (1, 1, 0.0)
    assert "100 days" not in set(table.canonical)
    assert table[table.canonical == "nobody"].published_date.tolist() == [None]
    with_dates = entity_daily(ROWS, [])
    assert "100 days" in set(with_dates.canonical)


def test_entity_pairs_daily_counts_checked_by_hand():
    rows = pd.concat(
        [
            ROWS,
            pd.DataFrame(
                [
                    _mention("e", "erdogan", "PERSON", "body", 0, 0, 0.1, D1),
                    _mention("e", "turkey", "GPE", "body", 0, 0, 0.1, D1),
                    _mention("e", "ankara", "GPE", "body", 1, 1, 0.0, D1),
                ]
            ),
        ],
        ignore_index=True,
    )
    table = entity_pairs_daily(rows, ["DATE"])
    pairs = {(r.canonical_a, r.canonical_b): (r.articles, r.sentences) for r in table.itertuples()}
    # erdogan+turkey: articles b and e, one shared sentence (in e); ankara only in e.
    assert pairs == {
        ("erdogan", "turkey"): (2, 1),
        ("ankara", "erdogan"): (1, 0),
        ("ankara", "turkey"): (1, 0),
    }
    assert set(table.published_date) == {D1}


def test_entity_pairs_of_undated_articles_have_a_null_date():
    rows = pd.DataFrame(
        [
            _mention("u", "oslo", "GPE", "body", 0, 0, 0.2, None),
            _mention("u", "norway", "GPE", "body", 0, 0, 0.2, None),
            _mention("v", "oslo", "GPE", "body", 0, 0, 0.1, D1),
            _mention("v", "norway", "GPE", "body", 1, 1, 0.1, D1),
        ]
    )
    table = entity_pairs_daily(rows, ["DATE"])
    got = [
        (r.published_date, r.canonical_a, r.canonical_b, r.articles, r.sentences)
        for r in table.itertuples()
    ]
    assert got == [(None, "norway", "oslo", 1, 1), (D1, "norway", "oslo", 1, 0)]


def _random_mentions(seed: int, articles: int) -> pd.DataFrame:
    rng = random.Random(seed)
    names = [("Ankara", "GPE"), ("Ankara", "ORG"), ("Erdogan", "PERSON"), ("Turkey", "GPE"),
             ("ankara", "GPE"), ("Zoe", "PERSON"), ("Oslo", "GPE"), ("Acme", "ORG")]  # fmt: skip
    dates = [D2, None, D1]
    rows = []
    for article in range(articles):
        date = rng.choice(dates)
        for _ in range(rng.randint(0, 9)):
            name, label = rng.choice(names)
            field = rng.choice(("title", "body", "body"))
            sentence = rng.randint(0, 3)
            rows.append(_mention(f"art{article:03}", name, label, field, 0, sentence, 0.1, date))
    return pd.DataFrame(rows)


def _pairs_by_brute_force(rows: pd.DataFrame) -> list[tuple]:
    """Every unit's distinct (canonical, label) pairs, counted per date, in Python."""
    articles, sentences = collections.Counter(), collections.Counter()
    for units, counter in ((["article_id"], articles),
                           (["article_id", "field", "sentence_index"], sentences)):  # fmt: skip
        for _, unit in rows.groupby(units):
            date = unit.published_date.iloc[0]
            named = sorted(set(zip(unit.canonical, unit.canonical_label, strict=True)))
            for a, b in itertools.combinations(named, 2):
                counter[(date, a, b)] += 1
    return sorted(
        ((date, *a, *b, n, sentences[(date, a, b)]) for (date, a, b), n in articles.items()),
        key=lambda row: (row[0] is not None, row[0] or D1, *row[1:5]),
    )


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_entity_pairs_daily_matches_a_brute_force_count_row_for_row(seed):
    rows = _random_mentions(seed, articles=60)
    table = entity_pairs_daily(rows, [])
    got = [
        (None if pd.isna(r.published_date) else r.published_date, r.canonical_a, r.label_a,
         r.canonical_b, r.label_b, r.articles, r.sentences)
        for r in table.itertuples()
    ]  # fmt: skip
    expected = _pairs_by_brute_force(rows)
    assert len(expected) > 50
    assert got == expected  # same rows, in (date, undated first; names) order


def test_rollups_do_not_depend_on_the_order_runners_combine_articles_in():
    """Runners combine articles in any order and split them into any bundles: the daily means
    and spreads (exactly rounded sums) come out bit-identical every time."""
    from transforms.corpus.rollups import EntityDailyFn, article_rollups

    rng = random.Random(7)
    rows = pd.DataFrame(
        [
            _mention(f"a{i % 40}", f"e{i % 7}", "GPE", "body", 1, i, rng.uniform(-1, 1), D1)
            for i in range(6_000)
        ]
    )
    records = _records(rows)
    by_article = collections.defaultdict(list)
    for mention in records:
        by_article[mention.article_id].append(mention)
    contributions = [article_rollups(ms, frozenset()).daily for ms in by_article.values()]
    fn = EntityDailyFn()
    results = set()
    for seed in range(5):
        order = random.Random(seed).sample(contributions, len(contributions))
        cut = 1 + seed * 7
        parts = [fn.create_accumulator(), fn.create_accumulator()]
        for index, contribution in enumerate(order):
            fn.add_input(parts[index >= cut], contribution)
        merged = fn.merge_accumulators(parts[::-1] if seed % 2 else parts)
        results.add(tuple((r.sentiment_mean, r.sentiment_std) for r in fn.extract_output(merged)))
    assert len(results) == 1
    [(means_and_stds)] = results
    assert len(means_and_stds) == 7


def test_entity_pairs_daily_without_pairs_is_empty():
    single = ROWS[ROWS.article_id == "c"]
    assert len(entity_pairs_daily(single, ["DATE"])) == 0


def test_rollups_of_no_mentions_are_empty():
    assert compute_rollups([], []) == ([], [], [], [])

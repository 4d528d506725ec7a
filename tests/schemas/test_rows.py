"""`Rows`: a list of records that crosses a stage boundary as one pickle."""

from __future__ import annotations

import datetime as dt
import typing

import apache_beam as beam
from apache_beam.testing.test_pipeline import TestPipeline
from apache_beam.testing.util import assert_that, equal_to

from schemas import EntityPairDay, Rows


def _pair_rows(n: int) -> Rows:
    day = dt.date(2024, 5, 1)
    return Rows(EntityPairDay(day, f"a{i}", "PERSON", f"b{i}", "ORG", i, 1, 0) for i in range(n))


def test_rows_are_encoded_as_one_pickle_and_come_back_as_rows():
    """Beam's default coder pickles each NamedTuple of a plain list on its own (the class named
    once per row); a `Rows` is pickled whole (named once), and decodes to an equal `Rows`."""
    coder = beam.coders.registry.get_coder(typing.Any)
    rows = _pair_rows(100)
    encoded, plain = coder.encode(rows), coder.encode(list(rows))
    assert plain.count(b"EntityPairDay") == 100
    assert encoded.count(b"EntityPairDay") == 1
    decoded = coder.decode(encoded)
    assert type(decoded) is Rows
    assert {type(row) for row in decoded} == {EntityPairDay}  # pickled as plain tuples, back as rows
    assert decoded == list(rows)
    assert decoded[99] == EntityPairDay(
        dt.date(2024, 5, 1), "a99", "PERSON", "b99", "ORG", 99, 1, 0
    )
    mixed = Rows([("a", 1), EntityPairDay(None, "x", "GPE", "y", "GPE", 1, 1, 1), "text"])
    back = coder.decode(coder.encode(mixed))
    assert type(back) is Rows and back == mixed and type(back[1]) is EntityPairDay


def test_rows_cross_a_shuffle_unchanged():
    with TestPipeline() as pipeline:
        grouped = (
            pipeline
            | beam.Create([("k", _pair_rows(3)), ("k", _pair_rows(2))])
            | beam.GroupByKey()
            | beam.MapTuple(
                lambda key, lists: sorted(
                    (type(r).__name__, len(r), r[-1].canonical_a) for r in lists
                )
            )
        )
        assert_that(grouped, equal_to([[("Rows", 2, "a1"), ("Rows", 3, "a2")]]))

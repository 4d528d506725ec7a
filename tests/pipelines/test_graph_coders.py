"""The coders of the command's graph: no step's output is encoded record by record.

Beam picks a PCollection's coder from its type hint, and a step's hint comes from its
function's annotations: `-> Iterator[list[EntityMention]]` makes a `ListCoder` that pickles
each record on its own whenever the list is encoded (at stage boundaries, and when Beam samples
an element's size), which defeats `Rows` (schemas/records.py). At 8,000 published articles an
incremental run made 450,000 such pickles, most of its growth in corpus size. Annotated
`Rows`, a list takes Beam's default coder and crosses as one pickle.
"""

from __future__ import annotations

import typing

import apache_beam as beam
import pytest
from apache_beam.options.pipeline_options import PipelineOptions
from apache_beam.pipeline import PipelineVisitor
from apache_beam.typehints import typehints

import schemas
from pipelines.config import parse_config
from pipelines.job import GraphRun
from pipelines.store.inputs import Plan
from pipelines.store.layout import current_version
from pipelines.tag_articles import build_pipeline
from transforms.runner import profile_for

pytestmark = pytest.mark.e2e  # builds on the published corpus (one real run per test session)

RECORDS = tuple(
    value
    for value in vars(schemas).values()
    if isinstance(value, type) and issubclass(value, tuple) and hasattr(value, "_fields")
)


def _records_in_containers(hint, inside: bool = False) -> set[str]:
    """Record types that `hint` holds inside a List (coded item by item). A GroupByKey's
    grouped values (an Iterable) are coded one by one whatever they are, so only what they
    hold counts."""
    found: set[str] = set()
    if isinstance(hint, type) and issubclass(hint, RECORDS) and inside:
        found.add(hint.__name__)
    if isinstance(hint, typehints.ListConstraint):
        found |= _records_in_containers(hint.inner_type, True)
    elif isinstance(hint, typehints.IterableTypeConstraint):
        found |= _records_in_containers(hint.inner_type, inside)
    elif isinstance(hint, typehints.TupleConstraint):
        for part in hint.tuple_types:
            found |= _records_in_containers(part, inside)
    elif isinstance(hint, typehints.UnionConstraint):
        for part in hint.union_types:
            found |= _records_in_containers(part, inside)
    return found


class _Hints(PipelineVisitor):
    def __init__(self):
        self.coded_by_record: dict[str, set[str]] = {}
        self.outputs = 0

    def visit_transform(self, node):
        for output in node.outputs.values():
            self.outputs += 1
            records = _records_in_containers(output.element_type)
            if records:
                self.coded_by_record[node.full_label] = records


def _graph(config_args: list[str], previous: str | None, tmp_path) -> _Hints:
    config = parse_config(config_args)
    plan = Plan(to_process=[str(tmp_path / "new.txt")], drop_files=frozenset(), renames={},
                state={}, counts={})  # fmt: skip
    run = GraphRun("20261207T000000Z-abcdef", plan.to_process, previous, plan,
                   str(tmp_path / "staging"))  # fmt: skip
    pipeline = beam.Pipeline(options=PipelineOptions([]))
    build_pipeline(pipeline, config, run, profile_for(PipelineOptions([]), str(tmp_path)))
    hints = _Hints()
    pipeline.visit(hints)
    return hints


@pytest.mark.parametrize("incremental", [False, True], ids=["full", "incremental"])
def test_no_step_of_the_graph_codes_its_records_one_by_one(
    published_corpus, tmp_path, incremental
):
    output = published_corpus.root / "out"
    previous = current_version(output) if incremental else None
    assert (previous is not None) is incremental
    hints = _graph(["--input", str(published_corpus.root / "raw"), "--output", str(output)],
                   previous, tmp_path)  # fmt: skip
    assert hints.outputs > 200  # the whole graph was visited
    assert hints.coded_by_record == {}


def test_the_check_sees_a_list_of_records_in_a_hint():
    """The visitor's rule itself: what it must flag, and what it must let pass."""
    mentions = typing.Iterator[tuple[str, list[schemas.EntityMention]]]
    hint = beam.typehints.native_type_compatibility.convert_to_beam_type(mentions)
    assert _records_in_containers(hint.yielded_type) == {"EntityMention"}
    rows = beam.typehints.native_type_compatibility.convert_to_beam_type(tuple[str, schemas.Rows])
    assert _records_in_containers(rows) == set()
    assert _records_in_containers(typehints.Tuple[schemas.Signature, int]) == set()
    grouped = typehints.Tuple[str, typehints.Iterable[typehints.List[schemas.Quote]]]
    assert _records_in_containers(grouped) == {"Quote"}
    assert _records_in_containers(typehints.Tuple[str, typehints.Iterable[schemas.Quote]]) == set()

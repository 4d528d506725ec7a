"""transforms/runner/dask_runner.py: side inputs computed once, in the pipeline's own dask graph."""

from __future__ import annotations

import os
from pathlib import Path

import apache_beam as beam
import pytest
from apache_beam.options.pipeline_options import PipelineOptions

from transforms.runner import profile_for

pytestmark = pytest.mark.cluster

pytest.importorskip("dask.distributed", reason="install the 'dask' extra: pip install -e .[dask]")

ELEMENTS = 300


@pytest.fixture(scope="module")
def cluster():
    from benchmarks.dask_cluster import local_cluster

    with local_cluster(workers=2) as address:
        yield address


class _Appended(beam.DoFn):
    """Appends one line per element to a file of its directory (one file per process)."""

    def __init__(self, directory: str):
        self._directory = directory

    def process(self, element):
        with open(os.path.join(self._directory, f"{os.getpid()}.txt"), "a") as f:
            f.write(f"{element!r}\n")
        yield element


def _lines(directory: Path) -> list[str]:
    return sorted(line for p in directory.iterdir() for line in p.read_text().splitlines())


def _with_side_inputs(element, total, negated):
    key, value = element
    return key, value + total, negated[key]


def _run(runner, address: str, tmp_path: Path) -> tuple[list[str], list[str]]:
    seen, written = tmp_path / "seen", tmp_path / "written"
    seen.mkdir()
    written.mkdir()
    options = PipelineOptions([
        "--runner", "apache_beam.runners.dask.dask_runner.DaskRunner",
        "--dask_client_address", address,
    ])  # fmt: skip
    pipeline = beam.Pipeline(runner=runner, options=options)
    keyed = (
        pipeline
        | beam.Create([(f"k{i:03d}", i) for i in range(ELEMENTS)])
        | beam.Reshuffle()
        | "Seen" >> beam.ParDo(_Appended(str(seen)))
    )
    total = keyed | beam.Values() | beam.CombineGlobally(sum)
    negated = keyed | "Negated" >> beam.Map(lambda kv: (kv[0], -kv[1]))
    (
        keyed
        | "Joined"
        >> beam.Map(_with_side_inputs, beam.pvalue.AsSingleton(total), beam.pvalue.AsDict(negated))
        | "Written" >> beam.ParDo(_Appended(str(written)))
    )
    pipeline.run().wait_until_finish()
    return _lines(seen), _lines(written)


def test_the_profile_gives_the_dask_runner_ours_and_other_runners_none():
    from transforms.runner.dask_runner import DaskRunner

    dask = PipelineOptions(["--runner", "apache_beam.runners.dask.dask_runner.DaskRunner"])
    assert isinstance(profile_for(dask, "/tmp/staging").runner(dask), DaskRunner)
    flink = PipelineOptions(["--runner", "FlinkRunner"])
    assert profile_for(flink, "/tmp/staging").runner(flink) is None


def test_int_group_keys_fill_the_partitions_evenly_and_other_keys_are_hashed():
    import dask.bag as db

    from transforms.runner.dask_runner import _spread

    assert [_spread(k) for k in (0, 1, 31)] == [0, 1, 31]
    assert _spread("k001") == _spread("k001") != _spread("k002")
    # 32 groups of dedupe's keys over 15 partitions (dask's count for 14): 2 or 3 each
    groups = db.from_sequence([(k % 32, k) for k in range(32 * 64)], npartitions=14)
    from dask.bag.core import groupby_tasks

    sizes = (
        groupby_tasks(groups, lambda kv: kv[0], hash=_spread)
        .map_partitions(lambda part: [len(list(part))])
        .compute(scheduler="sync")
    )
    assert groups.npartitions == 15
    assert sorted(sizes) == [2] * 13 + [3] * 2  # dask's own hash: 0 to 5 groups each


def test_the_runner_translates_a_group_by_key_with_the_even_spread():
    """The translation itself, not only the hash: 32 int keys over 15 partitions, 2 or 3 each."""
    import dask.bag as db
    from apache_beam.runners.dask.overrides import dask_overrides

    from transforms.runner.dask_runner import DaskRunner

    pipeline = beam.Pipeline(options=PipelineOptions([]))
    _ = (
        pipeline
        | beam.Create([(k % 32, k) for k in range(32 * 64)])
        | "Group" >> beam.GroupByKey()
    )
    pipeline.replace_all(dask_overrides())
    visitor = DaskRunner.to_dask_bag_visitor({"npartitions": 14})  # dask makes 15 of it
    pipeline.visit(visitor)
    (grouped,) = [b for node, b in visitor.bags.items() if node.full_label == "Group/GroupByKey"]
    groups = grouped.map_partitions(lambda part: [sorted(k for k, _ in part)])
    partitions = groups.compute(scheduler="sync")
    assert len(partitions) == 15 and isinstance(grouped, db.Bag)
    assert sorted(len(p) for p in partitions) == [2] * 13 + [3] * 2
    assert sorted(k for p in partitions for k in p) == list(range(32))
    assert partitions[0] == [0, 15, 30]  # key % 15


def test_the_portable_profile_batches_one_batch_a_group_and_the_local_two():
    from transforms.runner import PORTABLE, LocalProfile

    assert PORTABLE.batches_per_group == 1
    assert LocalProfile("/tmp/spill").batches_per_group == 2


def test_side_inputs_are_computed_once_with_what_is_upstream_of_them(tmp_path, cluster):
    """Beam's own translation submits each side input's graph again from inside the task that
    reads it: every element upstream is processed once more per side input (here 3 times in
    all), and a sum over a Reshuffle could come out wrong. Ours: once, and right."""
    from transforms.runner.dask_runner import DaskRunner

    seen, written = _run(DaskRunner(), cluster, tmp_path)
    assert len(seen) == ELEMENTS
    assert sorted(seen) == sorted(repr((f"k{i:03d}", i)) for i in range(ELEMENTS))
    total = ELEMENTS * (ELEMENTS - 1) // 2  # 44,850
    assert written == sorted(repr((f"k{i:03d}", i + total, -i)) for i in range(ELEMENTS))

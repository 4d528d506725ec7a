"""What every runner needs of this pipeline's graph: plain Beam, with the idioms that keep it
correct on each runner we run (the local FnApiRunner, Dask, any portable runner).

- `split_outputs`: Beam 2.77's DaskRunner does not separate the outputs of
  `ParDo(...).with_outputs(...)`: every consumer of any output receives all of them. So our
  DoFns emit `(tag, value)` pairs on their one output and this splits them with plain FlatMaps.
- `process_cached`: one loaded model per worker process. Not `shared.Shared`: it holds a weak
  reference, and the DaskRunner re-creates DoFns for every partition, so a model would be
  reloaded each time.
- `resolve_runner`: `--runner DaskRunner` is short for Beam's full class path.
- `pipeline_counters`: the DaskRunner's `PipelineResult.metrics()` raises NotImplementedError;
  on such a runner the job counts the rows in the staged files instead (the only place the
  driver reads outputs back).
- finish_bundle: the DaskRunner drops what `finish_bundle` emits, so nothing downstream may
  depend on it (the writers' `WrittenFile` records from finish_bundle are for logs only), and
  batches are cut after a GroupByKey (`transforms/corpus/dedupe.py`) rather than by
  `BatchElements`.
- A one-element input stays in one partition on the DaskRunner (and a `Create` is not split on
  most runners): the driver lists the input files, `Create`s them and reshuffles them
  (`transforms/io/read.py`), so the work spreads over the workers.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

import apache_beam as beam

SHORT_RUNNERS = {"daskrunner": "apache_beam.runners.dask.dask_runner.DaskRunner"}
T = TypeVar("T")


class Outputs(dict):
    """PCollections by tag, also readable as attributes: `parsed.errors`."""

    def __getattr__(self, tag: str):
        try:
            return self[tag]
        except KeyError as err:
            raise AttributeError(tag) from err


def _only(element, tag: str):
    if element[0] == tag:
        yield element[1]


def split_outputs(tagged, *tags: str) -> Outputs:
    return Outputs({tag: tagged | f"Only{tag.title()}" >> beam.FlatMap(_only, tag) for tag in tags})


@functools.cache
def process_cached(load: Callable[..., T], *args: Any) -> T:
    """`load(*args)`, once per worker process (arguments must be hashable)."""
    return load(*args)


def resolve_runner(beam_args: list[str]) -> tuple[list[str], str | None]:
    """Expands a short runner name; returns the arguments and the runner named, if any."""
    runner = next(
        (beam_args[i + 1] for i, a in enumerate(beam_args[:-1]) if a == "--runner"), None
    ) or next((a.split("=", 1)[1] for a in beam_args if a.startswith("--runner=")), None)
    if runner and runner.lower() in SHORT_RUNNERS:
        beam_args = [SHORT_RUNNERS[runner.lower()] if a == runner else a for a in beam_args]
        runner = SHORT_RUNNERS[runner.lower()]
    if runner and "dask" in runner.lower():
        import apache_beam.runners.dask.dask_runner  # noqa: F401  (registers its options)
    return beam_args, runner


def pipeline_counters(result, namespace: str) -> dict[str, int] | None:
    """Committed counters of a finished pipeline by name; None when the runner has none."""
    try:
        query = result.metrics().query(beam.metrics.MetricsFilter().with_namespace(namespace))
    except NotImplementedError:
        return None
    counters: dict[str, int] = {}
    for counter in query["counters"]:
        name = counter.key.metric.name
        counters[name] = counters.get(name, 0) + (counter.committed or 0)
    return counters

"""Every runner workaround in one place, and why each exists.

- `split_outputs`: Beam 2.77's DaskRunner does not separate the outputs of
  `ParDo(...).with_outputs(...)`: every consumer of any output receives all of them. So our
  DoFns emit `(tag, value)` pairs on their one output and this splits them with plain FlatMaps.
- `process_cached`: one loaded model per worker process. Not `shared.Shared`: it holds a weak
  reference, and the DaskRunner re-creates DoFns for every partition, so a model would be
  reloaded each time.
- `resolve_runner` / `local_runner`: Beam's DirectRunner first tries to download a Prism binary
  from the internet before it falls back to the in-process FnApiRunner; the default run and
  `--runner DirectRunner` use the FnApiRunner directly, so no run touches the network.
  `--runner DaskRunner` is short for Beam's full class path.
- `pipeline_counters`: the DaskRunner's `PipelineResult.metrics()` raises NotImplementedError;
  on such a runner the job counts the rows in the staged files instead (the only place the
  driver reads outputs back).
- finish_bundle: the DaskRunner drops what `finish_bundle` emits, so nothing downstream may
  depend on it (the writers' `WrittenFile` records from finish_bundle are for logs only), and
  batches are cut after a GroupByKey (`transforms/dedupe.py`) rather than by `BatchElements`.
- Side inputs and fusion: the FnApiRunner may fuse a step that takes a side input into the
  same stage as the steps that compute that side input from the same main input, and then
  never runs it ("watermark-pending bundles did not execute"). `transforms/stories.py` puts a
  `Reshuffle` before each such step.
- Shuffles in the driver: the FnApiRunner keeps every shuffle (GroupByKey, the partial
  accumulators of a CombinePerKey) in the driver process, decoded into Python objects, so what
  crosses a stage boundary is what the driver's memory grows with. `Compacted` hands a
  CombineFn's partial accumulators over as one compressed pickle each (Beam's `compact` hook)
  instead of Counters of millions of small objects (with `spill`, a large one as a reference
  to a spill record); `transforms/spill.py` keeps what waits for a corpus-wide step (parsed
  articles, tagged articles, mentions) in files.
- `release_freed_memory`: glibc's malloc keeps what the driver frees. Each stage's data arrives
  in the driver over gRPC (threads with arenas of their own), and after the first large buffer
  is freed glibc raises its mmap threshold, so later large buffers come from heaps it rarely
  returns: the driver's RSS grew with every stage's transit data even after the runner let go
  of it. With workers in other processes (`--direct_running_mode multi_processing`) the
  driver fixes the mmap and trim thresholds at 128 KiB and uses at most two arenas; other
  modes tag in the driver's own process and keep glibc's defaults (docs/performance.md).
- `Rows`: Beam's default coder (FastPrimitivesCoder) encodes a plain list item by item and
  pickles every item it has no code for (each NamedTuple row) in a pickle of its own, whenever
  an element is encoded: at stage boundaries, and when Beam samples the size of a step's
  output (~1,100 `pickle.dumps` per article, most of the job's Beam overhead; issue 12). A
  `Rows` is a plain list to every reader, but the coder does not recognise its type, so it
  pickles the whole list at once. Lists of rows that cross stages are `Rows`.
- `settle_collector`: what a process has loaded (modules, the model, the gazetteer) lives as long
  as the process, so it leaves the cyclic collector's passes (`gc.freeze`), and a young
  collection runs every 10,000 net allocations instead of Python's 700: tagging allocates
  millions of objects that live for a batch, and each young collection that promotes them
  brings the next full collection (a walk over everything alive) nearer (docs/performance.md).
- The DaskRunner keeps a one-element input in one partition: the driver lists the input files
  and `Create`s them (`transforms/read.py`), so the work spreads over the workers.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import gc
from collections.abc import Callable, Iterable
from typing import Any, NamedTuple, TypeVar

import apache_beam as beam
from apache_beam.options.pipeline_options import DirectOptions, PipelineOptions, StandardOptions

from transforms.spill import Spilled, append_spill, packed, read_spilled, unpacked

# Runner names that mean "run here, in-process".
LOCAL_RUNNERS = {None, "directrunner", "switchingdirectrunner", "fnapirunner"}
SHORT_RUNNERS = {"daskrunner": "apache_beam.runners.dask.dask_runner.DaskRunner"}
T = TypeVar("T")
# A compacted accumulator of this many bytes or more crosses as a spill record when `Compacted`
# has a spill directory (what a Compacted is built with: a test may lower it before the graph is).
SPILL_BYTES = 1 << 16
GC_YOUNG_THRESHOLD = 10_000  # net allocations between young collections (Python's default: 700)


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


class Rows(list):
    """A list of records that crosses a stage boundary as one pickle (see the module doc).

    Rows of one NamedTuple type pickle as the type and plain tuples: the pickle module then
    runs in C, where each NamedTuple would call back into Python (`__getnewargs__` to pickle,
    the class's `__new__` to unpickle): an article's mentions pickle about twice as fast."""

    __slots__ = ()

    def __reduce__(self):
        kind = type(self[0]) if self else None
        homogeneous = kind is not None and all(type(row) is kind for row in self)
        if homogeneous and kind is not tuple and issubclass(kind, tuple):
            return _rows_of, (kind, [tuple(row) for row in self])
        return Rows, (list(self),)


def _rows_of(kind: type, values: list[tuple]) -> Rows:
    return Rows(map(functools.partial(tuple.__new__, kind), values))


class SpilledAccumulator(NamedTuple):
    """A compacted accumulator that crosses the shuffle as a reference to a spill record."""

    spilled: Spilled


def _live(accumulator):
    if isinstance(accumulator, SpilledAccumulator):
        return read_spilled(accumulator.spilled)
    if isinstance(accumulator, bytes):
        return unpacked(accumulator)
    return accumulator


class Compacted(beam.CombineFn):
    """`fn` whose accumulators cross the shuffle as one zlib-compressed pickle each; with
    `spill`, a directory, one of `spill_bytes` or more crosses as a reference to a record in a
    file there (transforms/spill.py), so the local runner's driver does not hold it."""

    def __init__(
        self, fn: beam.CombineFn, spill: str | None = None, spill_bytes: int | None = None
    ):
        super().__init__()
        self._fn = fn
        self._spill = spill
        self._spill_bytes = SPILL_BYTES if spill_bytes is None else spill_bytes

    def setup(self, *args, **kwargs):
        self._fn.setup(*args, **kwargs)

    def create_accumulator(self, *args, **kwargs):
        return self._fn.create_accumulator(*args, **kwargs)

    def add_input(self, accumulator, element, *args, **kwargs):
        return self._fn.add_input(_live(accumulator), element, *args, **kwargs)

    def merge_accumulators(self, accumulators: Iterable, *args, **kwargs):
        return self._fn.merge_accumulators([_live(a) for a in accumulators], *args, **kwargs)

    def compact(self, accumulator, *args, **kwargs) -> bytes | SpilledAccumulator:
        data = packed(_live(accumulator))
        if self._spill is None or len(data) < self._spill_bytes:
            return data
        return SpilledAccumulator(append_spill(self._spill, data))

    def extract_output(self, accumulator, *args, **kwargs):
        return self._fn.extract_output(_live(accumulator), *args, **kwargs)

    def teardown(self, *args, **kwargs):
        self._fn.teardown(*args, **kwargs)


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


def local_runner(options: PipelineOptions):
    """The in-process FnApiRunner for local runner names; None lets Beam resolve the rest."""
    name = options.view_as(StandardOptions).runner
    if name is not None and name.lower() not in LOCAL_RUNNERS:
        return None
    from apache_beam.portability.api import beam_provision_api_pb2
    from apache_beam.runners.portability.fn_api_runner import fn_runner
    from apache_beam.runners.portability.portable_runner import JobServiceHandle

    encoded = JobServiceHandle.encode_pipeline_options(options.get_all_options())
    provision = fn_runner.ExtendedProvisionInfo(
        beam_provision_api_pb2.ProvisionInfo(pipeline_options=encoded)
    )
    return fn_runner.FnApiRunner(provision_info=provision)


# glibc mallopt(3) parameters, and the value given to each
_MALLOC_SETTINGS = (
    (-3, 128 * 1024),  # M_MMAP_THRESHOLD: a fixed threshold (no dynamic raise)
    (-1, 128 * 1024),  # M_TRIM_THRESHOLD
    (-8, 2),  # M_ARENA_MAX
)


def release_freed_memory(options: PipelineOptions) -> bool:
    """Has glibc hand freed memory back to the system, in a driver whose workers are other
    processes; True when the settings took (False on other runners, modes or C libraries)."""
    name = options.view_as(StandardOptions).runner
    if name is not None and name.lower() not in LOCAL_RUNNERS:
        return False
    if options.view_as(DirectOptions).direct_running_mode != "multi_processing":
        return False
    mallopt = getattr(ctypes.CDLL(ctypes.util.find_library("c")), "mallopt", None)
    if mallopt is None:  # not glibc
        return False
    return all(mallopt(param, value) == 1 for param, value in _MALLOC_SETTINGS)


def settle_collector() -> None:
    """Everything alive now stays out of the cyclic collector's passes; young collections are
    ~14 times rarer (see the module doc). Called once the process has loaded what it keeps."""
    gc.freeze()
    gc.set_threshold(GC_YOUNG_THRESHOLD, 10, 10)


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

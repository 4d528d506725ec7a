"""The measures Beam's in-process FnApiRunner (the local runner) needs to be fast and to keep
the driver's memory flat in corpus size. Only `profile.LocalProfile` uses them; every other
runner gets plain Beam (`profile.RunnerProfile`).

- `local_runner`: Beam's DirectRunner first tries to download a Prism binary from the
  internet before it falls back to the in-process FnApiRunner; the default run and
  `--runner DirectRunner` use the FnApiRunner directly, so no run touches the network.
- Shuffles in the driver: the FnApiRunner keeps every shuffle (GroupByKey, the partial
  accumulators of a CombinePerKey) in the driver process, decoded into Python objects, so what
  crosses a stage boundary is what the driver's memory grows with. `Compacted` hands a
  CombineFn's partial accumulators over as one compressed pickle each (Beam's `compact` hook)
  instead of Counters of millions of small objects (a large one as a reference to a spill
  record); `spill.py` keeps what waits for a corpus-wide step (parsed articles, tagged
  articles, mentions) in files on this machine's disk.
- Side inputs and fusion: the FnApiRunner may fuse a step that takes a side input into the
  same stage as the steps that compute that side input from the same main input, and then
  never runs it ("watermark-pending bundles did not execute"). The local profile puts a
  `Reshuffle` before each such step (`LocalProfile.separate`).
- `release_freed_memory`: glibc's malloc keeps what the driver frees. Each stage's data arrives
  in the driver over gRPC (threads with arenas of their own), and after the first large buffer
  is freed glibc raises its mmap threshold, so later large buffers come from heaps it rarely
  returns: the driver's RSS grew with every stage's transit data even after the runner let go
  of it. With workers in other processes (`--direct_running_mode multi_processing`) the
  driver fixes the mmap and trim thresholds at 128 KiB and uses at most two arenas; other
  modes tag in the driver's own process and keep glibc's defaults.
- `settle_collector`: what a process has loaded (modules, the model, the gazetteer) lives as
  long as the process, so it leaves the cyclic collector's passes (`gc.freeze`), and a young
  collection runs every 10,000 net allocations instead of Python's 700: tagging allocates
  millions of objects that live for a batch, and each young collection that promotes them
  brings the next full collection (a walk over everything alive) nearer.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
from collections.abc import Iterable
from typing import NamedTuple

import apache_beam as beam
from apache_beam.options.pipeline_options import DirectOptions, PipelineOptions, StandardOptions

from transforms.runner.spill import Spilled, append_spill, packed, read_spilled, unpacked

# Runner names that mean "run here, in-process".
LOCAL_RUNNERS = {None, "directrunner", "switchingdirectrunner", "fnapirunner"}
# A compacted accumulator of this many bytes or more crosses as a spill record.
SPILL_BYTES = 1 << 16
GC_YOUNG_THRESHOLD = 10_000  # net allocations between young collections (Python's default: 700)


def is_local(runner: str | None) -> bool:
    """Whether a `--runner` value means the in-process FnApiRunner."""
    return runner is None or runner.lower() in LOCAL_RUNNERS


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
    file there (transforms/runner/spill.py), so the local runner's driver does not hold it."""

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



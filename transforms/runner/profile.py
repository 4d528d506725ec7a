"""The seam: what the domain transforms ask of the runner, in Beam's terms, and how each runner
answers.

The corpus-wide steps (dedupe, stories, corpus names, rollups) and the tagging stage say what
they need through one `RunnerProfile`, chosen once where the graph is built (`profile_for`),
as Beam's `RunInference` owns batching and sharing for any `ModelHandler`:

- `combine(fn)`: the CombineFn to give `CombinePerKey` / `CombineGlobally`;
- `hold(pcoll, label, key=None)`: elements that wait for a corpus-wide step (a shuffle or a
  side input) become handles; `load(handle)` on the far side gives the element back;
- `separate(pcoll, label)`: a step that takes a side input computed from the same main input
  follows this;
- `settle()`: a process has loaded what it keeps (the driver's modules, a worker's model);
- `batches_per_group`: how many tagger batches each of dedupe's groups holds.

`RunnerProfile` itself is the portable answer, for every runner but the local one: plain Beam
(the CombineFn as it is, elements in the runner's own shuffle, no extra reshuffle, no process
settings). `LocalProfile` is Beam's in-process FnApiRunner, whose shuffles live in the
driver process: accumulators cross compacted, held elements wait in spill files on this
machine's disk, side-input steps are separated by a `Reshuffle`, and the collector and glibc's
malloc are tuned (`transforms/runner/local.py` says why each exists).

Profiles are small frozen values, pickled into the DoFns that call `load` and `settle`. The
rows are the same under either profile (tests/transforms/runner/test_profile.py).
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable

import apache_beam as beam
from apache_beam.options.pipeline_options import PipelineOptions, StandardOptions

from transforms.runner import local
from transforms.runner.spill import SpillToFiles, read_spilled

SPILL = "_spill"  # the local profile's files, below the run's (local) staging directory


@dataclasses.dataclass(frozen=True)
class RunnerProfile:
    """Plain Beam, for every runner but the local one (see the module doc)."""

    name = "portable"
    # Dedupe's groups, each batched for the tagger: one batch each, so that a cluster's
    # scheduler gets many tasks of about the same size (a few large ones leave workers idle).
    batches_per_group = 1

    def combine(self, fn: beam.CombineFn) -> beam.CombineFn:
        return fn

    def hold(self, pcoll, label: str, key: Callable | None = None):
        """`pcoll`'s elements as handles (or (key(element), handle) with `key`)."""
        if key is None:
            return pcoll
        return pcoll | label >> beam.Map(lambda element: (key(element), element))

    def load(self, handle):
        """The element a `hold` handle stands for."""
        return handle

    def separate(self, pcoll, label: str):
        return pcoll

    def settle(self) -> None:
        """Called once a process has loaded what it keeps for its whole life."""

    def runner(self, options: PipelineOptions):
        """The runner object to build the pipeline with; None lets Beam resolve `--runner`.
        The DaskRunner is Beam's with side inputs computed once (transforms/runner/dask_runner.py)."""
        if str(options.view_as(StandardOptions).runner or "").endswith("DaskRunner"):
            from transforms.runner.dask_runner import DaskRunner  # dask: 0.2 s

            return DaskRunner()
        return None

    def prepare_driver(self, options: PipelineOptions) -> None:
        """Before the pipeline runs: what the runner's workers need and do not get from it
        (on Dask, the filesystems' options: transforms/runner/dask_workers.py)."""
        from transforms.runner.dask_workers import share_filesystem_options  # dask: 0.2 s

        share_filesystem_options(options)


@dataclasses.dataclass(frozen=True)
class LocalProfile(RunnerProfile):
    """Beam's in-process FnApiRunner: what waits for a corpus-wide step waits in files under
    `spill`, on this machine's disk, not in the driver's shuffle."""

    spill: str
    spill_bytes: int = local.SPILL_BYTES  # accumulators of this size or more are spilled

    name = "local"
    batches_per_group = 2  # the FnApiRunner's workers pull bundles: fewer, fuller batches

    def combine(self, fn: beam.CombineFn) -> beam.CombineFn:
        return local.Compacted(fn, os.path.join(self.spill, "accumulators"), self.spill_bytes)

    def hold(self, pcoll, label: str, key: Callable | None = None):
        return pcoll | label >> SpillToFiles(os.path.join(self.spill, label), key)

    def load(self, handle):
        return read_spilled(handle)

    def separate(self, pcoll, label: str):
        return pcoll | label >> beam.Reshuffle()

    def settle(self) -> None:
        local.settle_collector()

    def runner(self, options: PipelineOptions):
        return local.local_runner(options)

    def prepare_driver(self, options: PipelineOptions) -> None:
        local.release_freed_memory(options)


PORTABLE = RunnerProfile()


def profile_for(options: PipelineOptions, staging: str) -> RunnerProfile:
    """The local profile for the in-process runner names (its spill files below `staging`, a
    local directory), the portable one for every other runner."""
    if local.is_local(options.view_as(StandardOptions).runner):
        return LocalProfile(os.path.join(staging, SPILL))
    return PORTABLE

"""The seam between the graph and the runner that executes it.

`profile`: the `RunnerProfile` the domain transforms ask what they need of the runner (the
portable one, plain Beam, for every runner; `LocalProfile` for Beam's in-process runner),
chosen once by `profile_for`. `portable`: the idioms every runner needs (split outputs, one
model per process, metrics where a runner has none). `local` and `spill`: the local runner's
own measures, used only by `LocalProfile`. `checkpoints`: the kill tests' pause points.
"""

from transforms.runner.portable import (
    Outputs,
    pipeline_counters,
    process_cached,
    resolve_runner,
    split_outputs,
)
from transforms.runner.profile import PORTABLE, LocalProfile, RunnerProfile, profile_for

__all__ = [
    "PORTABLE",
    "LocalProfile",
    "Outputs",
    "RunnerProfile",
    "pipeline_counters",
    "process_cached",
    "profile_for",
    "resolve_runner",
    "split_outputs",
]

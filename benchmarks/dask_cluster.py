"""A local dask.distributed cluster of worker processes, for the benchmark and the tests."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator


@contextlib.contextmanager
def local_cluster(workers: int = 2) -> Iterator[str]:
    """Yields the scheduler address (`tcp://127.0.0.1:PORT`) of a LocalCluster on loopback."""
    from dask.distributed import LocalCluster

    with LocalCluster(
        n_workers=workers,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=None,
        memory_limit=0,
    ) as cluster:
        yield cluster.scheduler_address

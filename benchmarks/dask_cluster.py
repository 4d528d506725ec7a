"""A local dask.distributed cluster of worker processes, for the benchmark and the tests."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator


@contextlib.contextmanager
def local_cluster(workers: int = 2, glibc_malloc: bool = True) -> Iterator[str]:
    """Yields the scheduler address (`tcp://127.0.0.1:PORT`) of a LocalCluster on loopback.

    `glibc_malloc`: the workers keep glibc's own malloc settings, as docs/cluster.md advises.
    Dask's nanny otherwise starts them with `MALLOC_TRIM_THRESHOLD_=65536`, which also fixes
    glibc's mmap threshold: spaCy's arrays are then mapped and zeroed afresh on every batch
    (600 articles: 73 s of task time instead of 58 s)."""
    import dask
    from dask.distributed import LocalCluster

    environ = dict(dask.config.get("distributed.nanny.pre-spawn-environ"))
    if glibc_malloc:
        environ.pop("MALLOC_TRIM_THRESHOLD_", None)
    with dask.config.set({"distributed.nanny.pre-spawn-environ": environ}), LocalCluster(
        n_workers=workers,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=None,
        memory_limit=0,
    ) as cluster:
        yield cluster.scheduler_address

"""What Beam's DaskRunner leaves out on its workers: the filesystems' options.

Beam's own worker harness hands the pipeline options to `FileSystems` on every worker
(`sdk_worker_main`); the DaskRunner (Beam 2.77) runs DoFns inside dask tasks and does not, so
an `s3://` path with `--s3_endpoint_url` or `--s3_access_key_id` fails there ("Must provide
one of client or options"). A worker plugin registered on the cluster sets them on every
worker, present and future, before it runs a task.
"""

from __future__ import annotations

from apache_beam.options.pipeline_options import PipelineOptions, StandardOptions

try:
    from distributed.diagnostics.plugin import WorkerPlugin
except ImportError:  # the dask extra is not installed: nothing here is used
    WorkerPlugin = object

_PREFIXES = ("s3_", "gcs_", "azure_", "hdfs_")  # the filesystems' option names


class FileSystemOptions(WorkerPlugin):
    """Sets FileSystems' options on each worker it is registered on."""

    name = "newsbeam-filesystem-options"

    def __init__(self, settings: dict):
        self._settings = dict(settings)

    def setup(self, worker) -> None:
        from apache_beam.io.filesystems import FileSystems

        from transforms.io.s3_clients import share_s3_clients

        FileSystems.set_options(PipelineOptions([], **self._settings))
        share_s3_clients()


def filesystem_settings(options: PipelineOptions) -> dict:
    return {
        key: value
        for key, value in options.get_all_options().items()
        if key.startswith(_PREFIXES) and value is not None
    }


def share_filesystem_options(options: PipelineOptions) -> None:
    """On the DaskRunner with a cluster to connect to (`--dask_client_address` or
    `--dask_scheduler_file`), registers `FileSystemOptions` there; does nothing otherwise (a
    cluster the DaskRunner starts itself inherits the environment, so AWS_* variables work)."""
    runner = str(options.view_as(StandardOptions).runner or "")
    if not runner.endswith("DaskRunner") or not filesystem_settings(options):
        return
    from apache_beam.runners.dask.dask_runner import DaskOptions
    from distributed import Client

    dask = options.view_as(DaskOptions)
    if not (dask.address or dask.scheduler_file):
        return
    with Client(dask.address, scheduler_file=dask.scheduler_file, set_as_default=False) as client:
        client.register_plugin(FileSystemOptions(filesystem_settings(options)))

"""One batch job as named phases: plan -> run the graph -> verify -> build -> publish -> summary.

Each phase takes and returns typed values; the run manifest (`RunManifest`) is assembled from
them. Exit codes (for cron, systemd and Airflow): 0 success; 1 the pipeline failed; 2 bad
command line; 3 more bad inputs than --max-error-rate allows; 75 another run holds the output
lock. Nothing is published unless the exit code is 0.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import platform
import resource
import time
from collections.abc import Callable
from typing import Any, NamedTuple

import apache_beam as beam

from pipelines.config import JobConfig
from pipelines.counts import RunCounts, count_run
from pipelines.store import build, inputs, layout
from pipelines.store.inputs import InputFile, Plan
from pipelines.store.storage import storage_for
from schemas import schema_fingerprint
from transforms.io.write import INPUT_DATASETS
from transforms.tagging.spacy_vader import PIPELINE_VERSION

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_TOO_MANY_ERRORS = 3
EXIT_LOCKED = 75  # EX_TEMPFAIL: try again later
_LOG = logging.getLogger("newsbeam")


class JobFailure(Exception):
    """A run that must publish nothing: the reason, and the exit code it ends with."""

    def __init__(self, reason: str, exit_code: int = EXIT_FAILED):
        super().__init__(reason)
        self.reason = reason
        self.exit_code = exit_code
        self.manifest: RunManifest | None = None  # the manifest as far as the run got


class GraphRun(NamedTuple):
    """What the Beam graph of one run reads and where it writes."""

    run_id: str
    paths: list[str]
    previous: str | None  # the published version it builds on (None in a full rebuild)
    plan: Plan
    staging: str  # where the graph writes (a local path or a URL)


class GraphResult(NamedTuple):
    ok: bool
    counters: dict[str, int] | None  # None: the runner reports no metrics
    construction_seconds: float | None = None  # building the graph, before it runs


RunGraph = Callable[[GraphRun], GraphResult]


@dataclasses.dataclass(frozen=True)
class RunPlan:
    """The plan phase's result."""

    previous: str | None
    found: list[InputFile]
    plan: Plan
    schema_changed: bool
    stale_articles_by_model: dict[str, int]
    hashed: int = 0  # inputs read to hash them (the others matched the published listing)


@dataclasses.dataclass(frozen=True)
class RunManifest:
    """`_runs/<run_id>.json`: what a run was asked, what it found, did and published."""

    run_id: str
    status: str
    started_at: str
    mode: str
    input: str
    output: str
    options: dict[str, Any]
    versions: dict[str, str]
    schema_changed: bool = False
    inputs: list[dict] = dataclasses.field(default_factory=list)
    plan: dict[str, int] = dataclasses.field(default_factory=dict)
    stale_articles_by_model: dict[str, int] = dataclasses.field(default_factory=dict)
    pipeline_seconds: float | None = None
    graph_construction_seconds: float | None = None  # of pipeline_seconds
    this_run: dict[str, Any] | None = None
    files_unaccounted: list[str] = dataclasses.field(default_factory=list)
    error_rate: float | None = None
    cross_run_duplicates: int | None = None
    build_seconds: float | None = None
    ended_at: str | None = None
    duration_seconds: float | None = None
    files_read: int | None = None
    words_per_second: float | None = None
    dataset_rows: dict[str, int] = dataclasses.field(default_factory=dict)
    rows_per_partition: dict[str, dict[str, int]] = dataclasses.field(default_factory=dict)
    dataset_files: dict[str, int] = dataclasses.field(default_factory=dict)
    # The driver process's peak RSS (MB) as each phase ended: where its memory goes.
    driver_peak_rss_mb: dict[str, int] = dataclasses.field(default_factory=dict)
    failure: str | None = None
    exit_code: int | None = None

    def update(self, **changes: Any) -> RunManifest:
        return dataclasses.replace(self, **changes)

    def write(self) -> str:
        return layout.write_manifest(self.output, self.run_id, dataclasses.asdict(self))


def software_versions(config: JobConfig) -> dict[str, str]:
    """The versions that shape the rows, for the manifest."""
    return {
        "newsbeam": PIPELINE_VERSION,
        "apache_beam": beam.__version__,
        "python": platform.python_version(),
        **config.tagger().versions(),
    }


def run_job(config: JobConfig, run_id: str, run_graph: RunGraph) -> int:
    """Takes the output lock, runs the phases, and records the run's manifest either way."""
    try:
        lock = layout.output_lock(config.output, run_id, config.lock_lease_seconds).acquire()
    except layout.LockedError as err:
        print(f"newsbeam: {err}; exiting with {EXIT_LOCKED}")
        return EXIT_LOCKED
    progress = [  # the manifest as each phase leaves it: the last one records a failure
        RunManifest(
            run_id=run_id, status="running", started_at=layout.utc_now(), mode=config.mode,
            input=config.input, output=str(config.output), options=config.for_manifest(),
            versions=software_versions(config),
        )
    ]  # fmt: skip
    try:
        _take_over(config.output, lock)
        progress[-1].write()
        return _phases(config, progress, run_graph, lock)
    except JobFailure as failure:
        return _fail(failure.manifest or progress[-1], failure)
    except Exception as err:
        _fail(progress[-1], JobFailure(f"{type(err).__name__}: {err}"))
        raise
    finally:
        lock.release()


def _take_over(output: str, lock) -> None:
    if lock.previous_holder:
        _LOG.warning("taking over the lock left by run %s", lock.previous_holder.get("run_id"))
    for dead in layout.clean_up_dead_runs(output):
        _LOG.warning("cleaned up after run %s, which did not finish", dead)


def _peak_rss_mb() -> int:
    """This process's peak resident memory so far (Linux reports KB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024


def _phases(config: JobConfig, progress: list[RunManifest], run_graph: RunGraph, lock) -> int:
    started = time.monotonic()
    peaks: dict[str, int] = {}
    planned = plan(config)
    peaks["plan"] = _peak_rss_mb()
    manifest = progress[-1].update(**_plan_fields(planned))
    progress.append(manifest)
    staging = layout.staging_dir(config.output, manifest.run_id)
    graph = GraphRun(manifest.run_id, planned.plan.to_process, planned.previous, planned.plan,
                     storage_for(staging).join("new"))  # fmt: skip
    graph_started = time.monotonic()
    graph_result = run_phase(graph, run_graph)
    counters = graph_result.counters
    peaks["graph"] = _peak_rss_mb()
    manifest = manifest.update(
        pipeline_seconds=round(time.monotonic() - graph_started, 3),
        graph_construction_seconds=graph_result.construction_seconds,
    )
    counts = verify(config, graph, counters, manifest)
    peaks["verify"] = _peak_rss_mb()
    manifest = manifest.update(this_run=counts.summary(), error_rate=round(counts.error_rate, 4),
                               cross_run_duplicates=counts.cross_run_duplicates)  # fmt: skip
    progress.append(manifest)
    build_started = time.monotonic()
    description = build_phase(config, planned, graph)
    peaks["build"] = _peak_rss_mb()
    manifest = manifest.update(build_seconds=round(time.monotonic() - build_started, 3))
    layout.publish(config.output, layout.build_dir(config.output, manifest.run_id),
                   manifest.run_id, config.keep_versions, lock)  # fmt: skip
    storage_for(staging).delete_tree(staging)
    duration = time.monotonic() - started
    manifest = manifest.update(
        status="succeeded", ended_at=layout.utc_now(), duration_seconds=round(duration, 3),
        files_read=len(config.inputs),
        words_per_second=round(counts.words / duration, 1) if duration else None,
        dataset_rows=description.rows, rows_per_partition=description.rows_per_partition,
        dataset_files=description.files, driver_peak_rss_mb=peaks,
    )  # fmt: skip
    print_summary(manifest, manifest.write())
    return EXIT_OK


def _plan_fields(planned: RunPlan) -> dict[str, Any]:
    return {
        "schema_changed": planned.schema_changed,
        "inputs": [f._asdict() for f in planned.found],
        "plan": {
            **planned.plan.counts,
            "to_process": len(planned.plan.to_process),
            "hashed": planned.hashed,
        },
        "stale_articles_by_model": planned.stale_articles_by_model,
    }


def plan(config: JobConfig) -> RunPlan:
    """Lists and hashes the inputs and compares them with the published version."""
    current = layout.current_version(config.output)
    previous = current if config.mode == "incremental" else None
    schema_changed = previous is not None and (
        inputs.read_schema_fingerprint(previous) != schema_fingerprint()
    )
    if schema_changed:
        _LOG.warning(
            "the published version was written with other dataset schemas (an older newsbeam); "
            "rebuilding everything, as --mode full would"
        )
        previous = None
    started = time.monotonic()
    previous_state = inputs.read_input_state(previous)
    found, hashed = inputs.identify_inputs(config.inputs, config.listing, previous_state)
    _LOG.info(
        "hashed %d of %d input files in %.1f s (the others: size and modification time as "
        "published)", hashed, len(found), time.monotonic() - started,
    )  # fmt: skip
    stale_counts, stale_files = _stale_files(current, config)
    the_plan = inputs.plan_run(
        found, previous_state,
        duplicates_of=build.duplicates_by_kept_copy(previous),
        stale_files=stale_files if config.reprocess_stale and previous else (),
        prune_deleted=config.prune_deleted,
    )  # fmt: skip
    return RunPlan(previous, found, the_plan, schema_changed, stale_counts, hashed)


def _stale_files(current: str | None, config: JobConfig) -> tuple[dict[str, int], set[str]]:
    """Published articles made by another model or pipeline version than this run's."""
    ours = config.tagger().model_ids()
    stale: dict[str, set[str]] = {}
    for source_file, model, version in build.source_files_and_models(current):
        if model not in ours or version != PIPELINE_VERSION:
            stale.setdefault(f"{model} / newsbeam {version}", set()).add(source_file)
    if stale:
        _LOG.warning(
            "published articles were made by another model or pipeline version: %s; %s",
            {k: len(v) for k, v in stale.items()},
            "re-tagging them (--reprocess-stale)"
            if config.reprocess_stale
            else "use --reprocess-stale or --mode full to re-tag them",
        )
    return {k: len(v) for k, v in stale.items()}, set().union(*stale.values())


def run_phase(graph: GraphRun, run_graph: RunGraph) -> GraphResult:
    """Runs the Beam graph when there is anything to read or drop."""
    if storage_for(graph.staging).local:
        os.makedirs(graph.staging)
    if not graph.paths and not graph.plan.drop_files:
        return GraphResult(True, {})
    result = run_graph(graph)
    if not result.ok:
        raise JobFailure("the Beam pipeline failed")
    return result


def verify(
    config: JobConfig, graph: GraphRun, counters: dict[str, int] | None, manifest: RunManifest
) -> RunCounts:
    """Every planned file is in exactly one output, nothing was written twice, and the error
    rate is within --max-error-rate."""
    counts, problems = count_run(graph.staging, counters, graph.paths)
    manifest = manifest.update(this_run=counts.summary(), error_rate=round(counts.error_rate, 4),
                               files_unaccounted=counts.files_unaccounted)  # fmt: skip
    if problems:
        failure = JobFailure("; ".join(problems))
        failure.manifest = manifest
        raise failure
    if counts.error_rate > config.max_error_rate:
        failure = JobFailure(
            f"error rate {counts.error_rate:.1%} is over --max-error-rate "
            f"{config.max_error_rate:.1%}",
            EXIT_TOO_MANY_ERRORS,
        )
        failure.manifest = manifest
        raise failure
    return counts


def build_phase(config: JobConfig, planned: RunPlan, graph: GraphRun) -> build.VersionDescription:
    """Builds the next version in staging, with its input state and schema fingerprint."""
    target = layout.build_dir(config.output, graph.run_id)
    description = build.build_version(
        planned.previous, graph.staging, target, planned.plan, compact=config.compact
    )
    state = dict(planned.plan.state)
    by_path = {f.path: f for f in planned.found}
    for path in planned.plan.to_process:
        state[path] = by_path[path]._replace(run_id=graph.run_id)
    inputs.write_input_state(target, state.values())
    inputs.write_schema_fingerprint(target)
    _LOG.info("built the new version")
    return description


def _fail(manifest: RunManifest, failure: JobFailure) -> int:
    manifest.update(
        status="failed", ended_at=layout.utc_now(), failure=failure.reason,
        exit_code=failure.exit_code,
    ).write()  # fmt: skip
    print(f"newsbeam: run {manifest.run_id} failed: {failure.reason}; nothing was published")
    return failure.exit_code


def print_summary(manifest: RunManifest, path: str) -> None:
    """The run summary on stdout."""
    run, the_plan = manifest.this_run or {}, manifest.plan
    codes = ", ".join(f"{code}={n}" for code, n in run["errors_by_code"].items()) or "none"
    plan_text = ", ".join(
        f"{k} {v}" for k, v in sorted(the_plan.items()) if v and k not in ("to_process", "hashed")
    )
    totals = ", ".join(f"{k} {v}" for k, v in manifest.dataset_rows.items())
    not_written = "".join(
        f"  not written (see the log): {name} {n} rows"
        f"{' (each is an internal error row)' if name in INPUT_DATASETS else ''}\n"
        for name, n in run.get("rows_not_written", {}).items()
    )
    print(
        f"run {manifest.run_id} ({manifest.mode}): {manifest.files_read} files found "
        f"({plan_text}); {the_plan['to_process']} read\n"
        f"  this run: {run['input_records']} inputs = {run['articles']} articles + "
        f"{run['errors']} errors + {run['duplicates']} duplicates (every file accounted for)\n"
        f"  errors by code: {codes}\n"
        f"  entity mentions: {run['entity_mentions']}\n"
        f"{not_written}"
        f"  words: {run['words']} in {manifest.duration_seconds:.1f} s{_tagging_rate(run)}\n"
        f"  published: {totals}\n"
        f"  manifest: {path}"
    )


def _tagging_rate(run: dict) -> str:
    """The tagger's own speed, apart from the run's fixed cost (start-up, graph, publishing),
    which dominates a small run; nothing where the runner reports no metrics."""
    seconds = run.get("tagging_seconds")
    if not seconds or not run["words"]:
        return ""
    return f" (tagging {seconds:.1f} s of worker time: {run['words'] / seconds:,.0f} words/s)"

"""One batch job, start to finish: lock, plan, run the Beam graph, build a version, publish.

Exit codes (for cron, systemd and Airflow): 0 success; 1 the pipeline failed; 2 bad command
line; 3 more bad inputs than --max-error-rate allows; 75 another run holds the output lock.
Nothing is published unless the exit code is 0.
"""

from __future__ import annotations

import argparse
import collections
import logging
import platform
import shutil
import time
from collections.abc import Callable
from importlib import metadata
from pathlib import Path

import apache_beam as beam
import pyarrow.parquet as pq

from pipelines import output as out
from pipelines.incremental import (
    hash_file,
    plan_run,
    read_input_state,
    read_schema_fingerprint,
    write_input_state,
    write_schema_fingerprint,
)
from pipelines.versions import (
    all_source_files,
    build_version,
    duplicates_by_canonical,
    models_in,
)
from schemas import ARTICLES, DATASETS, ERRORS, schema_fingerprint
from transforms.entities import load_aliases
from transforms.tag import PIPELINE_VERSION, UNTAGGED_MODEL, model_meta_id

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_TOO_MANY_ERRORS = 3
EXIT_LOCKED = 75  # EX_TEMPFAIL: try again later
_LOG = logging.getLogger("newsbeam")

RunPipeline = Callable[[list[str], str], bool]  # (paths to read, staging directory) -> ok


def _versions(models: dict[str, str], aliases_path: Path | None) -> dict[str, str]:
    import spacy

    return {
        "newsbeam": PIPELINE_VERSION,
        "apache_beam": beam.__version__,
        "spacy": spacy.__version__,
        "vaderSentiment": metadata.version("vaderSentiment"),
        "python": platform.python_version(),
        **{f"model_{lang}": model_meta_id(name) for lang, name in models.items()},
        "entity_aliases": load_aliases(aliases_path).version,
    }


def _stale_files(previous: Path | None, models: dict[str, str]) -> tuple[dict, set[str]]:
    """Articles made by another model or pipeline version than this run's."""
    current = {model_meta_id(name) for name in models.values()} | {UNTAGGED_MODEL}
    stale = {
        f"{model} / newsbeam {version}": files
        for (model, version), files in models_in(previous).items()
        if model not in current or version != PIPELINE_VERSION
    }
    return {k: len(v) for k, v in stale.items()}, set().union(*stale.values()) if stale else set()


def _check_unique_articles(new: Path) -> list[str]:
    """Article ids written twice (would mean a runner re-ran a bundle with other boundaries)."""
    paths = (
        sorted((new / ARTICLES.name).rglob("*.parquet")) if (new / ARTICLES.name).is_dir() else []
    )
    ids = [
        i for p in paths for i in pq.read_table(p, columns=["article_id"])["article_id"].to_pylist()
    ]
    return sorted(i for i, n in collections.Counter(ids).items() if n > 1)


def _run_counts(new: Path) -> dict:
    def column(dataset, name):
        paths = (
            sorted((new / dataset.name).rglob("*.parquet")) if (new / dataset.name).is_dir() else []
        )
        return [v for p in paths for v in pq.read_table(p, columns=[name])[name].to_pylist()]

    counts = {name: len(column(d, d.schema.names[0])) for name, d in DATASETS.items()}
    return {
        "articles": counts["articles"],
        "errors": counts["errors"],
        "duplicates": counts["duplicates"],
        "entity_mentions": counts["entities"],
        "input_records": counts["articles"] + counts["errors"] + counts["duplicates"],
        "errors_by_code": dict(sorted(collections.Counter(column(ERRORS, "error_code")).items())),
        "words": sum(column(ARTICLES, "word_count")),
    }


def run_job(
    args: argparse.Namespace, inputs: list[str], run_id: str, run_pipeline: RunPipeline
) -> int:
    output = Path(args.output)
    try:
        lock = out.OutputLock(output, run_id).acquire()
    except out.LockedError as err:
        print(f"newsbeam: {err}; exiting with {EXIT_LOCKED}")
        return EXIT_LOCKED
    try:
        if lock.previous_holder:
            _LOG.warning("taking over the lock left by run %s", lock.previous_holder.get("run_id"))
        for dead in out.clean_up_dead_runs(output):
            _LOG.warning("cleaned up after run %s, which did not finish", dead)
        return _run_locked(args, inputs, run_id, run_pipeline, output)
    except Exception as err:
        manifests = [m for m in out.read_manifests(output) if m["run_id"] == run_id]
        if manifests:
            _fail(output, manifests[0], f"{type(err).__name__}: {err}", EXIT_FAILED)
        raise
    finally:
        lock.release()


def _run_locked(args, inputs, run_id, run_pipeline, output: Path) -> int:
    started = time.monotonic()
    manifest: dict = {
        "run_id": run_id,
        "status": "running",
        "started_at": out.utc_now(),
        "mode": args.mode,
        "input": args.input,
        "output": args.output,
        "options": {k: v for k, v in vars(args).items() if k not in {"timezone"}},
        "versions": _versions(args.models, args.entity_aliases),
    }
    out.write_manifest(output, run_id, manifest)
    previous = out.current_version(output) if args.mode == "incremental" else None
    if previous is not None and read_schema_fingerprint(previous) != schema_fingerprint():
        _LOG.warning(
            "the published version was written with other dataset schemas (an older newsbeam); "
            "rebuilding everything, as --mode full would"
        )
        manifest["schema_changed"] = True
        previous = None
    found = [hash_file(path) for path in inputs]
    _LOG.info("hashed %d input files in %.1f s", len(found), time.monotonic() - started)
    stale_counts, stale_files = _stale_files(out.current_version(output), args.models)
    if stale_counts:
        _LOG.warning(
            "published articles were made by another model or pipeline version: %s; %s",
            stale_counts,
            "re-tagging them (--reprocess-stale)"
            if args.reprocess_stale
            else "use --reprocess-stale or --mode full to re-tag them",
        )
    plan = plan_run(
        found,
        read_input_state(previous),
        duplicates_of=duplicates_by_canonical(previous),
        stale_files=stale_files if args.reprocess_stale and previous else (),
        prune_deleted=args.prune_deleted,
    )
    manifest.update(
        inputs=[f._asdict() for f in found],
        plan={**plan.counts, "to_process": len(plan.to_process)},
        stale_articles_by_model=stale_counts,
    )
    staging = out.staging_dir(output, run_id)
    new = staging / "new"
    new.mkdir(parents=True)
    if plan.to_process:
        paths = (
            plan.to_process
        )  # listed, hashed and planned on the driver (all of them in full mode)
        pipeline_started = time.monotonic()
        if not run_pipeline(paths, str(new.resolve())):
            return _fail(output, manifest, "the Beam pipeline failed", EXIT_FAILED)
        manifest["pipeline_seconds"] = round(time.monotonic() - pipeline_started, 3)
        _LOG.info("Beam pipeline finished in %.1f s", manifest["pipeline_seconds"])
        repeated = _check_unique_articles(new)
        if repeated:
            return _fail(
                output, manifest, f"{len(repeated)} articles were written twice", EXIT_FAILED
            )
    counts = _run_counts(new)
    manifest["this_run"] = counts
    unaccounted = sorted(set(plan.to_process) - all_source_files(new))
    manifest["files_unaccounted"] = unaccounted
    if unaccounted:
        return _fail(
            output, manifest, f"{len(unaccounted)} input files are in no output", EXIT_FAILED
        )
    error_rate = counts["errors"] / counts["input_records"] if counts["input_records"] else 0.0
    manifest["error_rate"] = round(error_rate, 4)
    if error_rate > args.max_error_rate:
        return _fail(
            output,
            manifest,
            f"error rate {error_rate:.1%} is over --max-error-rate {args.max_error_rate:.1%}",
            EXIT_TOO_MANY_ERRORS,
        )
    build_started = time.monotonic()
    built = build_version(
        previous,
        new,
        staging / "version",
        plan,
        run_id,
        compact=args.compact,
        excluded_labels=args.rollup_exclude_labels,
    )
    manifest["build_seconds"] = round(time.monotonic() - build_started, 3)
    _LOG.info("built the new version in %.1f s", manifest["build_seconds"])
    # New articles already published from another path were turned into duplicates.
    counts["articles"] -= built.cross_run_duplicates
    counts["duplicates"] += built.cross_run_duplicates
    counts["entity_mentions"] -= built.cross_run_entities
    state = dict(plan.state)
    by_path = {f.path: f for f in found}
    for path in plan.to_process:
        state[path] = by_path[path]._replace(run_id=run_id)
    write_input_state(staging / "version", state.values())
    write_schema_fingerprint(staging / "version")
    out.publish(output, staging / "version", run_id, keep_versions=args.keep_versions)
    shutil.rmtree(staging, ignore_errors=True)
    duration = time.monotonic() - started
    manifest.update(
        status="succeeded",
        ended_at=out.utc_now(),
        duration_seconds=round(duration, 3),
        files_read=len(inputs),
        words_per_second=round(counts["words"] / duration, 1) if duration else None,
        cross_run_duplicates=built.cross_run_duplicates,
        dataset_rows=built.rows,
        rows_per_partition=built.rows_per_partition,
        dataset_files=built.files,
    )
    path = out.write_manifest(output, run_id, manifest)
    _print_summary(manifest, path)
    return EXIT_OK


def _fail(output: Path, manifest: dict, reason: str, code: int) -> int:
    manifest.update(status="failed", ended_at=out.utc_now(), failure=reason, exit_code=code)
    out.write_manifest(output, manifest["run_id"], manifest)
    print(f"newsbeam: run {manifest['run_id']} failed: {reason}; nothing was published")
    return code


def _print_summary(manifest: dict, path: Path) -> None:
    run = manifest["this_run"]
    plan = manifest["plan"]
    codes = ", ".join(f"{code}={n}" for code, n in run["errors_by_code"].items()) or "none"
    plan_text = ", ".join(f"{k} {v}" for k, v in sorted(plan.items()) if v and k != "to_process")
    totals = ", ".join(f"{k} {v}" for k, v in manifest["dataset_rows"].items())
    print(
        f"run {manifest['run_id']} ({manifest['mode']}): {manifest['files_read']} files found "
        f"({plan_text}); {plan['to_process']} read\n"
        f"  this run: {run['input_records']} inputs = {run['articles']} articles + "
        f"{run['errors']} errors + {run['duplicates']} duplicates (every file accounted for)\n"
        f"  errors by code: {codes}\n"
        f"  entity mentions: {run['entity_mentions']}\n"
        f"  words: {run['words']} in {manifest['duration_seconds']:.1f} s "
        f"({manifest['words_per_second'] or 0:.0f} words/s)\n"
        f"  published: {totals}\n"
        f"  manifest: {path}"
    )

"""Tags a folder of raw news articles and writes Hive-partitioned Parquet datasets.

    python -m pipelines.tag_articles --input data/raw --output data/out
    python -m pipelines.tag_articles --input 'data/raw/**.txt' --output data/out \\
        --spacy-model en_core_web_sm --runner DirectRunner --direct_num_workers 2 \\
        --direct_running_mode multi_processing

Options this module does not know are handed to Beam's PipelineOptions; an option neither
knows is a usage error (exit code 2).
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import posixpath
import re
import secrets
import sys
import time
import zoneinfo
from collections import Counter
from pathlib import Path

import apache_beam as beam
import pyarrow.parquet as pq
from apache_beam.options.pipeline_options import (
    PipelineOptions,
    StandardOptions,
    _BeamArgumentParser,
)
from apache_beam.runners.runner import PipelineState

from pipelines import output as out
from schemas import ARTICLES, DATASETS, DUPLICATES, ENTITIES, ERRORS
from transforms.dedupe import DropDuplicates
from transforms.parse import DEFAULT_MAX_CHARS, ParseArticles, ParseOptions
from transforms.read import ReadRawFiles, input_pattern, list_inputs
from transforms.tag import (
    DEFAULT_MODEL,
    PIPELINE_VERSION,
    ModelNotFoundError,
    TagArticles,
    model_language,
)
from transforms.write import (
    CommitWrittenFiles,
    WriteDataset,
    committed_only,
    read_commit_record,
    write_empty,
)

_LOG = logging.getLogger("newsbeam")
EXIT_USAGE = 2
EXIT_FAILED = 1
# Runner names that mean "run here, in-process". Beam's DirectRunner would first try to download
# a Prism binary; its own fallback is the FnApiRunner, which we use directly.
_LOCAL_RUNNERS = {None, "directrunner", "switchingdirectrunner", "fnapirunner"}
_SHORT_RUNNERS = {"daskrunner": "apache_beam.runners.dask.dask_runner.DaskRunner"}


class UsageError(ValueError):
    pass


def new_run_id() -> str:
    """Sortable by start time: `20261125T153000Z-1a2b3c`."""
    return f"{dt.datetime.now(dt.UTC):%Y%m%dT%H%M%SZ}-{secrets.token_hex(3)}"


class _ArgumentParser(argparse.ArgumentParser):
    def error(self, message: str):  # one line and exit 2, not argparse's usage block
        raise UsageError(message)


def _argument_parser() -> argparse.ArgumentParser:
    parser = _ArgumentParser(
        prog="newsbeam", description=__doc__.split("\n\n")[0], allow_abbrev=False
    )
    parser.add_argument("--input", required=True, help="a directory (read recursively) or a glob")
    parser.add_argument("--output", required=True, help="output directory (local)")
    parser.add_argument(
        "--spacy-model",
        action="append",
        metavar="[LANG=]NAME",
        help=f"an installed spaCy model, for its own language or for LANG; repeatable; the first "
        f"also tags text whose language is not detected (default {DEFAULT_MODEL})",
    )
    parser.add_argument(
        "--no-language-detection",
        dest="detect_language",
        action="store_false",
        help="take the language from the header only",
    )
    parser.add_argument(
        "--default-timezone",
        default="UTC",
        help="IANA zone for header times that carry no offset (default UTC)",
    )
    parser.add_argument(
        "--dayfirst", action="store_true", help="read 01/02/2019 as 1 February, not January 2"
    )
    parser.add_argument(
        "--max-chars",
        type=int,
        default=DEFAULT_MAX_CHARS,
        help="bodies longer than this become errors with code too_large (default %(default)s)",
    )
    parser.add_argument("--batch-size", type=int, default=64, help="articles per spaCy batch")
    parser.add_argument(
        "--keep-versions", type=int, default=2, help="published versions kept on disk (>= 1)"
    )
    return parser


def _beam_options(beam_args: list[str]) -> PipelineOptions:
    """Beam options, with unknown ones rejected rather than silently dropped."""
    runner = next(
        (beam_args[i + 1] for i, a in enumerate(beam_args[:-1]) if a == "--runner"), None
    ) or next((a.split("=", 1)[1] for a in beam_args if a.startswith("--runner=")), None)
    if runner and runner.lower() in _SHORT_RUNNERS:
        beam_args = [_SHORT_RUNNERS[runner.lower()] if a == runner else a for a in beam_args]
        runner = _SHORT_RUNNERS[runner.lower()]
    if runner and "dask" in runner.lower():
        import apache_beam.runners.dask.dask_runner  # noqa: F401  (registers its options)
    parser = _BeamArgumentParser(allow_abbrev=False)
    for cls in {str(c): c for c in PipelineOptions.__subclasses__()}.values():
        cls._add_argparse_args(parser)
    _, unknown = parser.parse_known_args(beam_args)
    if unknown:
        raise UsageError(f"unrecognized arguments: {' '.join(unknown)}")
    return PipelineOptions(beam_args)


def _make_runner(options: PipelineOptions):
    name = options.view_as(StandardOptions).runner
    if name is not None and name.lower() not in _LOCAL_RUNNERS:
        return None  # Beam resolves it from the options.
    from apache_beam.portability.api import beam_provision_api_pb2
    from apache_beam.runners.portability.fn_api_runner import fn_runner
    from apache_beam.runners.portability.portable_runner import JobServiceHandle

    encoded = JobServiceHandle.encode_pipeline_options(options.get_all_options())
    provision = fn_runner.ExtendedProvisionInfo(
        beam_provision_api_pb2.ProvisionInfo(pipeline_options=encoded)
    )
    return fn_runner.FnApiRunner(provision_info=provision)


def _models(specs: list[str] | None) -> dict[str, str]:
    """`[LANG=]NAME` options -> {language: model}, in the order given."""
    models: dict[str, str] = {}
    for spec in specs or [DEFAULT_MODEL]:
        language, _, name = spec.rpartition("=")
        try:
            model_lang = model_language(name)
        except ModelNotFoundError as err:
            raise UsageError(f"{err} (pip install it, or see python -m spacy info)") from err
        models[language.lower() or model_lang] = name
    return models


def parse_args(argv: list[str] | None) -> tuple[argparse.Namespace, PipelineOptions, list[str]]:
    """Validates the whole command line before any work; raises UsageError with one line."""
    parser = _argument_parser()
    args, beam_args = parser.parse_known_args(argv)
    try:
        args.timezone = zoneinfo.ZoneInfo(args.default_timezone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as err:
        raise UsageError(f"unknown --default-timezone {args.default_timezone!r}") from err
    if args.max_chars < 1 or args.batch_size < 1 or args.keep_versions < 1:
        raise UsageError("--max-chars, --batch-size and --keep-versions must be positive")
    options = _beam_options(beam_args)
    args.pattern = input_pattern(args.input)
    inputs = list_inputs(args.pattern)
    if not inputs:
        raise UsageError(f"--input {args.input!r} matches no files")
    args.models = _models(args.spacy_model)
    out.check_writable(Path(args.output))
    return args, options, inputs


def build_pipeline(pipeline: beam.Pipeline, args: argparse.Namespace, run_id: str, staging: str):
    """The graph: read -> parse -> tag -> write, with every error flowing to `errors`."""
    raw = pipeline | "ReadRawFiles" >> ReadRawFiles(args.pattern, run_id)
    options = ParseOptions(args.timezone, args.dayfirst, args.max_chars, args.detect_language)
    parsed = raw.files | "ParseArticles" >> ParseArticles(run_id, options)
    unique = parsed.articles | "DropDuplicates" >> DropDuplicates(run_id)
    tagged = unique.articles | "TagArticles" >> TagArticles(
        args.models, run_id, max_batch_size=args.batch_size
    )
    errors = (raw.errors, parsed.errors) | "MergeErrors" >> beam.Flatten()
    written = (
        tagged.articles | "WriteArticles" >> WriteDataset(ARTICLES, staging),
        tagged.entities | "WriteEntities" >> WriteDataset(ENTITIES, staging),
        errors | "WriteErrors" >> WriteDataset(ERRORS, staging),
        unique.duplicates | "WriteDuplicates" >> WriteDataset(DUPLICATES, staging),
    )
    _ = written | "CommitWrittenFiles" >> CommitWrittenFiles(staging)


def _column(staging: Path, dataset: str, column: str) -> list:
    return pq.read_table(staging / dataset, columns=[column])[column].to_pylist()


def _file_of(source_path: str) -> str:
    """`batch.jsonl#L3` -> `batch.jsonl`."""
    return re.sub(r"#L\d+$", "", source_path)


def _summarize(staging: Path, inputs: list[str], run_id: str, started: float, args) -> dict:
    """Counts from the committed files; checks that every input file is accounted for."""
    files = read_commit_record(str(staging))
    for dataset in DATASETS.values():
        mine = [f for f in files if f.dataset == dataset.name]
        committed_only(mine, str(staging), dataset)
        if not mine:
            files.append(write_empty(dataset, str(staging)))
    rows: Counter = Counter()
    partitions: dict[str, Counter] = {name: Counter() for name in DATASETS}
    for f in files:
        rows[f.dataset] += f.rows
        partitions[f.dataset][posixpath.dirname(f.relative_path) or "."] += f.rows
    accounted = {
        _file_of(path)
        for dataset in (ARTICLES.name, ERRORS.name, DUPLICATES.name)
        for path in _column(staging, dataset, "source_path")
    }
    words = sum(_column(staging, ARTICLES.name, "word_count"))
    duration = time.monotonic() - started
    return {
        "run_id": run_id,
        "status": "succeeded",
        "input": args.input,
        "output": args.output,
        "files_read": len(inputs),
        "files_unaccounted": sorted(set(inputs) - accounted),
        "input_records": rows[ARTICLES.name] + rows[ERRORS.name] + rows[DUPLICATES.name],
        "articles": rows[ARTICLES.name],
        "errors": rows[ERRORS.name],
        "duplicates": rows[DUPLICATES.name],
        "errors_by_code": dict(
            sorted(Counter(_column(staging, ERRORS.name, "error_code")).items())
        ),
        "entity_mentions": rows[ENTITIES.name],
        "words": words,
        "duration_seconds": round(duration, 3),
        "words_per_second": round(words / duration, 1) if duration else None,
        "rows_per_partition": {name: dict(sorted(c.items())) for name, c in partitions.items()},
        "spacy_models": args.models,
        "pipeline_version": PIPELINE_VERSION,
        "beam_version": beam.__version__,
    }


def _print_summary(summary: dict, path: Path | None) -> None:
    unaccounted = len(summary["files_unaccounted"])
    codes = ", ".join(f"{code}={n}" for code, n in summary["errors_by_code"].items()) or "none"
    print(
        f"run {summary['run_id']}: {summary['files_read']} files read -> "
        f"{summary['input_records']} inputs = {summary['articles']} articles + "
        f"{summary['errors']} errors + {summary['duplicates']} duplicates "
        f"({f'{unaccounted} FILES UNACCOUNTED' if unaccounted else 'every file accounted for'})\n"
        f"  errors by code: {codes}\n"
        f"  entity mentions: {summary['entity_mentions']}\n"
        f"  words: {summary['words']} in {summary['duration_seconds']:.1f} s "
        f"({summary['words_per_second'] or 0:.0f} words/s)"
        + (f"\n  summary: {path}" if path else "")
    )


def run(argv: list[str] | None = None) -> int:
    """Runs one batch job; returns the process exit code."""
    try:
        args, options, inputs = parse_args(argv)
    except (UsageError, out.OutputError) as err:
        print(f"newsbeam: error: {err}", file=sys.stderr)
        return EXIT_USAGE
    started = time.monotonic()
    output = Path(args.output)
    run_id = new_run_id()
    for leftover in out.clean_staging(output):
        _LOG.warning("removed staging of an earlier run that did not finish: %s", leftover)
    staging = out.staging_dir(output, run_id)
    staging.mkdir(parents=True)
    _LOG.info("run %s: %d input files, staging in %s", run_id, len(inputs), staging)
    pipeline = beam.Pipeline(runner=_make_runner(options), options=options)
    build_pipeline(pipeline, args, run_id, str(staging.resolve()))
    state = pipeline.run().wait_until_finish()
    if state != PipelineState.DONE:
        _LOG.error("pipeline ended in state %s; nothing was published", state)
        return EXIT_FAILED
    summary = _summarize(staging, inputs, run_id, started, args)
    if summary["files_unaccounted"]:
        summary["status"] = "failed"
        _print_summary(summary, out.write_run_summary(output, run_id, summary))
        _LOG.error("inputs missing from every output: %s", summary["files_unaccounted"][:10])
        return EXIT_FAILED
    out.publish(output, run_id, keep_versions=args.keep_versions)
    _print_summary(summary, out.write_run_summary(output, run_id, summary))
    return 0


def main() -> None:
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    for noisy in ("apache_beam", "absl"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    sys.exit(run())


if __name__ == "__main__":
    main()

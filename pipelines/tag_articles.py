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
import gc
import logging
import secrets
import sys
import zoneinfo
from pathlib import Path

import apache_beam as beam
from apache_beam.options.pipeline_options import (
    PipelineOptions,
    StandardOptions,
    _BeamArgumentParser,
)
from apache_beam.runners.runner import PipelineState

from pipelines import output as out
from pipelines.job import run_job
from schemas import ARTICLES, DUPLICATES, ENTITIES, ERRORS
from transforms.dedupe import DropDuplicates
from transforms.entities import DEFAULT_ROLLUP_EXCLUDED, load_aliases
from transforms.parse import DEFAULT_MAX_CHARS, ParseArticles, ParseOptions
from transforms.read import ReadRawFiles, input_pattern, list_inputs
from transforms.tag import (
    DEFAULT_MODEL,
    ModelNotFoundError,
    TagArticles,
    model_language,
)
from transforms.write import (
    AwaitWriters,
    WriteDataset,
)

_LOG = logging.getLogger("newsbeam")
EXIT_USAGE = 2
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
    parser.add_argument(
        "--mode",
        choices=("incremental", "full"),
        default="incremental",
        help="incremental: read only new and changed files (default); full: rebuild everything",
    )
    parser.add_argument(
        "--prune-deleted", action="store_true", help="drop the rows of input files that are gone"
    )
    parser.add_argument(
        "--reprocess-stale",
        action="store_true",
        help="re-tag articles made by another spaCy model or pipeline version",
    )
    parser.add_argument(
        "--compact", action="store_true", help="rewrite each partition's files into one"
    )
    parser.add_argument(
        "--entity-aliases",
        type=Path,
        help="a YAML alias table added to the packaged one (see transforms/entity_aliases.yaml)",
    )
    parser.add_argument(
        "--rollup-exclude-labels",
        type=lambda text: tuple(label.strip() for label in text.split(",") if label.strip()),
        default=DEFAULT_ROLLUP_EXCLUDED,
        help="entity labels left out of article_entities and entity_daily (comma-separated; "
        f"default {','.join(DEFAULT_ROLLUP_EXCLUDED)}; '' keeps all)",
    )
    parser.add_argument(
        "--max-error-rate",
        type=float,
        default=1.0,
        help="fail (exit 3, publish nothing) when errors / inputs of this run exceed this "
        "fraction (default 1.0: never)",
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
    if not 0.0 <= args.max_error_rate <= 1.0:
        raise UsageError("--max-error-rate must be between 0 and 1")
    options = _beam_options(beam_args)
    args.pattern = input_pattern(args.input)
    inputs = list_inputs(args.pattern)
    if not inputs:
        raise UsageError(f"--input {args.input!r} matches no files")
    args.models = _models(args.spacy_model)
    if args.entity_aliases is not None:
        try:
            load_aliases(args.entity_aliases)
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as err:
            raise UsageError(f"--entity-aliases {str(args.entity_aliases)!r}: {err}") from err
    out.check_writable(Path(args.output))
    return args, options, inputs


def build_pipeline(
    pipeline: beam.Pipeline,
    args: argparse.Namespace,
    run_id: str,
    staging: str,
    *,
    paths: list[str],
    expected_articles: int = 1,
) -> None:
    """The graph: read -> parse -> dedupe -> tag -> write; every error flows to `errors`."""
    raw = pipeline | "ReadRawFiles" >> ReadRawFiles(paths, run_id)
    options = ParseOptions(args.timezone, args.dayfirst, args.max_chars, args.detect_language)
    parsed = raw.files | "ParseArticles" >> ParseArticles(run_id, options)
    unique = parsed.articles | "DropDuplicates" >> DropDuplicates(
        run_id, batch_size=args.batch_size, expected_articles=expected_articles
    )
    tagged = unique.batches | "TagArticles" >> TagArticles(
        args.models,
        run_id,
        aliases_path=str(args.entity_aliases) if args.entity_aliases else None,
    )
    errors = (raw.errors, parsed.errors) | "MergeErrors" >> beam.Flatten()
    written = (
        tagged.articles | "WriteArticles" >> WriteDataset(ARTICLES, staging),
        tagged.entities | "WriteEntities" >> WriteDataset(ENTITIES, staging, lists=True),
        errors | "WriteErrors" >> WriteDataset(ERRORS, staging),
        unique.duplicates | "WriteDuplicates" >> WriteDataset(DUPLICATES, staging),
    )
    _ = written | "AwaitWriters" >> AwaitWriters()


def run(argv: list[str] | None = None) -> int:
    """Runs one batch job; returns the process exit code (see `pipelines/job.py`)."""
    try:
        args, options, inputs = parse_args(argv)
    except (UsageError, out.OutputError) as err:
        print(f"newsbeam: error: {err}", file=sys.stderr)
        return EXIT_USAGE
    run_id = new_run_id()

    def run_pipeline(paths: list[str], staging: str) -> bool:
        _LOG.info("run %s: reading %d files", run_id, len(paths))
        pipeline = beam.Pipeline(runner=_make_runner(options), options=options)
        build_pipeline(pipeline, args, run_id, staging, paths=paths, expected_articles=len(paths))
        state = pipeline.run().wait_until_finish()
        if state != PipelineState.DONE:
            _LOG.error("pipeline ended in state %s", state)
        return state == PipelineState.DONE

    return run_job(args, inputs, run_id, run_pipeline)


def main() -> None:
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s", force=True
    )
    for noisy in ("apache_beam", "absl"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    gc.freeze()  # the imported modules live as long as the process: keep them out of full GCs
    sys.exit(run())


if __name__ == "__main__":
    main()

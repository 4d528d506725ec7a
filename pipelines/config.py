"""The command line, parsed and checked once into a frozen `JobConfig`; nothing below this
module sees argparse. Options newsbeam does not know go to Beam's PipelineOptions; an option
neither knows is a usage error (one line, exit code 2)."""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import importlib.util
import os
import re
import zoneinfo
from pathlib import Path
from typing import Any

from apache_beam.io.filesystems import FileSystems
from apache_beam.options.pipeline_options import PipelineOptions, _BeamArgumentParser

from pipelines.store.layout import DEFAULT_LEASE_SECONDS, OutputError, check_writable
from pipelines.store.objectlock import ObjectStoreError
from pipelines.store.storage import is_url
from transforms.io.read import DEFAULT_MAX_FILE_BYTES, ListedFile, input_pattern, list_input_files
from transforms.io.s3_clients import share_s3_clients
from transforms.parsing.parse import DEFAULT_MAX_CHARS, ParseOptions
from transforms.runner import resolve_runner
from transforms.tagging.entity_keys import DEFAULT_ROLLUP_EXCLUDED, load_aliases, load_labels
from transforms.tagging.keyphrases import DEFAULT_KEYPHRASES
from transforms.tagging.spacy_models import DEFAULT_MODEL, ModelNotFoundError, model_language
from transforms.tagging.spacy_vader import SpacyVaderTagger

DESCRIPTION = "Tags a folder of raw news articles and writes Hive-partitioned Parquet datasets."


class UsageError(ValueError):
    """A bad command line: reported as one line, exit code 2."""


@dataclasses.dataclass(frozen=True)
class JobConfig:
    """Everything one run needs, checked before any work."""

    input: str
    output: str  # a local directory or an object-store URL (s3://bucket/prefix)
    inputs: tuple[str, ...]  # the files the input matched, sorted
    models: tuple[tuple[str, str], ...]  # (language, spaCy model); the first tags the undetected
    detect_language: bool = True
    default_timezone: str = "UTC"
    dayfirst: bool = False
    max_chars: int = DEFAULT_MAX_CHARS
    max_file_bytes: int = DEFAULT_MAX_FILE_BYTES
    batch_size: int = 64
    keep_versions: int = 2
    mode: str = "incremental"
    prune_deleted: bool = False
    reprocess_stale: bool = False
    compact: bool = False
    entity_aliases: str | None = None
    entity_labels: str | None = None
    story_threshold: float = 0.8
    keyphrases: int = DEFAULT_KEYPHRASES
    rollup_exclude_labels: tuple[str, ...] = DEFAULT_ROLLUP_EXCLUDED
    max_error_rate: float = 1.0
    beam_args: tuple[str, ...] = ()
    lock_lease_seconds: float = DEFAULT_LEASE_SECONDS
    # the listing of `inputs` with sizes and modification times (lets a run skip re-reading
    # files the published version holds unchanged); empty: every input is read and hashed
    listing: tuple[ListedFile, ...] = ()

    @property
    def timezone(self) -> dt.tzinfo:
        return zoneinfo.ZoneInfo(self.default_timezone)

    def parse_options(self) -> ParseOptions:
        return ParseOptions(self.timezone, self.dayfirst, self.max_chars, self.detect_language)

    def tagger(self) -> SpacyVaderTagger:
        return SpacyVaderTagger(
            self.models, self.entity_aliases, self.entity_labels, self.keyphrases
        )

    def beam_options(self) -> PipelineOptions:
        return PipelineOptions(list(self.beam_args))

    def for_manifest(self) -> dict[str, Any]:
        """The options as the run manifest records them."""
        options = dataclasses.asdict(self)
        options.pop("inputs")
        options.pop("listing")
        options["models"] = dict(self.models)
        options["beam_args"] = redact_secrets(self.beam_args)
        return options


# Beam options whose values are credentials: a manifest records that they were set, not what.
_SECRET = re.compile(r"secret|token|password|credential|access_key|private_key", re.IGNORECASE)
REDACTED = "<set, not recorded>"


def redact_secrets(beam_args: tuple[str, ...] | list[str]) -> list[str]:
    """`--s3_secret_access_key y` -> `--s3_secret_access_key <set, not recorded>`."""
    redacted, hide_next = [], False
    for arg in beam_args:
        if hide_next:
            redacted.append(REDACTED)
            hide_next = False
            continue
        option, equals, _ = arg.partition("=")
        if option.startswith("--") and _SECRET.search(option):
            if equals:
                redacted.append(f"{option}={REDACTED}")
            else:
                redacted.append(option)
                hide_next = True
            continue
        redacted.append(arg)
    return redacted


class _ArgumentParser(argparse.ArgumentParser):
    def error(self, message: str):  # one line and exit 2, not argparse's usage block
        raise UsageError(message)


def _labels(text: str) -> tuple[str, ...]:
    return tuple(label.strip() for label in text.split(",") if label.strip())


def argument_parser() -> argparse.ArgumentParser:
    parser = _ArgumentParser(prog="newsbeam", description=DESCRIPTION, allow_abbrev=False)
    add = parser.add_argument
    add("--input", required=True, help="a directory (read recursively) or a glob")
    add("--output", required=True,
        help="output directory, or an s3:// URL (needs newsbeam[s3]; Beam's --s3_* options)")
    add("--lock-lease-seconds", type=float, default=DEFAULT_LEASE_SECONDS,
        help="on an object store, how long a dead run's lock blocks the next run "
        f"(renewed while the run lives; default {DEFAULT_LEASE_SECONDS:.0f})")  # fmt: skip
    add("--spacy-model", action="append", metavar="[LANG=]NAME",
        help="an installed spaCy model, for its own language or for LANG; repeatable; the first "
        f"also tags text whose language is not detected (default {DEFAULT_MODEL})")  # fmt: skip
    add("--no-language-detection", dest="detect_language", action="store_false",
        help="take the language from the header only")  # fmt: skip
    add("--default-timezone", default="UTC",
        help="IANA zone for header times that carry no offset (default UTC)")  # fmt: skip
    add("--dayfirst", action="store_true", help="read 01/02/2019 as 1 February, not January 2")
    add("--max-chars", type=int, default=DEFAULT_MAX_CHARS,
        help="bodies longer than this become errors with code too_large (default %(default)s)")  # fmt: skip
    add("--max-file-bytes", type=int, default=DEFAULT_MAX_FILE_BYTES,
        help="files larger than this become errors with code too_large, unread "
        "(default %(default)s)")  # fmt: skip
    add("--batch-size", type=int, default=64, help="articles per spaCy batch")
    add("--keep-versions", type=int, default=2, help="published versions kept on disk (>= 1)")
    add("--mode", choices=("incremental", "full"), default="incremental",
        help="incremental: read only new and changed files (default); full: rebuild everything")  # fmt: skip
    add("--prune-deleted", action="store_true", help="drop the rows of input files that are gone")
    add("--reprocess-stale", action="store_true",
        help="re-tag articles made by another spaCy model or pipeline version")  # fmt: skip
    add("--compact", action="store_true", help="rewrite each partition's files into one")
    add("--entity-aliases", type=Path,
        help="a YAML alias table added to the packaged one (see transforms/entity_aliases.yaml)")  # fmt: skip
    add("--entity-labels", type=Path,
        help="a YAML label table added to the packaged one (see transforms/entity_labels.yaml)")  # fmt: skip
    add("--rollup-exclude-labels", type=_labels, default=DEFAULT_ROLLUP_EXCLUDED,
        help="entity labels left out of article_entities and entity_daily (comma-separated; "
        f"default {','.join(DEFAULT_ROLLUP_EXCLUDED)}; '' keeps all)")  # fmt: skip
    add("--story-threshold", type=float, default=0.8,
        help="articles whose bodies share at least this Jaccard similarity of word 5-shingles "
        "are one story (0.5 to 1; default 0.8)")  # fmt: skip
    add("--keyphrases", type=int, default=DEFAULT_KEYPHRASES, metavar="N",
        help="keyphrases kept per article in the keyphrases dataset (0 to 100; default "
        f"{DEFAULT_KEYPHRASES}; 0: none)")  # fmt: skip
    add("--max-error-rate", type=float, default=1.0,
        help="fail (exit 3, publish nothing) when errors / inputs of this run exceed this "
        "fraction (default 1.0: never)")  # fmt: skip
    return parser


def check_beam_args(beam_args: list[str]) -> list[str]:
    """Beam options, with a short runner name expanded and unknown options rejected."""
    beam_args, _ = resolve_runner(beam_args)
    parser = _BeamArgumentParser(allow_abbrev=False)
    for cls in {str(c): c for c in PipelineOptions.__subclasses__()}.values():
        cls._add_argparse_args(parser)
    _, unknown = parser.parse_known_args(beam_args)
    if unknown:
        raise UsageError(f"unrecognized arguments: {' '.join(unknown)}")
    return beam_args


def spacy_models(specs: list[str] | None) -> dict[str, str]:
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


def _check_values(args: argparse.Namespace) -> None:
    try:
        zoneinfo.ZoneInfo(args.default_timezone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as err:
        raise UsageError(f"unknown --default-timezone {args.default_timezone!r}") from err
    if min(args.max_chars, args.max_file_bytes, args.batch_size, args.keep_versions) < 1:
        raise UsageError(
            "--max-chars, --max-file-bytes, --batch-size and --keep-versions must be positive"
        )
    if args.lock_lease_seconds <= 0:
        raise UsageError("--lock-lease-seconds must be positive")
    if not 0.5 <= args.story_threshold <= 1.0:
        raise UsageError("--story-threshold must be between 0.5 and 1")
    if not 0 <= args.keyphrases <= 100:
        raise UsageError("--keyphrases must be between 0 and 100")
    if not 0.0 <= args.max_error_rate <= 1.0:
        raise UsageError("--max-error-rate must be between 0 and 1")
    if args.entity_aliases is not None:
        try:
            load_aliases(args.entity_aliases)
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as err:
            raise UsageError(f"--entity-aliases {str(args.entity_aliases)!r}: {err}") from err
    if args.entity_labels is not None:
        try:
            load_labels(args.entity_labels)
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as err:
            raise UsageError(f"--entity-labels {str(args.entity_labels)!r}: {err}") from err


def check_output_outside_input(input_path: str, output: str) -> None:
    """A run must never read its own output (Parquet files and manifests as articles)."""
    if is_url(input_path) or is_url(output):
        root = re.split(r"[*?\[]", input_path, maxsplit=1)[0].rstrip("/")
        if output.rstrip("/") == root or output.startswith(root + "/"):
            raise UsageError(
                f"--output {output!r} is inside --input {input_path!r}: the next run would read "
                "its own output; pick an output outside the input"
            )
        return
    output = Path(output)
    root = re.split(r"[*?\[]", input_path, maxsplit=1)[0]
    root = Path(root if os.path.isdir(root) else os.path.dirname(root) or ".").resolve()
    if output.resolve().is_relative_to(root):
        raise UsageError(
            f"--output {str(output)!r} is inside --input {input_path!r}: the next run would read "
            "its own output; pick an output folder outside the input"
        )


def parse_config(argv: list[str] | None) -> JobConfig:
    """Validates the whole command line before any work; raises UsageError with one line."""
    args, beam_args = argument_parser().parse_known_args(argv)
    _check_values(args)
    beam_args = check_beam_args(beam_args)
    check_output_outside_input(args.input, args.output)
    check_filesystems(args.input, args.output, beam_args)
    listing = list_input_files(input_pattern(args.input))
    if not listing:
        raise UsageError(f"--input {args.input!r} matches no files")
    models = spacy_models(args.spacy_model)
    try:
        check_writable(args.output)
    except (OutputError, ObjectStoreError) as err:
        raise UsageError(str(err)) from err
    return JobConfig(
        input=args.input, output=args.output, inputs=tuple(f.path for f in listing),
        listing=tuple(listing),
        models=tuple(models.items()), detect_language=args.detect_language,
        default_timezone=args.default_timezone, dayfirst=args.dayfirst,
        max_chars=args.max_chars, max_file_bytes=args.max_file_bytes,
        batch_size=args.batch_size, keep_versions=args.keep_versions,
        mode=args.mode, prune_deleted=args.prune_deleted, reprocess_stale=args.reprocess_stale,
        compact=args.compact,
        entity_aliases=str(args.entity_aliases) if args.entity_aliases else None,
        entity_labels=str(args.entity_labels) if args.entity_labels else None,
        story_threshold=args.story_threshold, keyphrases=args.keyphrases,
        rollup_exclude_labels=tuple(args.rollup_exclude_labels),
        max_error_rate=args.max_error_rate, beam_args=tuple(beam_args),
        lock_lease_seconds=args.lock_lease_seconds,
    )  # fmt: skip


def check_filesystems(input_path: str, output: str, beam_args: list[str]) -> None:
    """Hands Beam's options (e.g. --s3_endpoint_url) to its filesystems on the driver, and
    turns a filesystem whose extra is not installed into one line."""
    FileSystems.set_options(PipelineOptions(beam_args))
    if any(path.startswith("s3://") for path in (input_path, output)):
        share_s3_clients()  # boto3 is only imported where it is used
    for option, path in (("--input", input_path), ("--output", output)):
        if not is_url(path):
            continue
        if path.startswith("s3://") and importlib.util.find_spec("boto3") is None:
            raise UsageError(f"{option} {path!r}: s3:// needs boto3: pip install 'newsbeam[s3]'")
        try:
            FileSystems.get_filesystem(path)
        except ValueError:
            scheme = path.split("://", 1)[0]
            extra = {"s3": "s3", "gs": "gcp"}.get(scheme)
            hint = {"s3": " (pip install 'newsbeam[s3]')", "gcp": " (pip install 'apache-beam[gcp]')"}
            raise UsageError(f"{option} {path!r}: {scheme}:// is not available{hint.get(extra, '')}") from None

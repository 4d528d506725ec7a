"""The runner seam: which profile a run gets, what each profile does with what the domain
transforms ask of it, and that nothing outside `transforms/runner/` reaches past it."""

from __future__ import annotations

import ast
import collections
from pathlib import Path

import apache_beam as beam
import pytest
from apache_beam.options.pipeline_options import PipelineOptions
from apache_beam.testing.test_pipeline import TestPipeline
from apache_beam.testing.util import assert_that, equal_to

from tests.helpers import spilled_records
from tests.transforms.corpus.test_dedupe import STORY
from tests.transforms.corpus.test_names import NEW
from transforms.corpus.dedupe import DropDuplicates
from transforms.corpus.names import ResolveCorpusNames, resolve_corpus
from transforms.corpus.rollups import EntityDailyFn
from transforms.parsing.parse import parse_article
from transforms.runner import PORTABLE, LocalProfile, RunnerProfile, profile_for
from transforms.runner.local import Compacted

ROOT = Path(__file__).resolve().parents[3]


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ([], "local"),
        (["--runner", "DirectRunner"], "local"),
        (["--runner", "DirectRunner", "--direct_running_mode", "multi_processing"], "local"),
        (["--runner", "apache_beam.runners.dask.dask_runner.DaskRunner"], "portable"),
        (["--runner", "DataflowRunner"], "portable"),
        (["--runner", "FlinkRunner"], "portable"),
    ],
)
def test_the_local_runner_gets_the_local_profile_and_every_other_runner_plain_beam(args, expected):
    profile = profile_for(PipelineOptions(args), "/tmp/staging/new")
    assert profile.name == expected
    if expected == "local":
        assert profile == LocalProfile("/tmp/staging/new/_spill")
    else:
        assert profile is PORTABLE


def test_the_portable_profile_is_plain_beam():
    fn = EntityDailyFn()
    assert PORTABLE.combine(fn) is fn
    with TestPipeline() as pipeline:
        items = pipeline | beam.Create([("a", 1), ("b", 2)])
        assert PORTABLE.separate(items, "Separate") is items  # no reshuffle
        assert PORTABLE.hold(items, "Hold") is items  # elements stay in the runner's shuffle
        keyed = PORTABLE.hold(items, "HoldKeyed", key=lambda item: item[0])
        assert_that(keyed, equal_to([("a", ("a", 1)), ("b", ("b", 2))]))
    assert PORTABLE.load(("a", 1)) == ("a", 1)


def test_the_local_profile_compacts_accumulators_and_spills_large_ones(tmp_path):
    profile = LocalProfile(str(tmp_path), spill_bytes=0)
    combine = profile.combine(EntityDailyFn())
    assert isinstance(combine, Compacted)
    accumulator = combine.compact(combine.create_accumulator())
    assert accumulator.spilled[0].startswith(str(tmp_path / "accumulators"))


def _dedupe(profile: RunnerProfile, articles) -> None:
    with TestPipeline() as pipeline:
        unique = (
            pipeline | beam.Create(articles), pipeline | "NoPublished" >> beam.Create([])
        ) | DropDuplicates("run-1", batch_size=2, expected_articles=1, profile=profile)  # fmt: skip
        assert_that(
            unique.batches | "Whole" >> beam.FlatMap(lambda batch: batch),
            equal_to([a for a in articles if a.source_path != "2.txt"]),
        )


def test_held_articles_wait_in_spill_files_on_the_local_runner_and_in_the_shuffle_elsewhere(
    tmp_path,
):
    articles = [parse_article(p, STORY) for p in ("2.txt", "1.txt")]
    articles += [parse_article(f"{i}.txt", f"Story {i}\n\nText {i}.".encode()) for i in range(3, 8)]
    _dedupe(PORTABLE, articles)
    assert spilled_records(tmp_path) == []
    _dedupe(LocalProfile(str(tmp_path)), articles)
    spilled = sorted(spilled_records(tmp_path / "HoldParsed"), key=lambda a: a.source_path)
    assert spilled == sorted(articles, key=lambda a: a.source_path)  # one record each, whole


def test_mentions_wait_for_the_corpus_resolver_in_spill_files_on_the_local_runner(tmp_path):
    by_article = collections.defaultdict(list)
    for mention in (m for ms in NEW for m in ms):
        by_article[mention.article_id].append(mention)
    expected = resolve_corpus([m for ms in by_article.values() for m in ms])
    with TestPipeline() as pipeline:
        names = (
            pipeline | "New" >> beam.Create(list(by_article.values())),
            pipeline | "Dropped" >> beam.Create([]),
        ) | ResolveCorpusNames(None, profile=LocalProfile(str(tmp_path)))
        assert_that(names.mentions | beam.FlatMap(lambda ms: ms), equal_to(expected))
    spilled = spilled_records(tmp_path / "HoldMentions")
    assert sorted(spilled) == sorted(by_article.values())


# What only the seam's own package may import.
RUNNER_INTERNALS = {"transforms.runner.local", "transforms.runner.spill",
                    "transforms.runner.profile", "transforms.runner.portable"}  # fmt: skip


def _imports(path: Path) -> set[str]:
    modules = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            modules.add(node.module)
            modules.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
    return modules


def test_only_the_runner_package_reaches_past_the_seam():
    """Domain modules and the job ask the profile (`transforms.runner`), never the local
    runner's measures (spill files, Compacted, the collector, malloc) directly."""
    offenders = {
        str(path.relative_to(ROOT)): sorted(_imports(path) & RUNNER_INTERNALS)
        for folder in ("transforms", "pipelines", "schemas")
        for path in (ROOT / folder).rglob("*.py")
        if "runner" not in path.relative_to(ROOT / folder).parts[:1]
    }
    assert {path: found for path, found in offenders.items() if found} == {}
    sources = "\n".join(
        path.read_text() for path in (ROOT / "transforms").rglob("*.py")
        if path.parent.name != "runner"
    )  # fmt: skip
    assert "settle_collector" not in sources and "SpillToFiles" not in sources
    assert "beam.Reshuffle()" in sources  # only read.py's, which spreads the listed files
    assert sources.count("beam.Reshuffle()") == 1

import os

import apache_beam as beam
import pytest
from apache_beam.testing.test_pipeline import TestPipeline
from apache_beam.testing.util import assert_that, equal_to

from transforms.io.read import ReadRawFiles, input_pattern, is_hidden, list_inputs


def test_input_pattern_reads_directories_recursively(tmp_path):
    (tmp_path / "a" / "b").mkdir(parents=True)
    (tmp_path / "top.txt").write_text("x")
    (tmp_path / "a" / "b" / "deep.txt").write_text("y")
    (tmp_path / ".gitkeep").write_text("")
    assert input_pattern(str(tmp_path)) == f"{tmp_path}/**"
    assert list_inputs(input_pattern(str(tmp_path))) == [
        f"{tmp_path}/a/b/deep.txt",
        f"{tmp_path}/top.txt",
    ]


def test_input_pattern_keeps_globs_and_files(tmp_path):
    assert input_pattern(f"{tmp_path}/*.txt") == f"{tmp_path}/*.txt"
    assert input_pattern("gs://bucket/raw/") == "gs://bucket/raw/**"
    assert input_pattern("missing.txt") == "missing.txt"


@pytest.mark.parametrize(
    ("path", "hidden"),
    [("a/.DS_Store", True), ("/home/u/.cache/raw/x.txt", False), ("x.txt", False)],
)
def test_is_hidden(path, hidden):
    assert is_hidden(path) is hidden


def test_read_raw_files_yields_bytes_and_read_errors(tmp_path):
    (tmp_path / "one.txt").write_bytes(b"first")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "two.txt").write_bytes(b"\x00second")
    unreadable = tmp_path / "locked.txt"
    unreadable.write_bytes(b"secret")
    unreadable.chmod(0)
    can_lock = os.geteuid() != 0  # root reads anything; the error path is then not reachable
    with TestPipeline() as pipeline:
        dotfile = tmp_path / ".DS_Store"
        dotfile.write_bytes(b"hidden")
        read = pipeline | ReadRawFiles([*list_inputs(f"{tmp_path}/**"), str(dotfile)], "run-1")
        expected = [(f"{tmp_path}/one.txt", b"first"), (f"{tmp_path}/sub/two.txt", b"\x00second")]
        if not can_lock:
            expected.append((f"{tmp_path}/locked.txt", b"secret"))
        assert_that(read.files, equal_to(expected), label="Files")
        assert_that(
            read.errors | beam.Map(lambda e: (e.source_path, e.error_code)),
            equal_to([(f"{tmp_path}/locked.txt", "read")] if can_lock else []),
            label="Errors",
        )

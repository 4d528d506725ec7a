"""The output directory's layout: lock, publish, prune, clean-up, manifests (no Beam)."""

import json
import os

import pytest

from pipelines.store import layout


def _built(tmp_path, name: str, marker: str):
    built = tmp_path / "build" / name
    for dataset in ("articles", "entities"):
        (built / dataset).mkdir(parents=True)
        (built / dataset / "part-x.parquet").write_text(marker)
    return built


def test_a_second_lock_is_refused_until_the_first_is_released(tmp_path):
    first = layout.OutputLock(tmp_path, "run-1").acquire()
    with pytest.raises(layout.LockedError, match="run-1"):
        layout.OutputLock(tmp_path, "run-2").acquire()
    first.release()
    second = layout.OutputLock(tmp_path, "run-2").acquire()
    assert second.previous_holder is None  # a clean release leaves no holder behind
    second.release()


def test_a_lock_file_left_by_a_dead_run_names_it(tmp_path):
    (tmp_path / layout.LOCK).write_text(json.dumps({"run_id": "dead-run", "pid": 1}))
    lock = layout.OutputLock(tmp_path, "run-3").acquire()
    assert lock.previous_holder == {"run_id": "dead-run", "pid": 1}
    lock.release()


def test_publish_swaps_current_and_keeps_the_newest_versions(tmp_path):
    output = tmp_path / "out"
    output.mkdir()
    for run_id in ("20260101T000000Z-a", "20260102T000000Z-b", "20260103T000000Z-c"):
        layout.publish(output, _built(tmp_path, run_id, run_id), run_id, keep_versions=2)
    assert os.readlink(output / layout.CURRENT) == "_versions/20260103T000000Z-c"
    assert (output / "articles" / "part-x.parquet").read_text() == "20260103T000000Z-c"
    assert sorted(p.name for p in (output / layout.VERSIONS).iterdir()) == [
        "20260102T000000Z-b",
        "20260103T000000Z-c",
    ]
    assert layout.current_version(output) == str(output / "_versions/20260103T000000Z-c")


def test_clean_up_removes_what_dead_runs_left(tmp_path):
    output = tmp_path / "out"
    output.mkdir()
    layout.publish(output, _built(tmp_path, "20260101T000000Z-a", "a"), "20260101T000000Z-a")
    (output / layout.STAGING / "20260102T000000Z-dead" / "new").mkdir(parents=True)
    (output / layout.VERSIONS / "20260103T000000Z-half").mkdir()  # died mid-publish
    layout.write_manifest(output, "20260102T000000Z-dead", {"run_id": "20260102T000000Z-dead",
                                                            "status": "running"})  # fmt: skip
    dead = layout.clean_up_dead_runs(output)
    assert dead == ["20260102T000000Z-dead", "20260103T000000Z-half"]
    assert not any((output / layout.STAGING).iterdir())
    assert [p.name for p in (output / layout.VERSIONS).iterdir()] == ["20260101T000000Z-a"]
    assert layout.read_manifests(output)[0]["status"] == "died"


def test_check_writable_refuses_a_dataset_directory_newsbeam_did_not_write(tmp_path):
    (tmp_path / "articles").mkdir()
    with pytest.raises(layout.OutputError, match="was not written by newsbeam"):
        layout.check_writable(tmp_path)


def test_manifests_are_written_whole_and_read_in_run_order(tmp_path):
    layout.write_manifest(tmp_path, "20260102T000000Z-b", {"run_id": "b", "n": 2})
    layout.write_manifest(tmp_path, "20260101T000000Z-a", {"run_id": "a", "n": 1})
    assert [m["run_id"] for m in layout.read_manifests(tmp_path)] == ["a", "b"]
    assert not list((tmp_path / layout.RUNS).glob("*.tmp"))

from pipelines.store.inputs import plan_run
from schemas import InputFile, file_of


def _f(path: str, content: str, run_id: str = "r1") -> InputFile:
    return InputFile(path, len(content), f"hash-{content}", run_id)


PREVIOUS = {f.path: f for f in (_f("a", "A"), _f("b", "B"), _f("c", "C"), _f("d", "D"))}


def test_file_of_strips_json_lines_suffix():
    assert file_of("feeds/x.jsonl#L12") == "feeds/x.jsonl"
    assert file_of("a#b.txt") == "a#b.txt"


def test_plan_classifies_new_edited_renamed_unchanged_deleted():
    current = [_f("a", "A"), _f("b", "B2"), _f("c2", "C"), _f("e", "E")]  # d deleted
    plan = plan_run(current, PREVIOUS)
    assert plan.to_process == ["b", "e"]
    assert plan.drop_files == {"b"}
    assert plan.renames == {"c": "c2"}
    assert plan.counts == {
        "unchanged": 1,
        "edited": 1,
        "renamed": 1,
        "new": 1,
        "stale": 0,
        "deleted_kept": 1,
    }
    assert set(plan.state) == {"a", "c2", "d"}  # b and e are added back with this run's id
    assert plan.state["c2"].run_id == "r1"


def test_plan_prunes_deleted_files_on_request():
    plan = plan_run([_f("a", "A"), _f("b", "B"), _f("c", "C")], PREVIOUS, prune_deleted=True)
    assert plan.to_process == []
    assert plan.drop_files == {"d"}
    assert "d" not in plan.state
    assert plan.counts["deleted_pruned"] == 1


def test_plan_rereads_duplicates_of_dropped_files():
    current = [_f("a", "A2"), _f("b", "B"), _f("c", "C"), _f("d", "D")]
    plan = plan_run(current, PREVIOUS, duplicates_of={"a": {"d"}})
    assert plan.to_process == ["a", "d"]
    assert plan.drop_files == {"a", "d"}


def test_plan_reprocesses_stale_files():
    current = list(PREVIOUS.values())
    plan = plan_run(current, PREVIOUS, stale_files={"c"})
    assert plan.to_process == ["c"]
    assert plan.counts["stale"] == 1


def test_copy_of_existing_file_is_new_not_a_rename():
    plan = plan_run([*PREVIOUS.values(), _f("a-copy", "A")], PREVIOUS)
    assert plan.renames == {}
    assert plan.to_process == ["a-copy"]


def test_hash_file_and_input_state_round_trip(tmp_path):
    from pipelines.store.inputs import hash_file, read_input_state, write_input_state

    path = tmp_path / "a.txt"
    path.write_bytes(b"hello")
    found = hash_file(str(path))
    assert (found.size, found.sha256[:12]) == (5, "2cf24dba5fb0")
    write_input_state(tmp_path, [found._replace(run_id="r9")])
    assert read_input_state(tmp_path) == {str(path): found._replace(run_id="r9")}
    assert read_input_state(None) == {}


def test_schema_fingerprint_is_stored_with_a_version(tmp_path):
    from pipelines.store.inputs import read_schema_fingerprint, write_schema_fingerprint
    from schemas import schema_fingerprint

    assert read_schema_fingerprint(tmp_path) is None
    write_schema_fingerprint(tmp_path)
    assert read_schema_fingerprint(tmp_path) == schema_fingerprint()


def test_a_file_listed_as_published_is_not_read_again(tmp_path):
    import os

    from pipelines.store.inputs import hash_file, identify_inputs
    from transforms.io.read import list_input_files

    kept, touched, edited = (tmp_path / name for name in ("kept.txt", "touched.txt", "edited.txt"))
    for path in (kept, touched, edited):
        path.write_bytes(b"hello")
    first, hashed = identify_inputs(
        sorted(map(str, (kept, touched, edited))), list_input_files(f"{tmp_path}/**"), {}
    )
    assert hashed == 3  # no previous version: every file is read
    assert [f.sha256[:12] for f in first] == ["2cf24dba5fb0"] * 3
    assert all(f.modified == os.stat(f.path).st_mtime_ns / 1e9 for f in first)
    previous = {f.path: f._replace(run_id="r1") for f in first}
    # same size and mtime, other bytes: taken as published, without reading it (as rsync does)
    stamp = os.stat(kept).st_mtime_ns
    kept.write_bytes(b"HELLO")
    os.utime(kept, ns=(stamp, stamp))
    os.utime(touched, ns=(stamp + 10**9, stamp + 10**9))  # same bytes, a later mtime
    edited.write_bytes(b"hello, world")
    found, hashed = identify_inputs(
        sorted(map(str, (kept, touched, edited))), list_input_files(f"{tmp_path}/**"), previous
    )
    assert hashed == 2
    by_name = {os.path.basename(f.path): f for f in found}
    assert by_name["edited.txt"] == hash_file(str(edited))._replace(modified=by_name["edited.txt"].modified)
    assert by_name["edited.txt"].size == 12
    assert by_name["kept.txt"].sha256 == previous[str(kept)].sha256
    assert by_name["touched.txt"].sha256 == previous[str(touched)].sha256
    assert by_name["touched.txt"].modified == (stamp + 10**9) / 1e9
    # the plan keeps the touched file unchanged, with its new mtime for the next run
    plan = plan_run(found, previous)
    assert plan.to_process == [str(edited)]
    assert plan.state[str(touched)].modified == (stamp + 10**9) / 1e9
    assert plan.state[str(touched)].run_id == "r1"


def test_an_input_table_without_modification_times_is_read(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    from pipelines.store.inputs import read_input_state

    pq.write_table(
        pa.table({"path": ["a.txt"], "size": [5], "sha256": ["abc"], "run_id": ["r1"]}),
        tmp_path / "_inputs.parquet",
    )  # as newsbeam 0.3 wrote it
    assert read_input_state(tmp_path) == {"a.txt": InputFile("a.txt", 5, "abc", "r1", None)}

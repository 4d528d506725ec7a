import itertools
import threading

import pytest

from schemas import DuplicateRecord, Rows
from transforms.runner.spill import append_spill, packed, read_spilled


def test_one_thread_appends_its_records_to_one_file_and_each_reads_back_whole(tmp_path):
    values = [Rows([DuplicateRecord("a1", "b.txt", "a.txt", "r1"),
                    DuplicateRecord("a1", "c.txt", "a.txt", "r1")]),
              {"body": "x" * 5000}, Rows([]), ("a2", 3, None)]  # fmt: skip
    spilled = [append_spill(str(tmp_path), packed(v)) for v in values]
    assert len({path for path, _, _ in spilled}) == 1
    sizes = [len(packed(v)) for v in values]
    assert [offset for _, offset, _ in spilled] == [0, *itertools.accumulate(sizes[:-1])]
    assert [size for _, _, size in spilled] == sizes
    assert [read_spilled(s) for s in reversed(spilled)] == values[::-1]
    assert type(read_spilled(spilled[0])) is Rows


def test_threads_write_files_of_their_own(tmp_path):
    """No two writers append to one file, so an offset taken before a write stays true."""
    spilled: dict[int, list] = {}

    def write(worker: int) -> None:
        spilled[worker] = [append_spill(str(tmp_path), packed((worker, i))) for i in range(200)]

    threads = [threading.Thread(target=write, args=(w,)) for w in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len({s[0] for records in spilled.values() for s in records}) == 4
    assert len(list(tmp_path.glob("*.spill"))) == 4
    assert [read_spilled(s) for s in spilled[2]] == [(2, i) for i in range(200)]


def test_a_truncated_spill_file_is_a_clear_error(tmp_path):
    path, offset, size = append_spill(str(tmp_path / "new"), packed("a long enough value" * 10))
    with open(path, "r+b") as handle:
        handle.truncate(size - 1)
    with pytest.raises(OSError, match=r"spill file .* is truncated: \d+ bytes expected at 0"):
        read_spilled((path, offset, size))

"""Hostile inputs: files written to crash, hang or bloat a run, for the tests and for measuring
a run over them next to normal articles.

    python -m benchmarks.hostile --normal 100

Prints the wall time and peak memory (process tree) of one run over the hostile files plus N
normal articles of the benchmark corpus, and how each hostile file ended.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import sys
import tempfile
from pathlib import Path

from benchmarks.corpus import write_corpus as write_normal_corpus
from benchmarks.throughput import run_measured

HUGE_TITLE = "Budget " * 700_000  # 4.9 million characters
BILLION_LAUGHS = "\n".join(
    ["---", 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    + [f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)},"
       f"*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)}]"
       for i in range(9)]
    + ["title: Laughs", "---", "", "A body after the front matter."]
)  # fmt: skip
HOSTILE = {
    "hostile/deep.json": ("[" * 300_000 + "]" * 300_000).encode(),
    "hostile/deep-object.json": (
        '{"title": "Deep", "text": "A body.", "meta": ' + "[" * 100 + "]" * 100 + "}"
    ).encode(),
    "hostile/deep-line.jsonl": (
        b'{"title": "Fine line", "text": "A normal record in a feed."}\n'
        + ("[" * 300_000 + "]" * 300_000).encode()
        + b"\n"
    ),
    "hostile/laughs.md": BILLION_LAUGHS.encode(),
    "hostile/huge-title.json": json.dumps(
        {"title": HUGE_TITLE, "date": "2019-03-20", "text": "Oslo voted on the budget."}
    ).encode(),
    "hostile/many-keys.json": json.dumps(
        {"title": "Many keys", "text": "A body.", **{f"k{i}": "v" * 20_000 for i in range(300)}}
    ).encode(),
    "hostile/deep.html": (
        "<html><body><article><h1>Deep page</h1>"
        + "<div>" * 100_000
        + "<p>Text deep inside the page about Oslo and its harbour budget for the year.</p>"
        + "</div>" * 100_000
        + "</article></body></html>"
    ).encode(),
    "hostile/big.txt": b"date 2019-03-03 Big\n\n" + b"word " * 2_000_000,  # 10 MB, over the limit
    "hostile/long-run.txt": b"date 2019-03-04 Long run\n\nOslo opened a new harbour. "
    + b"x" * 200_000  # one "word": minutes in spaCy's tokenizer if it were tagged
    + b" The mayor of Bergen came too.\n",
    "hostile/array.json": b'[{"title": "In an array", "text": "Arrays are not articles."}]',
    # Escaped halves of UTF-16 pairs (a cut emoji): lone surrogates no UTF-8 writer accepts.
    "hostile/surrogate.json": b'{"title": "Cut \\ud83d emoji", "author": "Ann \\udc80 Lee", '
    b'"text": "Oslo opened a new ferry pier \\ud83d\\ude00 on Monday \\udfff."}',
}


def write_special_files(root: Path) -> dict[str, str]:
    """Entries that must not be opened, and the message each must be reported with."""
    special = root / "special"
    special.mkdir()
    os.mkfifo(special / "pipe.txt")
    (special / "dangling.txt").symlink_to(special / "nowhere.txt")
    (special / "loop").symlink_to(special)  # a folder that contains itself
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(special / "socket"))
    server.close()
    # A name in Latin-1 bytes: Python hands it over with lone surrogates, which crashed the
    # run's Create coder; it is reported under its printable name, `caf\xe9.txt`.
    (special.joinpath(os.fsdecode(b"caf\xe9.txt"))).write_bytes(b"date 2019-03-02 Cafe\n\nText.")
    return {
        "special/pipe.txt": "not read: a FIFO (named pipe), not a regular file",
        "special/dangling.txt": "not read: a symbolic link to nothing (dangling)",
        "special/socket": "not read: a socket, not a regular file",
        "special/caf\\xe9.txt": "not read: its name is not valid UTF-8 (shown with \\x escapes); "
        "rename it to read it",
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--normal", type=int, default=100, help="normal articles beside them")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as scratch:
        raw = Path(scratch) / "raw"
        for relative, data in HOSTILE.items():
            (raw / relative).parent.mkdir(parents=True, exist_ok=True)
            (raw / relative).write_bytes(data)
        write_special_files(raw)
        write_normal_corpus(raw / "normal", args.normal)
        command = [sys.executable, "-m", "pipelines.tag_articles", "--input", str(raw),
                   "--output", str(Path(scratch) / "out"), "--max-file-bytes", "8000000"]  # fmt: skip
        run = run_measured(command)
        print(run.stdout)
        import pandas as pd

        errors = pd.read_parquet(Path(scratch) / "out" / "errors")
        ended = {
            Path(p).relative_to(raw).as_posix(): c
            for p, c in zip(errors.source_path, errors.error_code, strict=True)
        }
        print(json.dumps({"exit_code": run.returncode, "seconds": round(run.seconds, 1),
                          "peak_rss_mb": round(run.peak_rss / 2**20), "errors": ended}, indent=1))  # fmt: skip


if __name__ == "__main__":
    main()

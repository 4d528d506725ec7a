import sys

from benchmarks.throughput import run_measured

# Burns `seconds` of its own CPU time (not wall time), so the amount is exact whatever the load.
BURN = "import time\nwhile time.process_time() < {seconds}: pass\n"


def test_a_run_counts_the_cpu_time_of_its_process_tree():
    """The command's CPU time and that of a child it waits for are both counted."""
    child = BURN.format(seconds=0.3)
    parent = (
        f"import subprocess, sys\nsubprocess.run([sys.executable, '-c', {child!r}], check=True)\n"
        + BURN.format(seconds=0.2)
        + "print('done')"
    )
    run = run_measured([sys.executable, "-c", parent])
    assert (run.returncode, run.stdout) == (0, "done\n")
    assert run.cpu_seconds >= 0.5
    assert run.steal_seconds >= 0.0
    assert run.peak_rss > 0

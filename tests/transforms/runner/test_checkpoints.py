"""The pause hook the kill and Dask tests stop a real run with."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap

from transforms.runner import checkpoints
from transforms.runner.checkpoints import PAUSE_ENV

_PAUSED_WITH_BUSY_THREADS = textwrap.dedent(
    """
    import importlib.util, threading, time
    # The module alone: the package would import Beam, two seconds a run.
    spec = importlib.util.spec_from_file_location("checkpoints", {path!r})
    checkpoints = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(checkpoints)

    def busy():
        while True:
            time.sleep(0.001)

    for _ in range(8):
        threading.Thread(target=busy, daemon=True).start()
    checkpoints.pause_point("publish")
    print("resumed", flush=True)
    """
).format(path=checkpoints.__file__)


def test_sigusr1_resumes_a_pause_whichever_thread_the_kernel_hands_it_to():
    # Eight other threads are alive, as in a runner; a mask on the main thread alone let
    # the signal's default action end the process (exit -10).
    for _ in range(5):
        process = subprocess.Popen(
            [sys.executable, "-c", _PAUSED_WITH_BUSY_THREADS],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, PAUSE_ENV: "publish"},
        )
        for line in process.stderr:  # Beam's import may warn first
            if line.startswith("newsbeam-paused-at"):
                break
        assert line == "newsbeam-paused-at publish\n"
        process.send_signal(signal.SIGUSR1)
        out, _ = process.communicate(timeout=30)
        assert (process.returncode, out) == (0, "resumed\n")


def test_a_point_not_named_returns_at_once():
    result = subprocess.run(
        [sys.executable, "-c", _PAUSED_WITH_BUSY_THREADS],
        capture_output=True,
        text=True,
        env={**os.environ, PAUSE_ENV: "building"},
        timeout=30,
    )
    assert (result.returncode, result.stdout) == (0, "resumed\n")
    assert "newsbeam-paused-at" not in result.stderr

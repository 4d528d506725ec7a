"""A test hook: lets the kill tests stop a real run at a named point and SIGKILL it there.

Does nothing unless the environment variable NEWSBEAM_PAUSE_AT names the point; then the
process prints `newsbeam-paused-at <point>` to stderr and waits, up to 10 minutes, until it is
killed or, at the driver's points (`building`, `publish`, reached in the main thread), sent
SIGUSR1, which resumes it, so a test can look at what a run has staged before it publishes.
"""

from __future__ import annotations

import os
import signal
import sys
import threading

PAUSE_ENV = "NEWSBEAM_PAUSE_AT"
_MAX_PAUSE_SECONDS = 600


def pause_point(name: str) -> None:
    if os.environ.get(PAUSE_ENV) != name:
        return
    resumed = threading.Event()
    in_main_thread = threading.current_thread() is threading.main_thread()
    if in_main_thread:
        # A handler, not a blocked mask: the mask would hold for this thread only, and the
        # kernel may hand a process-wide SIGUSR1 to any of the runner's threads, whose
        # default action is to end the process.
        previous = signal.signal(signal.SIGUSR1, lambda signum, frame: resumed.set())
    print(f"newsbeam-paused-at {name}", file=sys.stderr, flush=True)
    try:
        resumed.wait(_MAX_PAUSE_SECONDS)
    finally:
        if in_main_thread:
            signal.signal(signal.SIGUSR1, previous)

"""A test hook: lets the kill tests stop a real run at a named point and SIGKILL it there.

Does nothing unless the environment variable NEWSBEAM_PAUSE_AT names the point; then the
process prints `newsbeam-paused-at <point>` to stderr and waits, up to 10 minutes, until it is
killed or sent SIGUSR1, which resumes it (at the driver's points: `building`, `publish`), so a
test can look at what a run has staged before it publishes.
"""

from __future__ import annotations

import os
import signal
import sys

PAUSE_ENV = "NEWSBEAM_PAUSE_AT"


def pause_point(name: str) -> None:
    if os.environ.get(PAUSE_ENV) != name:
        return
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGUSR1})  # kept for sigtimedwait
    print(f"newsbeam-paused-at {name}", file=sys.stderr, flush=True)
    signal.sigtimedwait({signal.SIGUSR1}, 600)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGUSR1})

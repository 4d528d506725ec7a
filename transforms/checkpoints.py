"""A test hook: lets the kill tests stop a real run at a named point and SIGKILL it there.

Does nothing unless the environment variable NEWSBEAM_PAUSE_AT names the point; then the
process prints `newsbeam-paused-at <point>` to stderr and sleeps until it is killed.
"""

from __future__ import annotations

import os
import sys
import time

PAUSE_ENV = "NEWSBEAM_PAUSE_AT"


def pause_point(name: str) -> None:
    if os.environ.get(PAUSE_ENV) != name:
        return
    print(f"newsbeam-paused-at {name}", file=sys.stderr, flush=True)
    time.sleep(600)

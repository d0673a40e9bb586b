"""Named points where a test can kill veille, to prove that a crash at any of them loses no
article and sends no alert twice.

`VEILLE_KILL_AT=<name>` makes the process SIGKILL itself (and, for points inside a crawl
process, the process that started it: a machine crash takes both) the first time it reaches
that point; `VEILLE_KILL_LOG=<file>` records which point was hit, so a test can assert that
every point was reached. Unset, a point costs one dictionary lookup.
"""

from __future__ import annotations

import os
import signal

POINTS = (
    "crawl:batch-stored",  # a batch of articles committed, the crawl not finished
    "match:before-commit",  # matches and alerts computed, their transaction not committed
    "match:after-commit",  # articles marked matched and alerts recorded
    "deliver:throttled",  # a message rendered, waiting for its channel's pace, not yet claimed
    "deliver:sent",  # the message accepted by the channel, the delivery not yet marked sent
    "deliver:marked",  # the delivery marked sent
)


def kill_point(name: str, with_parent: bool = False) -> None:
    if os.environ.get("VEILLE_KILL_AT") != name:
        return
    log = os.environ.get("VEILLE_KILL_LOG")
    if log:
        with open(log, "a", encoding="utf-8") as out:
            out.write(f"{name}\n")
    if with_parent:
        os.kill(os.getppid(), signal.SIGKILL)
    os.kill(os.getpid(), signal.SIGKILL)

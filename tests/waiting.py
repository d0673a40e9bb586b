"""Waiting for an event instead of sleeping for a guessed time: tests poll for the state they
need with a generous deadline, so a slow or busy machine only makes them slower, never wrong.
The deadline exists to turn a bug that never produces the state into a failure, not to
measure speed."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest

# Long enough for a start-up (Python, Scrapy, a daemon and its workers) on a loaded 2-core
# machine; a test whose state never comes fails after it instead of hanging the run.
GENEROUS = 120.0


def wait_until(condition: Callable[[], object], what: str, timeout: float = GENEROUS) -> None:
    """Poll `condition` until it is true; fail the test, naming `what`, past `timeout`."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(0.1)

"""Waiting for an event instead of sleeping for a guessed time: tests poll for the state they
need with a generous deadline, so a slow or busy machine only makes them slower, never wrong.
The deadline exists to turn a bug that never produces the state into a failure, not to
measure speed."""

from __future__ import annotations

import threading
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


class EventClock:
    """A crawl's clock (crawler.fetching.crawl.CrawlClock) whose time passes at events, not
    seconds: the n-th wait of crawl() (or of a worker pool's crawl) ends when the n-th of
    `moments` holds (its time limit once the crawl stored what it could and only a hanging
    download is left; its grace once the stopped crawl recorded its run), or when the crawl
    ends (its process exits, its worker answers). Waits past the last moment last until the
    crawl ends. A busy machine makes the test slower, never different; a moment that never
    comes fails the test after `bound` real seconds."""

    def __init__(self, *moments: Callable[[], object], bound: float = GENEROUS) -> None:
        self.moments = list(moments)
        self.bound = bound
        self.passed = 0  # moments that came (the crawl's process still running)

    def wait(self, done, seconds: float) -> bool:
        """`done`: the crawl's process, or the event of its worker's answer."""
        moment = self.moments.pop(0) if self.moments else None
        deadline = time.monotonic() + self.bound
        ended = (
            done.is_set if isinstance(done, threading.Event) else lambda: done.poll() is not None
        )
        while not ended():
            if moment is not None and moment():
                self.passed += 1
                return False
            if time.monotonic() > deadline:
                if not isinstance(done, threading.Event):
                    done.kill()
                pytest.fail(f"the crawl reached none of its moments in {self.bound:.0f} s")
            time.sleep(0.1)
        return True

"""The crawl's downloader: Scrapy's, with each site's download delay ending on a tick of one
clock grid, so that the delayed requests of a worker's crawls leave together.

A crawl worker runs up to 16 crawls at once, each waiting a download delay (DOWNLOAD_DELAY,
about a second, drawn with jitter; AutoThrottle may lengthen it) between two requests to its
site. Scrapy ends each delay with a timer of its own, at a random moment: a worker with 16
crawls under way wakes about 16 times a second for one request each, and each request's way
through Scrapy, Twisted and asyncio (the connection, the answer, the spider, the item
pipelines) runs alone in turns of the event loop of its own, with their wake-ups and cold
caches. Without the delay the requests of many crawls share those turns; the delay made a
third of a new article's fetching CPU (docs/benchmarks.md).

Here a delay that must be waited ends at the next multiple of VEILLE_DOWNLOAD_DELAY_GRID
seconds of the monotonic clock (the event loop's), the same ticks for every crawl of the
process, so the requests whose delays end within one step leave in the same turn. A delay is
never shorter than Scrapy drew it: the time between two requests to one site is at least the
delay Scrapy drew (politeness is what it was), and at most one grid step longer. A grid of 0,
or no delay, is Scrapy's own timing. And a slot with nothing queued sets no timer (Scrapy sets one
after every request, to end a delay that nothing waits for): the next request, when it comes,
waits what is left of the delay then.

It replaces Scrapy's private `Downloader._process_queue` (Scrapy offers no hook for when a
delayed request leaves); tests/test_scrapy_contract.py pins the method this one was written
from, so an upgrade of Scrapy that changes it fails there, by name.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from time import monotonic
from typing import TYPE_CHECKING, Any

from scrapy.core.downloader import Downloader, Slot
from scrapy.utils.asyncio import CallLaterResult, call_later
from scrapy.utils.defer import _schedule_coro

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

GRID_SETTING = "VEILLE_DOWNLOAD_DELAY_GRID"


def end_of_delay(last_request: float, delay: float, grid: float) -> float:
    """When a site's next request may leave: `delay` seconds after its last one, rounded up to
    the next multiple of `grid` (never earlier; `grid` 0 leaves it as it is)."""
    due = last_request + delay
    if grid <= 0:
        return due
    return max(due, math.ceil(due / grid) * grid)  # max: the float product may fall short


class GridDownloader(Downloader):
    """Scrapy's downloader whose download delays end on the ticks of one grid (see the
    module's docstring)."""

    # The clock and the timer, as Scrapy's downloader uses them (a test passes its own).
    now: Callable[[], float] = staticmethod(monotonic)
    later: Callable[..., CallLaterResult] = staticmethod(call_later)

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        self.grid = max(0.0, crawler.settings.getfloat(GRID_SETTING, 0.0))

    def _process_queue(self, slot: Slot) -> None:
        """Scrapy 2.19's `_process_queue`, the end of the delay put on the grid, and no timer
        for a slot with nothing to send (Scrapy sets one after each request, which then wakes
        the worker for nothing or is cancelled: the next request's arrival asks again)."""
        if slot.latercall or not slot.queue:
            return  # the slot's timer runs this again; or nothing to send
        now = self.now()
        delay = slot.download_delay()
        if delay:
            due = end_of_delay(slot.lastseen, delay, self.grid)
            if due > now:
                slot.latercall = self.later(due - now, self._latercall, slot)
                return
        while slot.queue and slot.free_transfer_slots() > 0:
            slot.lastseen = now
            request, queue_dfd = slot.queue.popleft()
            self._start(slot, request, queue_dfd)
            if delay:  # one request per delay: the next waits for its own
                self._process_queue(slot)
                break

    def _start(self, slot: Slot, request: Any, queue_dfd: Any) -> None:
        """The request's download, as Scrapy starts it."""
        _schedule_coro(self._wait_for_download(slot, request, queue_dfd))

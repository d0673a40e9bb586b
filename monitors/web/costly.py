"""The reader's costly work (rule tests on a URL, backtests) on a few threads of its own.

The pages are served by a pool of threads shared by every visitor; a rule test waits on a
remote server and a backtest reads thousands of articles. Run there, a few of them (or a hostile
page posting them) took every thread and the reader stopped answering. Here they get `workers`
threads and `waiting` places in line; beyond that a request is answered at once with "busy",
and a request waits at most its budget for its result, so the pages never wait for them."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")


class Busy(Exception):
    """Every thread and place in line of the costly work is taken."""


class OverBudget(Exception):
    """The work did not end within the time its request may wait."""


class CostlyWork:
    def __init__(self, workers: int = 2, waiting: int = 2) -> None:
        self._executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="veille-costly")
        self._places = threading.BoundedSemaphore(workers + waiting)

    async def run(self, function: Callable[[], T], wait_seconds: float) -> T:
        """`function()`'s result; Busy when there is no place for it, OverBudget when it is not
        done within `wait_seconds` (it then ends on its own thread, holding its place)."""
        if not self._places.acquire(blocking=False):
            raise Busy()
        try:
            future = self._executor.submit(function)
        except BaseException:
            self._places.release()
            raise
        future.add_done_callback(lambda _: self._places.release())
        try:
            return await asyncio.wait_for(asyncio.wrap_future(future), wait_seconds)
        except TimeoutError:
            raise OverBudget() from None

    def shutdown(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)

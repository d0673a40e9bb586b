"""The messages between the crawl worker pool (crawler.fetching.workers) and its workers
(crawler.fetching.worker): one JSON object per line, typed here once for both sides, so a field
renamed on one side is a mypy error on the other."""

from __future__ import annotations

from typing import Literal, TypedDict

# -- to a worker (its stdin) -------------------------------------------------------------------


class CrawlRequest(TypedDict):
    """Crawl these sources (`only`: by name, None: all) into this database, within time_limit."""

    op: Literal["crawl"]
    run_id: int
    db: str
    sources: str
    only: list[str] | None
    time_limit: float


class TimeUpRequest(TypedDict):
    """Stop this crawl now, as at its time limit (the pool's clock says its time is up)."""

    op: Literal["time-up"]
    run_id: int


class ExitRequest(TypedDict):
    """Finish the crawls under way, then exit."""

    op: Literal["exit"]


WorkerRequest = CrawlRequest | TimeUpRequest | ExitRequest

# -- from a worker (its stdout) ----------------------------------------------------------------


class ReadyEvent(TypedDict):
    event: Literal["ready"]
    pid: int
    frozen: int  # objects kept out of garbage collections (gc.freeze after start-up)


class DoneEvent(TypedDict):
    event: Literal["done"]
    run_id: int
    status: str  # "finished", "time limit" or "failed: …"


class AliveEvent(TypedDict):
    event: Literal["alive"]
    rss: int  # bytes
    crawls: int  # started so far
    active: int  # running now


WorkerEvent = ReadyEvent | DoneEvent | AliveEvent

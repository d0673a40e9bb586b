"""The daemon's pool of long-lived crawl workers (crawler.fetching.worker): crawl requests in, results out,
no process started per crawl.

Isolation is kept where it mattered: a crawl has a time limit its worker enforces (and the pool
too, should the worker not answer); a worker that stops answering is killed and replaced; a
worker is recycled after `max_crawls` crawls or above `max_rss_mb`: it takes no new crawl,
finishes those under way and exits, and only then is its replacement started, so that the two
never hold memory at once (the crawls asked for meanwhile wait for the replacement; one still
running after DRAIN_GRACE seconds, a stuck download, gets the replacement started beside it
rather than holding every crawl back); a worker that dies costs only the crawls it was running (what they
stored stays stored; their sources are recorded `unfinished` and crawled again). SIGTERM of the
daemon stops every worker.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING
from urllib.parse import urlsplit

from crawler.fetching.crawl import (
    REAL_TIME,
    CrawlClock,
    CrawlResult,
    _die_with_parent,
    run_result,
)
from crawler.fetching.protocol import CrawlRequest, ExitRequest, TimeUpRequest, WorkerRequest
from crawler.storage import store
from crawler.storage.engine import Database

if TYPE_CHECKING:
    from crawler.discovery.sources import Source

logger = logging.getLogger(__name__)

DEFAULT_MAX_ACTIVE = 16  # crawls at once in one worker (each its own per-site politeness)
DEFAULT_MAX_CRAWLS = 5000  # then the worker is recycled
DEFAULT_MAX_RSS_MB = 600
UNRESPONSIVE_AFTER = 60.0  # seconds without a heartbeat (they come every 5 s)
STARTUP_ALLOWANCE = 60.0
ANSWER_GRACE = 60.0  # past a crawl's time limit, a worker that has not answered is stuck
# A recycled worker's crawls under way usually end within seconds (a poll); one still running
# after this long is waiting on a slow site, and the replacement starts beside it.
DRAIN_GRACE = 120.0
# What the crawls of a worker killed for its silence end as: no fault of their sources (the
# daemon crawls them again soon, without backing off; monitors.service.cycle).
_SILENCE = "worker stopped answering"
SILENT_WORKER = f"killed ({_SILENCE})"


def child_environment() -> dict[str, str]:
    """The environment of a crawl worker (and of its extraction process, which inherits it):
    glibc's malloc limited to two arenas unless MALLOC_ARENA_MAX says otherwise. By default each
    thread that allocates may get an arena of its own (up to eight per core), and every arena
    keeps memory that was freed in it; a worker's threads (reactor, requests, extraction,
    Twisted's thread pool) would each hold some."""
    return {"MALLOC_ARENA_MAX": "2", **os.environ}


def crawl_sites(sources: Iterable[Source]) -> frozenset[str]:
    """The sites (host and port, without 'www.') a crawl of these sources requests: two crawls
    that share one never run at once, so each site keeps its politeness (one crawl's delay and
    concurrency per domain) however many sources point at it."""
    sites = set()
    for source in sources:
        for url in (source.homepage, *(e.url for e in source.entry_points)):
            netloc = urlsplit(url).netloc.lower()
            sites.add(netloc[4:] if netloc.startswith("www.") else netloc)
    return frozenset(sites)


@dataclass
class _Pending:
    run_id: int
    sites: frozenset[str] = frozenset()
    answered: threading.Event = field(default_factory=threading.Event)
    status: str | None = None

    def resolve(self, status: str) -> None:
        if self.status is None:
            self.status = status
        self.answered.set()


@dataclass
class _Worker:
    process: subprocess.Popen
    started_at: float
    last_seen: float
    pending: dict[int, _Pending] = field(default_factory=dict)
    crawls: int = 0
    rss: int = 0
    frozen: int = 0  # start-up objects it keeps out of garbage collections (gc.freeze)
    ready: bool = False
    draining: bool = False
    draining_since: float = 0.0
    replaced_by: int | None = None  # the pid of its replacement, once started
    gone: bool = False
    silenced: bool = False  # killed by the pool for its silence

    @property
    def pid(self) -> int:
        return self.process.pid

    @property
    def requests(self) -> IO[str]:
        assert self.process.stdin is not None  # started with stdin=PIPE
        return self.process.stdin

    @property
    def answers(self) -> IO[str]:
        assert self.process.stdout is not None  # started with stdout=PIPE
        return self.process.stdout


class WorkerPool:
    def __init__(
        self,
        crawl_settings: dict | None = None,
        size: int | None = None,
        log_file: str | Path | None = None,
        max_active: int = DEFAULT_MAX_ACTIVE,
        max_crawls: int = DEFAULT_MAX_CRAWLS,
        max_rss_mb: float = DEFAULT_MAX_RSS_MB,
        unresponsive_after: float = UNRESPONSIVE_AFTER,
        drain_grace: float = DRAIN_GRACE,
    ) -> None:
        self.crawl_settings = crawl_settings or {}
        self.size = size or os.cpu_count() or 1
        self.log_file = Path(log_file) if log_file else None
        self.max_active = max_active
        self.max_crawls = max_crawls
        self.max_rss = max_rss_mb * 1024 * 1024
        self.unresponsive_after = unresponsive_after
        self.drain_grace = drain_grace
        self._workers: list[_Worker] = []
        self._lock = threading.Condition()
        self._stopping = threading.Event()
        self._monitor: threading.Thread | None = None
        self.replaced = 0  # workers that died or stopped answering
        self.recycled = 0  # workers retired after max_crawls or max_rss

    # -- life of the pool -------------------------------------------------------------------------

    def start(self) -> WorkerPool:
        with self._lock:
            for _ in range(self.size):
                self._spawn()
        self._monitor = threading.Thread(target=self._watch, name="worker-pool", daemon=True)
        self._monitor.start()
        return self

    def stop(self, grace: float = 10.0) -> None:
        """Every worker asked to stop at once (SIGTERM: its crawls stop, their articles stay
        stored), then killed if still running after `grace` seconds."""
        self._stopping.set()
        with self._lock:
            workers = list(self._workers)
            self._lock.notify_all()
        for worker in workers:
            with contextlib.suppress(ProcessLookupError):
                worker.process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + grace
        for worker in workers:
            try:
                worker.process.wait(timeout=max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                worker.process.kill()
                worker.process.wait()
            self._forget(worker, "the daemon stopped")
        if self._monitor is not None:
            self._monitor.join(timeout=5)

    def describe(self) -> list[dict]:
        """For /health and logs: each worker's pid, crawls, running crawls, memory and the
        start-up objects it keeps out of garbage collections."""
        with self._lock:
            return [
                {
                    "pid": w.pid,
                    "crawls": w.crawls,
                    "running": len(w.pending),
                    "rss_mb": round(w.rss / 1048576, 1),
                    "draining": w.draining,
                    "frozen_objects": w.frozen,
                }
                for w in self._workers
            ]

    # -- crawling ---------------------------------------------------------------------------------

    def crawl(
        self,
        db_path: str | Path,
        sources_path: str | Path,
        only: list[str] | None = None,
        time_limit: float = 900.0,
        sites: frozenset[str] = frozenset(),
        db: Database | None = None,
        clock: CrawlClock = REAL_TIME,
    ) -> CrawlResult:
        """Run one crawl on a worker and wait for it: the same result as crawler.fetching.crawl.crawl.
        It waits first while another crawl is on one of its `sites` (crawl_sites). `db` is the
        caller's connection to the same database, if it has one (one connection per job). The
        worker stops the crawl at `time_limit` seconds; when `clock` says its time is up
        first (a test's clock, whose time comes at events), the worker is told so at once."""
        owned = db is None
        db = db or store.open_database(db_path)
        try:
            run_id = store.start_run(db, only or ["*"])
            pending = _Pending(run_id, sites)
            worker = self._assign(pending)
            if worker is None:
                pending.resolve("stopped")
            else:
                self._send(
                    worker,
                    CrawlRequest(
                        op="crawl",
                        run_id=run_id,
                        db=str(db_path),
                        sources=str(sources_path),
                        only=only,
                        time_limit=time_limit,
                    ),
                )
                if not clock.wait(pending.answered, time_limit):
                    self._send(worker, TimeUpRequest(op="time-up", run_id=run_id))
                if not pending.answered.is_set() and not clock.wait(pending.answered, ANSWER_GRACE):
                    logger.error(
                        "worker pid=%d did not answer for crawl run=%d %.0f s past its time "
                        "limit: killing it",
                        worker.pid,
                        run_id,
                        ANSWER_GRACE,
                    )
                    self._kill(worker)
                    pending.resolve("killed (worker stuck)")
            return run_result(db, run_id, pending.status or "killed")
        finally:
            if owned:
                db.close()

    def _assign(self, pending: _Pending) -> _Worker | None:
        """The live worker with the fewest crawls under way, once one has room and no crawl
        under way shares a site with this one."""
        with self._lock:
            while not self._stopping.is_set():
                if pending.sites and any(
                    pending.sites & other.sites
                    for w in self._workers
                    for other in w.pending.values()
                ):
                    self._lock.wait(1.0)
                    continue
                live = [
                    w
                    for w in self._workers
                    if not w.draining and not w.gone and len(w.pending) < self.max_active
                ]
                if live:
                    worker = min(live, key=lambda w: (len(w.pending), w.crawls))
                    worker.pending[pending.run_id] = pending
                    worker.crawls += 1
                    return worker
                self._lock.wait(1.0)
        return None

    def _send(self, worker: _Worker, message: WorkerRequest) -> None:
        try:
            worker.requests.write(json.dumps(message) + "\n")
            worker.requests.flush()
        except (BrokenPipeError, ValueError, OSError):
            pass  # the worker is dead: the watcher answers its pending crawls

    # -- workers ----------------------------------------------------------------------------------

    def _spawn(self) -> _Worker:
        """Start one worker (called with the lock held)."""
        if self.log_file:  # before opening it: a first start may not have the folder yet
            self.log_file.parent.mkdir(parents=True, exist_ok=True)
        log: IO[bytes] | int = (
            open(self.log_file, "ab") if self.log_file else subprocess.DEVNULL  # noqa: SIM115
        )
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "crawler.fetching.worker",
                "--settings",
                json.dumps(self.crawl_settings),
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=log,
            env=child_environment(),
            text=True,
            bufsize=1,
            start_new_session=True,
            preexec_fn=_die_with_parent(os.getpid()),  # noqa: PLW1509 (async-signal-safe calls only)
        )
        if not isinstance(log, int):
            log.close()
        now = time.monotonic()
        worker = _Worker(process, started_at=now, last_seen=now)
        self._workers.append(worker)
        threading.Thread(
            target=self._read, args=(worker,), name=f"worker-{process.pid}", daemon=True
        ).start()
        logger.info("crawl worker pid=%d started", process.pid)
        return worker

    def _read(self, worker: _Worker) -> None:
        for line in worker.answers:
            try:
                message = json.loads(line)
            except json.JSONDecodeError:
                continue
            event = message.get("event")
            with self._lock:
                worker.last_seen = time.monotonic()
                if event == "ready":
                    worker.ready = True
                    worker.frozen = int(message.get("frozen", 0))
                elif event == "alive":
                    worker.rss = int(message.get("rss", 0))
                elif event == "done":
                    pending = worker.pending.pop(int(message["run_id"]), None)
                    if pending is not None:
                        pending.resolve(str(message.get("status", "finished")))
                    self._lock.notify_all()
        worker.process.wait()

    def _kill(self, worker: _Worker) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(worker.pid, signal.SIGKILL)

    def _forget(self, worker: _Worker, why: str) -> None:
        """A worker that is gone: its unanswered crawls end as killed."""
        with self._lock:
            worker.gone = True
            if worker in self._workers:
                self._workers.remove(worker)
            for pending in worker.pending.values():
                pending.resolve(f"killed ({why})")
            worker.pending.clear()
            self._lock.notify_all()

    def _watch(self) -> None:
        """Every second: replace dead workers, kill silent ones, recycle old or heavy ones."""
        while not self._stopping.wait(1.0):
            now = time.monotonic()
            with self._lock:
                workers = list(self._workers)
            for worker in workers:
                code = worker.process.poll()
                if code is not None:
                    if worker.draining and not worker.pending:
                        self._forget(worker, "recycled")
                        self._replace(worker, "recycled: exited after its last crawl")
                        continue
                    logger.error(
                        "crawl worker pid=%d exited (code %s) with %d crawl(s) under way: "
                        "replacing it",
                        worker.pid,
                        code,
                        len(worker.pending),
                    )
                    why = _SILENCE if worker.silenced else f"worker exited with code {code}"
                    self._forget(worker, why)
                    if not worker.draining:
                        self.replaced += 1
                    self._replace(worker, f"exited with code {code}")
                    continue
                if (
                    worker.draining
                    and worker.replaced_by is None
                    and now - worker.draining_since > self.drain_grace
                ):
                    logger.warning(
                        "crawl worker pid=%d, recycled, still finishing %d crawl(s) after %.0f s: "
                        "its replacement starts beside it",
                        worker.pid,
                        len(worker.pending),
                        now - worker.draining_since,
                    )
                    self._replace(worker, "still finishing its crawls")
                allowance = self.unresponsive_after + (0 if worker.ready else STARTUP_ALLOWANCE)
                if now - worker.last_seen > allowance:
                    logger.error(
                        "crawl worker pid=%d silent for %.0f s: killing and replacing it",
                        worker.pid,
                        now - worker.last_seen,
                    )
                    worker.silenced = True
                    self._kill(worker)  # its exit is handled on the next round
                    worker.last_seen = now
                    continue
                # Only a worker that has crawled is recycled for its memory: a limit below what
                # a fresh worker takes would otherwise replace workers without end.
                if not worker.draining and (
                    worker.crawls >= self.max_crawls
                    or (worker.crawls > 0 and worker.rss > self.max_rss)
                ):
                    logger.info(
                        "crawl worker pid=%d recycled after %d crawls at %.0f MB: it finishes "
                        "its %d crawl(s) under way, then its replacement starts",
                        worker.pid,
                        worker.crawls,
                        worker.rss / 1048576,
                        len(worker.pending),
                    )
                    with self._lock:
                        worker.draining = True
                        worker.draining_since = now
                        self.recycled += 1
                        self._lock.notify_all()
                    self._send(
                        worker, ExitRequest(op="exit")
                    )  # its replacement starts once it exits

    def _replace(self, worker: _Worker, why: str) -> None:
        """Start the replacement of a worker that left (or, recycled, is taking too long to),
        unless one was started already or the pool is stopping."""
        with self._lock:
            if self._stopping.is_set() or worker.replaced_by is not None:
                return
            worker.replaced_by = self._spawn().pid
            self._lock.notify_all()
        logger.info(
            "crawl worker pid=%d %s: replaced by pid=%d", worker.pid, why, worker.replaced_by
        )

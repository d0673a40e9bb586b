"""A long-lived crawl worker: one process, one running Scrapy reactor, many source crawls at once.

Starting Python, importing Scrapy and trafilatura and building a process costs about two
CPU-seconds; a conditional request that answers 304 costs about a millisecond. A worker pays the
first price once and then runs crawl after crawl, concurrently, in one reactor (Scrapy is built
to crawl many sites at once). The daemon's pool (crawler.fetching.workers) starts one per core (one on a
small-memory machine: monitors.service.config.default_crawl_workers), hands
them crawl requests and reads their answers, and kills, replaces and recycles them.

Protocol, one JSON object per line (typed in crawler.fetching.protocol):
  in (stdin):   {"op": "crawl", "run_id": 7, "db": "…", "sources": "…", "only": ["name"],
                 "time_limit": 900}
                {"op": "time-up", "run_id": 7}   stop it now, as at its time limit
                {"op": "exit"}      finish the crawls under way, then exit
  out (stdout): {"event": "ready", "pid": 123, "frozen": objects kept out of collections}
                {"event": "done", "run_id": 7, "status": "finished" | "time limit" | "failed: …"}
                {"event": "alive", "rss": bytes, "crawls": started so far, "active": running now}

Each crawl stores as it goes (the pipelines commit per article): a worker that dies loses the
crawls under way, never what they stored. A crawl past its time limit is answered at once as
"time limit" and asked to stop; its stuck downloads end at DOWNLOAD_TIMEOUT without holding
anything else.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import sys
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TextIO, cast

from crawler.fetching.crawl import TIME_UP, EarlyStop
from crawler.fetching.protocol import (
    AliveEvent,
    CrawlRequest,
    DoneEvent,
    ReadyEvent,
    TimeUpRequest,
    WorkerEvent,
)

if TYPE_CHECKING:
    from scrapy.crawler import CrawlerProcess
    from twisted.python.failure import Failure


logger = logging.getLogger("crawler.fetching.worker")

HEARTBEAT_SECONDS = 5.0
# When its last crawl under way ends, a worker gives the memory its crawls freed back to the
# system, at most this often (a burst of crawls at once leaves freed heap behind).
RELEASE_EVERY_SECONDS = 10.0


def resident_memory() -> int:
    """This process's resident set size in bytes (Linux), 0 where unknown."""
    try:
        with open("/proc/self/statm", encoding="ascii") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


class _Output:
    """Answers to the pool, one line each, whole (several threads may write)."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self._lock = threading.Lock()

    def send(self, message: WorkerEvent) -> None:
        line = json.dumps(message) + "\n"
        with self._lock:
            try:
                self._stream.write(line)
                self._stream.flush()
            except (BrokenPipeError, ValueError):  # the pool is gone: PDEATHSIG ends us
                pass


class Worker:
    def __init__(self, process: CrawlerProcess, output: _Output) -> None:
        from twisted.internet import reactor

        self.reactor: Any = reactor  # Twisted's global reactor has no useful static type
        self.process = process
        self.output = output
        self.started = 0
        self.active: dict[int, Any] = {}  # run_id -> Crawler
        self.stoppers: dict[int, EarlyStop] = {}  # run_id -> its stop, the first reason wins
        self.time_up: dict[int, Callable[[], None]] = {}  # run_id -> stop it at its time limit
        self.exiting = False
        self.released_at = 0.0  # the reactor's clock at the last release_free_memory()

    # -- in the reactor thread ---------------------------------------------------------------

    def handle(self, request: dict[str, Any]) -> None:
        """One request as read from the pool (JSON: checked by its "op")."""
        op = request.get("op")
        if op == "exit":
            self.exiting = True
            self._maybe_exit()
        elif op == "crawl":
            self._start_crawl(cast(CrawlRequest, request))
        elif op == "time-up":  # the pool's clock says this crawl's time is up (its own timer's job)
            stop = self.time_up.get(int(cast(TimeUpRequest, request)["run_id"]))
            if stop is not None:
                stop()
        else:
            logger.error("unknown request %r", request)

    def _start_crawl(self, request: CrawlRequest) -> None:
        run_id = int(request["run_id"])
        self.started += 1
        crawler = self.process.create_crawler("news")
        self.active[run_id] = crawler
        stopper = self.stoppers[run_id] = EarlyStop(crawler)
        only = request.get("only")
        deferred = self.process.crawl(
            crawler,
            sources=request["sources"],
            db=request["db"],
            only=",".join(only) if only else None,
            run_id=str(run_id),
        )
        answered = {"done": False}

        def answer(status: str) -> None:
            if not answered["done"]:
                answered["done"] = True
                self.output.send(DoneEvent(event="done", run_id=run_id, status=status))

        def finished(_result: None) -> None:
            answer("finished")
            return None

        def failed(failure: Failure) -> None:
            logger.error("crawl run=%d failed: %s", run_id, failure.getTraceback())
            answer(f"failed: {failure.getErrorMessage()[:300]}")
            return None

        def over_time() -> None:
            if run_id in self.active:
                logger.warning("crawl run=%d reached its time limit: stopping it", run_id)
                try:
                    # The articles it holds written and its run recorded ("stopped: time
                    # limit") now: a download stuck until DOWNLOAD_TIMEOUT may keep it from
                    # closing until the worker is recycled or killed.
                    stopper.stop(TIME_UP)
                except Exception:
                    logger.exception("crawl run=%d: stopping it at its time limit failed", run_id)
                answer(TIME_UP)

        timer = self.reactor.callLater(float(request.get("time_limit", 900)), over_time)
        self.time_up[run_id] = over_time

        def cleanup(_: None) -> None:
            self.active.pop(run_id, None)
            self.stoppers.pop(run_id, None)
            self.time_up.pop(run_id, None)
            if timer.active():
                timer.cancel()
            self._release_when_idle()
            self._maybe_exit()

        deferred.addCallbacks(finished, failed)
        deferred.addBoth(cleanup)

    def _release_when_idle(self) -> None:
        from crawler.core.children import release_free_memory

        now = self.reactor.seconds()
        if not self.active and now - self.released_at >= RELEASE_EVERY_SECONDS:
            self.released_at = now
            release_free_memory()

    def heartbeat(self) -> None:
        self.output.send(
            AliveEvent(
                event="alive",
                rss=resident_memory(),
                crawls=self.started,
                active=len(self.active),
            )
        )

    def _maybe_exit(self) -> None:
        if self.exiting and not self.active:
            self.reactor.stop()

    def stop_now(self) -> None:
        """SIGTERM: stop every crawl (what they stored stays), then the reactor."""
        self.exiting = True
        if not self.active:
            self.reactor.stop()
            return
        for run_id in list(self.active):
            # What its crawls hold is written and their runs recorded before the pool's grace
            # runs out and kills the worker (a stuck download keeps a crawl from closing).
            try:
                self.stoppers[run_id].stop("shutdown")
            except Exception:
                logger.exception(
                    "crawl run=%d: its articles could not be written at shutdown", run_id
                )


# The loggers of a worker's crawls: Scrapy's (a line per response and per item at DEBUG),
# veille's (a line per stored article at INFO) and Twisted's.
CRAWL_LOGGERS = ("scrapy", "crawler", "twisted")


def log_only_at(level: str | int) -> None:
    """Build no log record below the crawl's LOG_LEVEL. Scrapy puts the root logger at NOTSET
    and filters at its handler (which each Crawler installs again, resetting the root logger),
    so a record below the level was still made, then dropped: two or three per new article.
    The level set on the loggers themselves stays across crawls."""
    for name in CRAWL_LOGGERS:
        logging.getLogger(name).setLevel(level)


def _profile_on_signal(folder: str) -> None:
    """VEILLE_WORKER_PROFILE=FOLDER: SIGUSR1 starts profiling the reactor thread's CPU time
    (where the crawls, the spider and the item pipelines run), SIGUSR2 writes what it measured
    to FOLDER/worker-PID-N.prof (pstats; N counts the profiles) and stops. For finding where a
    crawl's CPU goes, as bench/idle_cost.py --profile does around its cycles; off unless the
    variable is set."""
    import cProfile

    running: list[cProfile.Profile] = []  # the profile under way, if any
    dumps = [0]

    def start(*_: object) -> None:
        if not running:
            running.append(cProfile.Profile(time.thread_time))  # CPU, not waits
            running[0].enable()

    def stop(*_: object) -> None:
        if not running:
            return
        profile = running.pop()
        profile.disable()
        dumps[0] += 1
        path = os.path.join(folder, f"worker-{os.getpid()}-{dumps[0]}.prof")
        profile.dump_stats(path + ".part")
        os.replace(path + ".part", path)  # whole when it appears

    signal.signal(signal.SIGUSR1, start)
    signal.signal(signal.SIGUSR2, stop)


def _read_requests(worker: Worker, stdin: TextIO) -> None:
    """Requests arrive on stdin; each is handed to the reactor thread. End of input (the pool
    closed the pipe or died) means: finish and exit."""
    for line in stdin:
        line = line.strip()
        if not line:
            continue
        try:
            request = json.loads(line)
        except json.JSONDecodeError:
            logger.error("unreadable request %r", line[:200])
            continue
        worker.reactor.callFromThread(worker.handle, request)
    worker.reactor.callFromThread(worker.handle, {"op": "exit"})


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m crawler.fetching.worker")
    parser.add_argument("--settings", default="{}")
    args = parser.parse_args(argv)

    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "crawler.settings")
    from scrapy.crawler import CrawlerProcess
    from scrapy.utils.project import get_project_settings
    from scrapy.utils.reactor import install_reactor

    from crawler.fetching.crawl import apply_overrides
    from crawler.fetching.shared_settings import SharedSettings

    settings = get_project_settings()
    apply_overrides(settings, json.loads(args.settings))
    install_reactor(settings["TWISTED_REACTOR"])  # before anything imports the default one
    # stdout carries the protocol: every log line goes to stderr.
    output = _Output(sys.stdout)
    sys.stdout = sys.stderr
    # Each crawl's Crawler starts from a copy of these settings, which never change here.
    process = CrawlerProcess(SharedSettings.of(settings), install_root_handler=True)
    log_only_at(settings["LOG_LEVEL"])
    worker = Worker(process, output)
    from crawler.extraction.budget import shared_extraction

    # Pages are extracted in a child process, never in the reactor's thread (which sends the
    # heartbeats and runs the crawls' time limits); started now, before the first page.
    shared_extraction(settings.getfloat("VEILLE_EXTRACTION_SECONDS")).start()

    from twisted.internet.task import LoopingCall

    beat = LoopingCall(worker.heartbeat)
    worker.reactor.callWhenRunning(beat.start, HEARTBEAT_SECONDS, now=True)
    signal.signal(signal.SIGTERM, lambda *_: worker.reactor.callFromThread(worker.stop_now))
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the pool decides, not a terminal's ^C
    if os.environ.get("VEILLE_WORKER_PROFILE"):
        _profile_on_signal(os.environ["VEILLE_WORKER_PROFILE"])
    threading.Thread(
        target=_read_requests, args=(worker, sys.stdin), name="requests", daemon=True
    ).start()
    from crawler.core.children import freeze_startup_objects

    frozen = freeze_startup_objects()
    worker.reactor.callWhenRunning(
        lambda: output.send(ReadyEvent(event="ready", pid=os.getpid(), frozen=frozen))
    )
    process.start(stop_after_crawl=False, install_signal_handlers=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())

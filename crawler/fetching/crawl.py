"""Run a crawl in a child process, with a wall-clock limit enforced from outside.

Scrapy's reactor cannot be restarted, so a long-lived daemon cannot run crawl after crawl in its
own process. Each crawl is therefore a fresh `python -m crawler.fetching.crawl` process (Scrapyd's
answer): it isolates hangs, exceptions and memory growth, and it is killed if it overruns.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Protocol

from crawler.core.children import die_with_parent as _die_with_parent
from crawler.core.counts import SourceCounts
from crawler.core.identity import user_agent
from crawler.storage import store
from crawler.storage.engine import Database, location_password, mask_location

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.settings import Settings as ScrapySettings

logger = logging.getLogger(__name__)

DEFAULT_TIME_LIMIT = 15 * 60
# Past its time limit, a crawl process that has not stopped by itself is stopped from here.
STOP_GRACE = 5.0

# Crawl processes running now, so a daemon shutting down can stop them too.
_ACTIVE: set[subprocess.Popen] = set()


class CrawlClock(Protocol):
    """How a crawl's time passes for the process waiting on it. veille waits real seconds;
    a test passes a clock whose time comes at events (the crawl stored what it could and only
    a hanging download is left), so that its time limit is never a race with a busy machine."""

    def wait(self, done: subprocess.Popen | threading.Event, seconds: float) -> bool:
        """Wait up to `seconds` of this clock for the crawl to end (its process to exit, or
        its worker's answer to come); True when it ended."""
        ...


class RealTime:
    """Seconds as they pass (the clock of every crawl veille runs)."""

    def wait(self, done: subprocess.Popen | threading.Event, seconds: float) -> bool:
        if isinstance(done, threading.Event):
            return done.wait(seconds)
        try:
            done.wait(timeout=seconds)
        except subprocess.TimeoutExpired:
            return False
        return True


REAL_TIME = RealTime()
# What the child reads on its standard input when its time is up.
TIME_UP = "time limit"


@dataclass
class CrawlResult:
    run_id: int
    status: str
    new_articles: int
    errors: int
    per_source: dict[str, SourceCounts]  # read back from the run's record


def crawl(
    db_path: str | Path,
    sources_path: str | Path,
    only: list[str] | None = None,
    settings: dict[str, object] | None = None,
    time_limit: float = DEFAULT_TIME_LIMIT,
    log_file: str | Path | None = None,
    db: Database | None = None,
    clock: CrawlClock = REAL_TIME,
) -> CrawlResult:
    """Crawl the given sources (all enabled ones by default) in a child process and wait for it.

    At `time_limit` seconds of `clock` from its start (a slow start counts), the child is told
    its time is up, on its standard input: it records which sources it had not finished and
    what it stored (`time limit`, not a shutdown), then is killed here if stuck downloads keep
    it from closing within `STOP_GRACE`. Should it not stop (its reactor blocked), it gets
    SIGTERM then and SIGKILL 10 s later. Whatever it stored stays stored. Returns the run's
    summary as the child recorded it.
    """
    owned = db is None
    db = db or store.open_database(db_path)  # the caller's connection, if it has one
    run_id = store.start_run(db, only or ["*"])
    command, environment = child_command(db_path, sources_path, run_id, settings, only)
    if log_file:
        Path(log_file).parent.mkdir(parents=True, exist_ok=True)
    log: IO[bytes] | int = (
        open(log_file, "ab") if log_file else subprocess.DEVNULL  # noqa: SIM115
    )
    child: subprocess.Popen | None = None
    overran = False
    try:
        child = subprocess.Popen(
            command,
            stdin=subprocess.PIPE,  # where it is told that its time is up
            stdout=log,
            stderr=log,
            start_new_session=True,
            preexec_fn=_die_with_parent(os.getpid()),  # noqa: PLW1509 (async-signal-safe calls only)
            env=environment,
        )
        _ACTIVE.add(child)
        # Counted from the child's start: a slow start (imports on a busy machine) counts
        # against the limit. A child still starting reads the message once its crawl runs.
        if not clock.wait(child, time_limit):
            _tell(child, TIME_UP)
        if child.poll() is None and not clock.wait(child, STOP_GRACE):
            overran = True
            if _recorded(db, run_id):  # stopped itself; only stuck downloads keep it alive
                logger.info("crawl run=%d stopped at its time limit: ending its process", run_id)
                _signal(child, signal.SIGKILL)
                child.wait()
            else:
                logger.warning(
                    "crawl run=%d did not stop at its %ss time limit: stopping it",
                    run_id,
                    time_limit,
                )
                _stop(child)
    finally:
        if child is not None:
            _ACTIVE.discard(child)
            if child.stdin is not None:
                with contextlib.suppress(OSError):
                    child.stdin.close()
        if not isinstance(log, int):
            log.close()
    if overran:
        fallback = "killed (time limit)"
    elif child.returncode and child.returncode < 0:
        fallback = "killed"
    else:  # the reason (a traceback, Scrapy's own words) is in the child's output alone
        seen = f"; its output is in {log_file}" if log_file else ""
        fallback = f"failed (exit {child.returncode}{seen})"
    result = run_result(db, run_id, fallback)
    if overran and result.status == "stopped: shutdown":
        # The SIGTERM it got was ours, for its time limit: not a shutdown of veille.
        result.status = "stopped: time limit"
        store.finish_run(
            db, run_id, result.status, result.new_articles, result.errors, result.per_source
        )
    if owned:
        db.close()
    return result


# The database location of a crawl process, when it holds a password (its command line shows
# the location masked).
DB_VARIABLE = "VEILLE_CRAWL_DB"


def child_command(
    db_path: str | Path,
    sources_path: str | Path,
    run_id: int,
    settings: dict[str, object] | None = None,
    only: list[str] | None = None,
) -> tuple[list[str], dict[str, str] | None]:
    """The command line of a crawl process and its environment (None: this process's). A
    process's command line is readable by every user of the machine (`ps`): a PostgreSQL
    location's password goes to the child in its environment, which only its user can read,
    and the command line shows the location masked."""
    location, environment = str(db_path), None
    if location_password(location):
        environment = {**os.environ, DB_VARIABLE: location}
        location = mask_location(location)
    command = [
        sys.executable,
        "-m",
        "crawler.fetching.crawl",
        "--db",
        location,
        "--sources",
        str(sources_path),
        "--run-id",
        str(run_id),
        "--settings",
        json.dumps(settings or {}),
    ]
    if only:
        command += ["--only", ",".join(only)]
    return command, environment


def _recorded(db: Database, run_id: int) -> bool:
    """Whether the crawl has written its run's record (finished, or stopped by itself)."""
    return store.run_record(db, run_id).finished_at is not None


def run_result(db: Database, run_id: int, unfinished_status: str) -> CrawlResult:
    """The run as the crawl recorded it; a run the crawl never finished (killed, time limit,
    crashed) is closed here with `unfinished_status`."""
    run = store.run_record(db, run_id)
    if run.finished_at is None:
        store.finish_run(db, run_id, unfinished_status, run.new_articles, run.errors, {})
        return CrawlResult(run_id, unfinished_status, run.new_articles, run.errors, {})
    return CrawlResult(run_id, run.status, run.new_articles, run.errors, run.stats)


def stop_all_crawls(grace: float = 10.0) -> None:
    """Stop every crawl process this process started (used on daemon shutdown): all asked to
    stop at once, then those still running after `grace` seconds killed (crawls of hanging
    sites do not take ten seconds each)."""
    children = list(_ACTIVE)
    for child in children:
        _signal(child, signal.SIGTERM)
    deadline = time.monotonic() + grace
    for child in children:
        try:
            child.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            _signal(child, signal.SIGKILL)
            child.wait()


def _tell(child: subprocess.Popen, message: str) -> None:
    """A line on the child's standard input (it may have exited already: nothing to tell)."""
    if child.stdin is None:
        return
    with contextlib.suppress(OSError):  # BrokenPipeError: it has just exited
        child.stdin.write(f"{message}\n".encode())
        child.stdin.flush()


def _signal(child: subprocess.Popen, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(child.pid, signum)


def _stop(child: subprocess.Popen) -> None:
    _signal(child, signal.SIGTERM)
    try:
        child.wait(timeout=10)
    except subprocess.TimeoutExpired:
        _signal(child, signal.SIGKILL)
        child.wait()


def apply_overrides(settings: ScrapySettings, overrides: dict) -> None:
    """VEILLE_CRAWL_SETTINGS over the project's settings; the User-Agent names the contact URL,
    so they are kept in step."""
    settings.setdict(overrides, priority="cmdline")
    if "VEILLE_CONTACT_URL" in overrides and "USER_AGENT" not in overrides:
        settings.set("USER_AGENT", user_agent(overrides["VEILLE_CONTACT_URL"]), priority="cmdline")


def main(argv: list[str] | None = None) -> int:
    """The child side: run the news spider once with Scrapy's own CrawlerProcess."""
    parser = argparse.ArgumentParser(prog="python -m crawler.fetching.crawl")
    parser.add_argument("--db", required=True)
    parser.add_argument("--sources", required=True)
    parser.add_argument("--only")
    parser.add_argument("--run-id")
    parser.add_argument("--settings", default="{}")
    args = parser.parse_args(argv)
    args.db = os.environ.pop(DB_VARIABLE, None) or args.db  # a location with its password

    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "crawler.settings")
    from scrapy.crawler import CrawlerProcess
    from scrapy.utils.project import get_project_settings

    settings = get_project_settings()
    apply_overrides(settings, json.loads(args.settings))
    process = CrawlerProcess(settings)
    crawler = process.create_crawler("news")
    process.crawl(crawler, sources=args.sources, db=args.db, only=args.only, run_id=args.run_id)
    from twisted.internet import reactor

    stopper = EarlyStop(crawler)
    # Told on standard input when its time is up (by crawl() in the process that started it);
    # read from the reactor's start, so a message sent during a slow start is not lost.
    reactor.callWhenRunning(
        lambda: threading.Thread(
            target=_listen, args=(sys.stdin, reactor, stopper), name="time-limit", daemon=True
        ).start()
    )
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: reactor.callFromThread(stopper.stop, "shutdown"))
    process.start(install_signal_handlers=False)
    return 0


def _listen(stream: IO[str], reactor: _CallsFromThreads, stopper: EarlyStop) -> None:
    """Read the lines of the process that started the crawl: its time is up."""
    for line in stream:
        if line.strip() == TIME_UP:
            reactor.callFromThread(stopper.stop, TIME_UP)


class _CallsFromThreads(Protocol):
    """What a thread other than the reactor's may ask of it (Twisted's IReactorFromThreads)."""

    def callFromThread(self, f: Callable[..., object], /, *args: object) -> None: ...  # noqa: N802


class EarlyStop:
    """Stops the crawl once, from its time limit or a signal, with the reason its run records
    (`time limit` is a fault of the site; `shutdown` is veille stopping). The first reason
    wins; later requests find the crawl already stopping (the caller kills it if it must)."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.reason: str | None = None

    def stop(self, reason: str) -> None:
        if self.reason is not None:
            return
        self.reason = reason
        from scrapy.utils.defer import deferred_from_coro

        from crawler.bookkeeping import CrawlBookkeeping

        keeper = CrawlBookkeeping.of(self.crawler)
        try:
            if keeper is not None and self.crawler.crawling:
                keeper.stop_early(reason)
        finally:
            # stop_async (Scrapy 2.14+): Crawler.stop() is deprecated. The Deferred is the
            # crawl's own: the caller waits on the crawl, not on this stop.
            deferred_from_coro(self.crawler.stop_async())


if __name__ == "__main__":
    sys.exit(main())

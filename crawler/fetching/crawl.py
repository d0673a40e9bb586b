"""Run a crawl in a child process, with a wall-clock limit enforced from outside.

Scrapy's reactor cannot be restarted, so a long-lived daemon cannot run crawl after crawl in its
own process. Each crawl is therefore a fresh `python -m crawler.fetching.crawl` process (Scrapyd's
answer): it isolates hangs, exceptions and memory growth, and it is killed if it overruns.
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import json
import logging
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import sqlite_utils

from crawler.core.errors import CrawlError
from crawler.journal import SourceCounts
from crawler.storage import store

logger = logging.getLogger(__name__)

DEFAULT_TIME_LIMIT = 15 * 60

# Crawl processes running now, so a daemon shutting down can stop them too.
_ACTIVE: set[subprocess.Popen] = set()


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
    db: sqlite_utils.Database | None = None,
) -> CrawlResult:
    """Crawl the given sources (all enabled ones by default) in a child process and wait for it.

    The child gets SIGTERM at `time_limit` seconds and SIGKILL 10 s later; whatever it stored
    before stays stored. Returns the run's summary as the child recorded it.
    """
    owned = db is None
    db = db or store.open_database(db_path)  # the caller's connection, if it has one
    run_id = store.start_run(db, only or ["*"])
    command = [
        sys.executable,
        "-m",
        "crawler.fetching.crawl",
        "--db",
        str(db_path),
        "--sources",
        str(sources_path),
        "--run-id",
        str(run_id),
        "--settings",
        json.dumps(settings or {}),
    ]
    if only:
        command += ["--only", ",".join(only)]
    if log_file:
        Path(log_file).parent.mkdir(parents=True, exist_ok=True)
    log: IO[bytes] | int = (
        open(log_file, "ab") if log_file else subprocess.DEVNULL  # noqa: SIM115
    )
    child: subprocess.Popen | None = None
    try:
        child = subprocess.Popen(
            command,
            stdout=log,
            stderr=log,
            start_new_session=True,
            preexec_fn=_die_with_parent(os.getpid()),  # noqa: PLW1509 (async-signal-safe calls only)
        )
        _ACTIVE.add(child)
        try:
            child.wait(timeout=time_limit)
        except subprocess.TimeoutExpired:
            logger.warning("crawl run=%d exceeded %ss: stopping it", run_id, time_limit)
            _stop(child)
    finally:
        if child is not None:
            _ACTIVE.discard(child)
        if not isinstance(log, int):
            log.close()
    fallback = (
        "killed"
        if child.returncode and child.returncode < 0
        else f"failed (exit {child.returncode})"
    )
    result = run_result(db, run_id, fallback)
    if owned:
        db.conn.close()
    return result


def run_result(db, run_id: int, unfinished_status: str) -> CrawlResult:
    """The run as the crawl recorded it; a run the crawl never finished (killed, time limit,
    crashed) is closed here with `unfinished_status`."""
    row = db.execute(
        "SELECT status, new_articles, errors, stats, finished_at FROM crawl_runs WHERE id=?",
        [run_id],
    ).fetchone()
    status, new_articles, errors, stats, finished_at = row
    if finished_at is None:
        status = unfinished_status
        store.finish_run(db, run_id, status, new_articles, errors, {})
        return CrawlResult(run_id, status, new_articles, errors, {})
    return CrawlResult(run_id, status, new_articles, errors, json.loads(stats) if stats else {})


_PR_SET_PDEATHSIG = 1


def _die_with_parent(parent: int):
    """In the crawl child, before it runs: ask Linux to SIGKILL it when the process that
    started it dies (a SIGKILLed daemon leaves no crawl behind, running with no time limit)."""
    libc = None
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
        except OSError:
            libc = None

    def prepare() -> None:
        if libc is not None:
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        if os.getppid() != parent:  # the parent died before the request took effect
            os._exit(1)

    return prepare


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


def apply_overrides(settings, overrides: dict) -> None:
    """VEILLE_CRAWL_SETTINGS over the project's settings; the User-Agent names the contact URL,
    so they are kept in step."""
    settings.setdict(overrides, priority="cmdline")
    if "VEILLE_CONTACT_URL" in overrides and "USER_AGENT" not in overrides:
        contact = overrides["VEILLE_CONTACT_URL"]
        settings.set("USER_AGENT", f"veille/0.1 (news monitoring; +{contact})", priority="cmdline")


def main(argv: list[str] | None = None) -> int:
    """The child side: run the news spider once with Scrapy's own CrawlerProcess."""
    parser = argparse.ArgumentParser(prog="python -m crawler.fetching.crawl")
    parser.add_argument("--db", required=True)
    parser.add_argument("--sources", required=True)
    parser.add_argument("--only")
    parser.add_argument("--run-id")
    parser.add_argument("--settings", default="{}")
    args = parser.parse_args(argv)

    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "crawler.settings")
    from scrapy.crawler import CrawlerProcess
    from scrapy.utils.project import get_project_settings

    settings = get_project_settings()
    apply_overrides(settings, json.loads(args.settings))
    process = CrawlerProcess(settings)
    process.crawl("news", sources=args.sources, db=args.db, only=args.only, run_id=args.run_id)
    process.start()
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except CrawlError as exc:
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(2)

"""The long-running daemon: APScheduler 3 runs one crawl job per source and a delivery job; the
crawls run in a pool of long-lived crawl workers (crawler.fetching.workers), each source's next crawl set
by its rhythm of publication (monitors.service.pacing); SIGTERM/SIGINT stop it cleanly, SIGHUP reloads
its configuration."""

from __future__ import annotations

import logging
import random
import signal
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TextIO

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.interval import IntervalTrigger

from crawler.core.errors import VeilleError
from crawler.core.secrets import redact
from crawler.discovery.sources import Source
from crawler.fetching.crawl import stop_all_crawls
from crawler.fetching.workers import WorkerPool
from crawler.storage import store
from crawler.storage.engine import Database
from monitors.alerts.plurals import counted
from monitors.service.config import Config
from monitors.service.cycle import (
    OFFLINE,
    match_and_deliver,
    recover,
    run_cycle,
    warn_of_followed_watchlists_gone,
)
from monitors.service.pacing import is_due
from monitors.service.runners import hold_daemon_lock, pidfile_for
from monitors.service.source_locks import SourceLocks, hold_source_locks

logger = logging.getLogger(__name__)

# Crawl processes at once without a worker pool (VEILLE_CRAWL_WORKERS=0). Most of a crawl is
# waiting for servers, and a site that hangs holds its process until its time limit: one per
# core for the work, plus room for three hung sites so that the others are still crawled on
# schedule. Each process takes some 100 MB.
CRAWL_WORKERS = 2 + 3


@dataclass
class DaemonState:
    """What the running daemon knows that the database does not, for /health: when delivery
    last ran and which crawls are running since when."""

    deliver_every: float
    crawl_time_limit: float
    started_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    delivered_at: datetime | None = None  # the last match and deliver run that went through
    delivery_error: str | None = None  # why the last one failed, if it did
    crawls: dict[str, datetime] = field(default_factory=dict)
    pool: WorkerPool | None = None  # the crawl workers, described in /health
    # The enabled sources of the running configuration: /health judges these only (a source
    # removed from the file keeps its row, and its last pace, in the database).
    sources: frozenset[str] = frozenset()
    # Sources whose last crawl got nothing because their host names did not resolve, and
    # whether the daemon has said that every source is in that state (said once per outage).
    unresolved: set[str] = field(default_factory=set)
    offline_said: bool = False
    # Why the last reload was refused, until one goes through: the daemon runs its former
    # configuration, and the next start (the files as they are) would be refused.
    reload_error: str | None = None
    # PostgreSQL: the sources' locks this daemon holds (monitors.service.source_locks), for the
    # sources another runner took while its session was gone.
    locks: SourceLocks | None = None

    def note_crawl(self, name: str, unresolved: bool, names: list[str]) -> bool:
        """Record whether `name`'s crawl failed to resolve; True when every one of `names`
        (the enabled sources) now has, and that was not said yet: the moment to say the machine
        may be offline. A source that resolves again ends the outage."""
        if unresolved:
            self.unresolved.add(name)
        else:
            self.unresolved.discard(name)
        offline = bool(names) and set(names) <= self.unresolved
        say = offline and not self.offline_said
        self.offline_said = offline
        return say

    def problems(self, now: datetime | None = None) -> list[str]:
        """Late delivery (three intervals and a minute without a run that went through: a run
        that failed is not one) and crawls running past their time limit and a minute."""
        now = now or datetime.now(UTC)
        late_after = timedelta(seconds=3 * self.deliver_every + 60)
        found = []
        since = self.delivered_at or self.started_at
        if now - since > late_after:
            seconds, every = int((now - since).total_seconds()), int(self.deliver_every)
            if self.delivery_error is None:
                found.append(f"delivery has not run for {seconds} s (every {every} s expected)")
            else:
                found.append(
                    f"delivery has not completed for {seconds} s (every {every} s expected); "
                    f"its last run failed: {self.delivery_error}"
                )
        stuck_after = timedelta(seconds=self.crawl_time_limit + 60)
        for name, started in sorted(self.crawls.items()):
            if now - started > stuck_after:
                found.append(
                    f"crawl of {name} running for {int((now - started).total_seconds())} s "
                    f"(time limit {int(self.crawl_time_limit)} s)"
                )
        if self.locks is not None and self.locks.session_error is not None:
            found.append(
                "the database session holding the sources' locks cannot be opened again "
                f"({self.locks.session_error}): no source is crawled"
            )
        return found

    def lock_warnings(self) -> list[str]:
        """The sources this daemon should crawl and does not, another runner having taken their
        lock while its database session was gone: crawled, but not here."""
        if self.locks is None:
            return []
        return [
            f"source {name} is not crawled by this daemon: another runner "
            f"({holder.removeprefix('veille daemon ') or 'a session of another user'}) took "
            "its lock while this daemon's database session was gone; taken again once free"
            for name, holder in sorted(self.locks.lost.items())
        ]


class Daemon:
    def __init__(self, config: Config, console: TextIO | None = None) -> None:
        self.config = config
        self.console = console
        # Crawls and delivery have their own threads: crawls of hanging sites may hold every
        # crawl thread for their time limit, the delivery job still runs on time. With a pool,
        # a crawl thread only waits for its worker's answer: one per crawl the workers can run.
        workers = config.settings.crawl_workers
        self.pool: WorkerPool | None = None
        self._pool_size = workers
        crawl_threads = workers * config.settings.worker_max_active if workers else CRAWL_WORKERS
        self.scheduler = BlockingScheduler(
            executors={
                "default": ThreadPoolExecutor(1),  # delivery
                "crawl": ThreadPoolExecutor(crawl_threads),
            },
            job_defaults={"coalesce": True, "max_instances": 1},
            timezone=UTC,
        )
        self._stopping = threading.Event()
        self.state = DaemonState(
            deliver_every=config.settings.deliver_every_seconds,
            crawl_time_limit=config.settings.crawl_time_limit,
        )
        self.state.sources = frozenset(s.name for s in config.sources.enabled())
        self._source_locks: SourceLocks | None = None  # PostgreSQL: held from run_forever
        # Which sources are being crawled, and which of them a reload took out: a source's lock
        # is let go of only once no crawl of it runs (_let_go), or another runner could start
        # crawling it beside this one's crawl.
        self._crawl_guard = threading.Lock()
        self._running: set[str] = set()
        self._release_after_crawl: set[str] = set()

    def _crawl_source(self, name: str) -> None:
        if self._stopping.is_set() or not self._begin_crawl(name):
            return
        try:
            self._crawl(name)
        finally:
            self._end_crawl(name)

    def _begin_crawl(self, name: str) -> bool:
        """Whether `name` may be crawled now (then it counts as running until _end_crawl): not
        when a reload took it out, nor on PostgreSQL when this daemon does not hold its lock
        (checked first: a session the server ended is found before the crawl, not after)."""
        locks = self._source_locks
        if locks is not None:
            locks.check()
        with self._crawl_guard:
            if name not in self.state.sources or name in self._release_after_crawl:
                logger.info("source=%s not crawled: a reload took it out", name)
                return False
            if locks is not None and not locks.holds(name):
                holder = locks.lost.get(name) or ""
                logger.warning(
                    "source=%s not crawled: this daemon does not hold its lock (%s)",
                    name,
                    f"another runner holds it: {holder.removeprefix('veille daemon ')}"
                    if holder
                    else "its database session is gone or the lock's holder is hidden",
                )
                return False
            self._running.add(name)
            return True

    def _end_crawl(self, name: str) -> None:
        with self._crawl_guard:
            self._running.discard(name)
            if name not in self._release_after_crawl:
                return
            self._release_after_crawl.discard(name)
            if self._source_locks is not None:
                self._source_locks.release([name])
        logger.info(
            "source=%s lock let go of: its crawl ended after a reload took it out; another "
            "runner may crawl it now",
            name,
        )

    def _let_go(self, names: set[str]) -> None:
        """Let go of the locks of sources taken out: at once when no crawl of theirs runs, else
        when it ends (_end_crawl)."""
        if self._source_locks is None or not names:
            return
        with self._crawl_guard:
            running = names & self._running
            self._release_after_crawl |= running
            self._source_locks.release(names - running)
        for name in sorted(running):
            logger.info(
                "source=%s taken out by the reload while it is being crawled: its lock is let "
                "go of once that crawl ends",
                name,
            )

    def _crawl(self, name: str) -> None:
        try:
            db = self._open_database()
        except VeilleError as exc:
            logger.error("source=%s not crawled: %s", name, exc)
            return
        try:
            if not is_due(db, name, datetime.now(UTC)):
                logger.debug("source=%s not due yet (quiet or backing off)", name)
                db.close()
                return
        except BaseException:
            db.close()
            raise
        self.state.crawls[name] = datetime.now(UTC)
        try:
            # The connection checked is the cycle's: opened again by path, a database moved
            # away since the check was made again empty, and crawled from scratch.
            report = run_cycle(
                self.config,
                only=[name],
                console=self.console,
                pool=self.pool,
                deliver_when_idle=self.pool is None,
                db=db,
            )
            pace = report.paces.get(name)
            if pace is not None:
                self._reschedule(name, pace.due)
            names = [s.name for s in self.config.sources.enabled()]
            if self.state.note_crawl(name, name in report.unresolved, names):
                logger.warning(
                    "%s No host name resolved in the last crawl of any of the %d sources: "
                    "check the network and DNS (`veille status` shows each source's error)",
                    OFFLINE,
                    len(names),
                )
        except Exception:  # a job must never kill the scheduler; the next run tries again
            logger.exception("crawl job for source=%s failed", name)
        finally:
            db.close()
            self.state.crawls.pop(name, None)

    def _reschedule(self, name: str, due: datetime) -> None:
        """The source's next crawl when its pace says (sooner than its interval for a busy
        source at its busy hours, later for a quiet one); the interval stays the fallback."""
        job = self.scheduler.get_job(f"crawl:{name}")
        if job is None or self._stopping.is_set():
            return
        job.modify(next_run_time=max(due, datetime.now(UTC) + timedelta(seconds=1)))

    def _open_database(self) -> Database:
        """The daemon's database, never made again: moved away or deleted while the daemon
        runs (a restore, a clean-up), a new empty one would be crawled from scratch and every
        recent article alerted a second time."""
        return store.open_database(self.config.settings.db, create=False)

    def _deliver(self) -> None:
        if self._stopping.is_set():
            return
        db = None
        try:
            # The connection checked is the one used: opened again by path between the check
            # and the run, a database moved away meanwhile was made again empty.
            db = self._open_database()
            # as match_and_deliver reads through its own connection: the map and a large cache
            # counted every page of the articles it matched in the daemon's resident set
            store.read_through_small_cache(db)
            match_and_deliver(self.config, self.console, db=db)
        except VeilleError as exc:
            logger.error("match/deliver job not run: %s", exc)
            self.state.delivery_error = str(exc)
        except Exception as exc:
            logger.exception("match/deliver job failed")
            # its type alone: the message of an exception no one wrote for users may hold
            # what /health should not show (the log has it, masked)
            self.state.delivery_error = f"{type(exc).__name__} (see the log)"
        else:  # only a run that went through counts as run: /health says when none has
            self.state.delivered_at = datetime.now(UTC)
            self.state.delivery_error = None
        finally:
            if db is not None:
                db.close()

    def _schedule_source(self, source: Source, index: int) -> None:
        interval = source.interval_minutes * 60
        jitter = min(120, interval / 10)
        first = datetime.now(UTC) + timedelta(seconds=2 + index * 3 + random.uniform(0, 2))
        self.scheduler.add_job(
            self._crawl_source,
            IntervalTrigger(seconds=interval, jitter=jitter, timezone=UTC),
            args=[source.name],
            id=f"crawl:{source.name}",
            name=f"crawl {source.name}",
            next_run_time=first,
            misfire_grace_time=max(1, int(interval)),
            executor="crawl",
            replace_existing=True,
        )

    def reload(self, signum: int | None = None, _frame: object = None) -> None:
        """SIGHUP: re-read sources and watchlists; keep the running configuration if they are invalid."""
        threading.Thread(target=self._reload, name="reload", daemon=True).start()

    def _reload(self) -> None:
        from monitors.service.config import load_config

        try:
            config = load_config(self.config.settings)
        except VeilleError as exc:
            logger.error("reload refused, keeping the current configuration: %s", exc)
            self.state.reload_error = redact(str(exc))
            return
        previous = self.config
        before = {s.name for s in previous.sources.enabled()}
        after = {s.name for s in config.sources.enabled()}
        if self._source_locks is not None:
            try:  # a source added is crawled here only if no other runner crawls it
                self._source_locks.take(after - before)
            except VeilleError as exc:
                logger.error("reload refused, keeping the current configuration: %s", exc)
                self.state.reload_error = redact(str(exc))
                return
        try:
            self._apply_sources(previous, config)
        except Exception as exc:  # a new configuration applies whole or not at all
            logger.exception("reload failed while rescheduling; keeping the current configuration")
            self._apply_sources(config, previous, force=True)
            self._let_go(after - before)
            self.state.reload_error = f"rescheduling failed ({type(exc).__name__}; see the log)"
            return
        with self._crawl_guard:  # no crawl of a source taken out starts from now on
            self.state.sources = frozenset(after)
            self._release_after_crawl -= after  # taken out, then back before its crawl ended
        self._let_go(before - after)
        self.config = config
        self.state.reload_error = None
        try:
            db = self._open_database()
        except VeilleError as exc:
            logger.error("reloaded, but the sources are not registered: %s", exc)
            return
        store.register_sources(db, config.sources.sources)
        warn_of_followed_watchlists_gone(db, config)
        db.close()
        logger.info(
            "reloaded: %s, %s",
            counted(len(config.sources.enabled()), "source", "en"),
            counted(len(config.rules.watchlists), "watchlist", "en"),
        )

    def _apply_sources(self, old_config: Config, new_config: Config, force: bool = False) -> None:
        """Add, remove and reschedule crawl jobs from one source list to another (with
        `force`, reschedule every job: restoring after a failed reload)."""
        old = {s.name: s for s in old_config.sources.enabled()}
        new = {s.name: s for s in new_config.sources.enabled()}
        for name in old.keys() - new.keys():
            if self.scheduler.get_job(f"crawl:{name}"):
                self.scheduler.remove_job(f"crawl:{name}")
        for index, name in enumerate(sorted(new.keys() - old.keys())):
            self._schedule_source(new[name], index)
        for name in old.keys() & new.keys():
            if force or old[name].interval_minutes != new[name].interval_minutes:
                if self.scheduler.get_job(f"crawl:{name}"):
                    self.scheduler.remove_job(f"crawl:{name}")
                self._schedule_source(new[name], 0)

    def stop(self, signum: int | None = None, _frame: object = None) -> None:
        if self._stopping.is_set():
            return
        self._stopping.set()
        logger.info("stopping (signal %s): finishing the current step", signum)
        # shutdown must not wait from inside a signal handler of the blocked main thread
        threading.Thread(target=self._shutdown, name="shutdown", daemon=True).start()

    def _shutdown(self) -> None:
        stop_all_crawls()
        if self.pool is not None:
            self.pool.stop()
        self.scheduler.shutdown(wait=False)

    def run_forever(self) -> None:
        pidfile = pidfile_for(self.config.settings.db)
        lock = hold_daemon_lock(pidfile)  # before anything runs: one daemon per database
        try:  # PostgreSQL: one runner per source, wherever the others run
            held = hold_source_locks(
                self.config.settings.db, (s.name for s in self.config.sources.enabled())
            )
        except BaseException:
            pidfile.unlink(missing_ok=True)
            lock.close()
            raise
        self._source_locks = held
        self.state.locks = held
        if held is not None:
            held.keep_checking()
        if self._pool_size:
            settings = self.config.settings
            self.pool = WorkerPool(
                settings.crawl_scrapy_settings(),
                size=self._pool_size,
                log_file=settings.crawl_log,
                max_active=settings.worker_max_active,
                max_crawls=settings.worker_max_crawls,
                max_rss_mb=settings.worker_max_rss_mb,
            ).start()
            self.state.pool = self.pool
        self.schedule_jobs()
        signal.signal(signal.SIGTERM, self.stop)
        signal.signal(signal.SIGINT, self.stop)
        signal.signal(signal.SIGHUP, self.reload)
        logger.info(
            "veille running: %s, %s, database %s",
            counted(len(self.config.sources.enabled()), "source", "en"),
            counted(len(self.config.rules.watchlists), "watchlist", "en"),
            self.config.settings.db,
        )
        try:
            self.scheduler.start()
        finally:
            stop_all_crawls()
            if self.pool is not None:
                self.pool.stop()
            if held is not None:  # before the pidfile: `veille stop` then finds all let go of
                held.close()
            pidfile.unlink(missing_ok=True)
            lock.close()
        logger.info("veille stopped")

    def schedule_jobs(self) -> None:
        """Close what a killed run left open, register the sources, add one crawl job per
        source and the delivery job."""
        db = store.open_database(self.config.settings.db)
        recover(db, self.config)
        db.close()
        for index, source in enumerate(self.config.sources.enabled()):
            self._schedule_source(source, index)
        self.scheduler.add_job(
            self._deliver,
            IntervalTrigger(seconds=self.config.settings.deliver_every_seconds, timezone=UTC),
            id="deliver",
            name="match and deliver",
            next_run_time=datetime.now(UTC),
            # A run late by up to one interval still runs (coalesced); later than that, the
            # next one does: /health reports the delay either way.
            misfire_grace_time=max(1, self.config.settings.deliver_every_seconds),
        )

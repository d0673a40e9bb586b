"""One cycle run on its own, as `veille run --once` and a cron job do: the one-runner lock of
the database, recovery of what a killed run left, the cycle, and which sources failed."""

from __future__ import annotations

import logging
import signal
import threading
from dataclasses import dataclass

from crawler.storage import store
from monitors.service.config import Config
from monitors.service.cycle import CycleReport, failed_sources, recover, run_cycle
from monitors.service.runners import hold_daemon_lock, pidfile_for
from monitors.service.source_locks import hold_source_locks

logger = logging.getLogger(__name__)


@dataclass
class OnceReport:
    cycle: CycleReport
    failed: list[str]  # enabled sources that got nothing usable (failed_sources)
    enabled: int  # how many sources were enabled

    @property
    def every_source_failed(self) -> bool:
        return bool(self.failed) and len(self.failed) == self.enabled

    @property
    def every_source_unresolved(self) -> bool:
        """Every source failed, each because its host names did not resolve: the machine may
        be offline (cycle.OFFLINE)."""
        return self.every_source_failed and self.cycle.offline(self.failed)


def run_once(config: Config) -> OnceReport:
    """Crawl every enabled source, match and deliver, once. One runner per database, as for the
    daemon (a VeilleError names the one running): then a delivery left 'sending' can only be
    one a killed run left behind, and is marked 'unconfirmed' (never sent twice)."""
    lock = hold_daemon_lock(pidfile_for(config.settings.db))
    try:  # PostgreSQL: not beside a runner of the same sources, wherever it runs
        held = hold_source_locks(config.settings.db, (s.name for s in config.sources.enabled()))
    except BaseException:
        pidfile_for(config.settings.db).unlink(missing_ok=True)
        lock.close()
        raise
    if held is not None:  # a session the server ends is said, and its locks taken again
        held.keep_checking()
    answering = threading.current_thread() is threading.main_thread()
    before = signal.signal(signal.SIGHUP, _reload_asked) if answering else None
    try:
        db = store.open_database(config.settings.db)
        recover(db, config)
        db.close()
        report = run_cycle(config)
    finally:
        if held is not None:  # before the pidfile: `veille stop` then finds all let go of
            held.close()
        pidfile_for(config.settings.db).unlink(missing_ok=True)
        lock.close()
        if answering:
            signal.signal(signal.SIGHUP, before)
    enabled = [s.name for s in config.sources.enabled()]
    return OnceReport(report, failed_sources(report.crawl, enabled), len(enabled))


def _reload_asked(signum: int, _frame: object) -> None:
    """SIGHUP (`veille reload`, the reader after a saved watchlist, which reach every runner
    of a PostgreSQL database started from the folder): it ended the cycle, SIGHUP's default."""
    logger.warning(
        "reload asked (signal %d) of `veille run --once`: one cycle has nothing to reload; it "
        "runs on, and the next run reads the files as they are then",
        signum,
    )

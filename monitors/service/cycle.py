"""One monitoring cycle: crawl (in a worker of the pool, or a child process) → match new articles
→ deliver alerts."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TextIO

from crawler.core.counts import SourceCounts
from crawler.core.errors import VeilleError
from crawler.core.times import iso
from crawler.fetching.crawl import REAL_TIME, CrawlClock, CrawlResult, crawl
from crawler.fetching.workers import SILENT_WORKER, WorkerPool, crawl_sites
from crawler.storage import store
from crawler.storage.engine import Database
from monitors.alerts.delivery import DeliveryReport, Sender, recover_interrupted
from monitors.alerts.outbox import MatchReport, match_pending
from monitors.people import mail as people_mail
from monitors.service import store as service_store
from monitors.service.config import Config
from monitors.service.pacing import Pace, record_interruption, record_outcome

logger = logging.getLogger(__name__)


def failed_sources(result: CrawlResult | None, names: list[str]) -> list[str]:
    """Sources of a crawl that got nothing usable: every entry point failed, or the crawl
    stopped before reporting on them."""
    if result is None:
        return list(names)
    failed = []
    for name in names:
        counts = result.per_source.get(name)
        if (
            not counts
            or counts.get("unfinished")
            or (counts.get("entry_ok", 0) == 0 and counts.get("entry_failed", 0) > 0)
        ):
            failed.append(name)
    return failed


# What the console says when no source's host name resolved: the reason was only in `veille
# status` before, each source showing "dns: host name does not resolve".
OFFLINE = "every source failed to resolve: is this machine offline?"
DNS_FAULT = "dns"  # the kind crawler.spiders.news records for a name that does not resolve


def unresolved_sources(db: Database, result: CrawlResult, names: list[str]) -> list[str]:
    """Sources of `names` the crawl got nothing from because their host names did not
    resolve: every fault it recorded against them is a DNS failure."""
    kinds = service_store.fault_kinds_of_run(db, result.run_id)
    return [
        name
        for name in failed_sources(result, names)
        if kinds.get(name) and kinds[name] <= {DNS_FAULT}
    ]


def unfinished_sources(result: CrawlResult, names: list[str]) -> list[str]:
    """Sources the crawl did not finish: stopped (time limit, kill) before it reported on them,
    or said by the crawl itself to have had work left when it stopped."""
    return sorted(
        name
        for name in names
        if name not in result.per_source or result.per_source[name].get("unfinished")
    )


@dataclass
class CycleReport:
    crawl: CrawlResult
    matches: MatchReport
    deliveries: DeliveryReport
    paces: dict[str, Pace] = field(default_factory=dict)  # when each source is due next
    unfinished: list[str] = field(default_factory=list)  # sources the crawl did not finish
    # sources that got nothing because their host names did not resolve
    unresolved: list[str] = field(default_factory=list)

    def offline(self, names: list[str]) -> bool:
        """Whether every one of `names` failed to resolve in this cycle."""
        return bool(names) and set(names) <= set(self.unresolved)


_match_lock = threading.Lock()
# What a crawl reports when veille stopped it (a crawl worker's pool or Scrapy shutting down).
SHUTDOWN_STATUSES = frozenset({"stopped", "stopped: shutdown", "killed (the daemon stopped)"})


def match_and_deliver(
    config: Config, console: TextIO | None = None, db: Database | None = None
) -> tuple[MatchReport, DeliveryReport]:
    """Match what was stored and send what is due; serialised so two jobs never interleave.
    `db` is the caller's connection, if it has one."""
    with _match_lock:
        owned = db is None
        if db is None:
            db = store.open_database(config.settings.db)
            store.read_through_small_cache(db)
        try:
            max_age = config.settings.alert_max_age_days
            matches = match_pending(
                db,
                config.rules,
                config.delivery,
                config.matcher,
                max_age=timedelta(days=max_age) if max_age is not None else None,
            )
            sender = Sender(
                db,
                config.delivery,
                console,
                config.settings.send_interval,
                people=people_mail.for_settings(config.settings),
            )
            deliveries = sender.deliver_pending()
        finally:
            if owned:
                db.close()
    return matches, deliveries


def recover(db: Database, config: Config) -> None:
    """Before a daemon or a `run --once` starts (each holding the one-runner lock): close what
    a killed run left open (deliveries 'sending' become 'unconfirmed', crawl runs 'running'
    become 'interrupted') and give every configured source its row, so that a crawl dying
    before it starts still has a source row to record its fault on (`veille status` shows it)."""
    recover_interrupted(db)
    closed = store.close_interrupted_runs(db)
    if closed:
        logger.warning(
            "%d crawl run(s) left running by a killed process marked interrupted", closed
        )
    store.register_sources(db, config.sources.sources)
    warn_of_followed_watchlists_gone(db, config)


def warn_of_followed_watchlists_gone(db: Database, config: Config) -> None:
    """Say which followed watchlists the watchlists file no longer has (renamed or deleted by
    hand): their followers get none of their alerts, which only `veille users list` and each
    person's account page showed."""
    from monitors.people import store as people_store

    defined = {w.name for w in config.rules.watchlists}
    for watchlist, people in people_store.followed_watchlists(db).items():
        if watchlist not in defined:
            logger.warning(
                "watchlist %r is followed by %s but the watchlists file has no such watchlist: "
                "they get none of its alerts (renamed? `veille users set NAME --follow NEW "
                "--unfollow %s`)",
                watchlist,
                ", ".join(people),
                watchlist,
            )


def run_cycle(
    config: Config,
    only: list[str] | None = None,
    console: TextIO | None = None,
    pool: WorkerPool | None = None,
    deliver_when_idle: bool = True,
    clock: CrawlClock = REAL_TIME,
    db: Database | None = None,
) -> CycleReport:
    """Crawl the chosen sources (all enabled ones by default), then match and deliver: in a
    long-lived worker of `pool` when given (the daemon), else in a child process of its own,
    whose time limit passes on `clock` (tests give one whose time comes at events).
    Without `deliver_when_idle`, a crawl that stored nothing skips matching and delivery (the
    daemon's delivery job runs every minute anyway); one that stored something alerts at once.
    The cycle uses one connection to the database (the crawl's own process has its own):
    `db`, the caller's, if it has one (the daemon's, opened without making a database again)."""
    owned = db is None
    if db is None:
        db = store.open_database(config.settings.db)
    store.read_through_small_cache(db)  # one connection per crawl job of the daemon
    try:
        return _run_cycle(config, db, only, console, pool, deliver_when_idle, clock)
    finally:
        if owned:
            db.close()


def _run_cycle(
    config: Config,
    db: Database,
    only: list[str] | None,
    console: TextIO | None,
    pool: WorkerPool | None,
    deliver_when_idle: bool,
    clock: CrawlClock,
) -> CycleReport:
    chosen = [s for s in config.sources.enabled() if not only or s.name in only]
    # Each source of the cycle has its row before the crawl starts: a crawl that dies before
    # its spider registers them leaves its faults and pace where `veille status` reads them.
    store.register_sources(db, chosen)
    if pool is not None:
        result = pool.crawl(
            config.settings.db,
            config.settings.sources,
            only=only,
            time_limit=config.settings.crawl_time_limit,
            sites=crawl_sites(chosen),
            db=db,
        )
    else:
        result = crawl(
            config.settings.db,
            config.settings.sources,
            only=only,
            settings=config.settings.crawl_scrapy_settings(),
            time_limit=config.settings.crawl_time_limit,
            log_file=config.settings.crawl_log,
            db=db,
            clock=clock,
        )
    if result.status in SHUTDOWN_STATUSES:
        # Stopped because veille itself stopped: not a fault of the site. Its pace stays, so
        # the source is crawled where it was due when veille starts again.
        logger.info(
            "crawl run=%d of %s stopped by the shutdown (%s): pace unchanged",
            result.run_id,
            ",".join(only) if only else "all sources",
            result.status,
        )
        return CycleReport(result, MatchReport(), DeliveryReport())
    wanted = only or [s.name for s in config.sources.enabled()]
    unfinished = unfinished_sources(result, wanted)
    # A crawl worker killed for its silence took every crawl it carried with it: no fault of
    # their sources, which are crawled again soon, without backing off.
    interrupted = result.status == SILENT_WORKER
    for name in unfinished:
        # Stopped (time limit, out of memory, a signal) with work of this source left: say so
        # against the source, and count it as a failed try so pacing backs off as for any fault.
        # What it stored is kept, and matched and delivered below like any other article.
        store.record_error(
            db,
            result.run_id,
            name,
            None,
            "unfinished",
            f"the crawl ({result.status}) stopped before this source was done; what it stored "
            "is kept, the rest is fetched by its next crawl"
            + (
                " in a few minutes (not counted as a failure of this source)" if interrupted else ""
            ),
        )
        counts = result.per_source.setdefault(name, SourceCounts())
        counts["unfinished"] = 1
        counts["errors"] = counts.get("errors", 0) + 1
        result.errors += 1
    paces: dict[str, Pace] = {}
    for name, counts in sorted(result.per_source.items()):
        try:
            interval = config.sources.by_name(name).interval_minutes
        except VeilleError:
            interval = 30
        if interrupted and counts.get("unfinished"):
            pace = paces[name] = record_interruption(db, name)
        else:
            outcome = SourceCounts(entry_failed=1, errors=1) if counts.get("unfinished") else counts
            pace = paces[name] = record_outcome(db, name, interval, outcome)
        if pace.description != "normal":
            logger.info(
                "pace source=%s %s; next crawl at %s", name, pace.description, iso(pace.due)
            )
        logger.info(
            "crawl source=%s new=%d duplicates=%d known=%d errors=%d",
            name,
            counts.get("new", 0),
            counts.get("duplicates", 0),
            counts.get("known", 0),
            counts.get("errors", 0),
        )
    # A crawl stopped early may have stored more than its record says: match in any case.
    stored = (
        result.new_articles
        or unfinished
        or any(c.get("updated") for c in result.per_source.values())
    )
    if stored or deliver_when_idle:
        matches, deliveries = match_and_deliver(config, console, db)
    else:
        matches, deliveries = MatchReport(), DeliveryReport()
    logger.info(
        "cycle run=%d sources=%s status=%s new=%d errors=%d matches=%d alerts=%d sent=%d retrying=%d failed=%d",
        result.run_id,
        ",".join(only) if only else "all",
        result.status,
        result.new_articles,
        result.errors,
        matches.matches,
        matches.alerts,
        deliveries.sent,
        deliveries.retrying,
        deliveries.failed,
    )
    unresolved = unresolved_sources(db, result, wanted)
    return CycleReport(result, matches, deliveries, paces, unfinished, unresolved)

"""`veille run` (the daemon, or one cycle), `veille reload` and `veille stop`."""

from __future__ import annotations

import sys

import click

from crawler.core.errors import VeilleError
from monitors.cli.options import (
    PORT,
    Seconds,
    config_of,
    settings_of,
)
from monitors.terminal import echo


@click.command()
@click.option("--once", is_flag=True, help="Run one full cycle (crawl, match, deliver) and exit.")
@click.option("--health-port", type=PORT, help="Serve GET /health (JSON) on 127.0.0.1:PORT.")
@click.pass_context
def run(ctx: click.Context, once: bool, health_port: int | None) -> None:
    """Run the daemon (or one cycle with --once).

    With --once the exit status is 0 when every source was crawled, 3 when the crawl stopped
    (its time limit, a kill) before some sources were done (what was stored was matched and
    delivered; the sources are named), and 1 when every source failed."""
    from crawler.storage import store
    from monitors.service.config import check_crawl_log
    from monitors.service.cycle import OFFLINE
    from monitors.service.daemon import Daemon
    from monitors.service.once import run_once

    config = config_of(ctx)
    if config.settings.crawl_log is not None:  # made once the database is known usable
        check_crawl_log(config.settings.crawl_log, make=False)
    daemon = None if once else Daemon(config)
    if daemon is not None and health_port:  # a port taken refuses the start: nothing made yet
        from monitors.service.health import serve_health

        serve_health(config.settings.db, health_port, daemon_state=daemon.state)
    db = store.open_database(config.settings.db)
    store.check_database(db, config.settings.db)
    db.close()
    if config.settings.crawl_log is not None:
        check_crawl_log(config.settings.crawl_log)
    if once:
        once_report = run_once(config)
        report = once_report.cycle
        echo(
            f"cycle done: {report.crawl.new_articles} new articles, {report.matches.matches} matches, "
            f"{report.matches.alerts} alerts, {report.deliveries.sent} sent, {report.crawl.errors} errors"
        )
        why = report.matches.not_alerted()
        if why:
            echo(f"matches not alerted: {why}")
        if report.unfinished:
            echo(
                f"the crawl ({report.crawl.status}) stopped before these sources were done: "
                f"{', '.join(report.unfinished)}; what was stored was matched and delivered, "
                "the rest is fetched by their next crawl (VEILLE_CRAWL_TIME_LIMIT sets the limit)",
                err=True,
            )
            sys.exit(3)
        if once_report.every_source_unresolved:
            echo(
                f"{OFFLINE} No host name resolved ({', '.join(once_report.failed)}): check the "
                "network and DNS, then run again; `veille status` shows each source's error",
                err=True,
            )
            sys.exit(1)
        if once_report.every_source_failed:
            echo(
                f"every source failed ({', '.join(once_report.failed)}): see `veille status` "
                "for the errors",
                err=True,
            )
            sys.exit(1)
        return
    assert daemon is not None
    daemon.run_forever()


@click.command()
@click.pass_context
def reload(ctx: click.Context) -> None:
    """Ask the running daemon to re-read sources and watchlists (it keeps the old ones if invalid).

    On PostgreSQL, every runner started from this folder is asked (each of its own sources)."""
    from monitors.service.runners import request_reload

    try:
        pids = request_reload(settings_of(ctx).db)
    except VeilleError as exc:
        raise click.ClickException(str(exc)) from None
    echo(  # on PostgreSQL, every runner started from this folder, each of its own sources
        f"reload requested from daemon {', '.join(map(str, pids))}; its log says whether the "
        "new configuration was accepted"
    )


@click.command()
@click.option(
    "--wait",
    type=Seconds(0, 3_600),
    # systemd's TimeoutStopSec of the sample unit (deploy/veille.service): a daemon ends its
    # crawls within some 10 s of SIGTERM, its crawl workers' within 10 s more
    default=60.0,
    show_default=True,
    help="Seconds to wait for the runners to end (0: ask, then say which still run).",
)
@click.pass_context
def stop(ctx: click.Context, wait: float) -> None:
    """Stop the running daemon (SIGTERM: its crawls stopped, what they stored kept), waiting
    for it to end.

    On PostgreSQL, every runner started from this folder is stopped (its pidfile in data/), as
    `veille reload` asks every one of them. Pidfiles left by runners that died are removed.
    Runners of other folders or machines are not stopped: finding none here, stop names those
    the sources' locks show (PostgreSQL). Exit status: 0 when every runner stopped, 1 when none
    was running or one runs as another user, 3 when some still run after --wait seconds (named;
    they were asked to stop)."""
    from monitors.service.runners import pidfiles_named, request_stop

    db = settings_of(ctx).db
    report = request_stop(db, wait)
    for stale in report.removed:
        if stale.pid is None:
            echo(f"removed {stale.pidfile}, empty: left by a daemon that died starting")
        else:
            echo(f"removed {stale.pidfile}, left by daemon {stale.pid}, which no longer runs")
    for pidfile, why in report.not_removed:
        echo(f"{pidfile}, left by a daemon that no longer runs, not removed: {why}", err=True)
    for refused in report.refused:
        echo(f"not stopped: {refused}", err=True)
    if report.stopped:
        echo(f"stopped daemon {_pids(report.stopped)}")
    if report.still_running:
        echo(
            f"still running after {wait:g} s: daemon {_pids(report.still_running)}, asked to "
            "stop (SIGTERM); its log says what it is finishing; wait longer (--wait) or end it "
            "with `kill -9 PID` (a crawl under way is cut short)",
            err=True,
        )
        sys.exit(3)
    if report.refused:
        sys.exit(1)
    if not report.asked:
        echo(
            f"no running daemon for this database ({pidfiles_named(db)} missing or stale)", err=True
        )
        for line in _runners_elsewhere(ctx):
            echo(line, err=True)
        sys.exit(1)


def _runners_elsewhere(ctx: click.Context) -> list[str]:
    """What `veille stop` finding no runner here says of a PostgreSQL database's runners of
    other folders or machines, seen by their sources' locks as `veille status` shows them: it
    stops this folder's only, and a user who ran it in the wrong folder is told where they
    run; nothing on SQLite, whose one runner is the one of the file's pidfile."""
    from crawler.storage.engine import is_postgres_location
    from crawler.storage.store import source_names
    from monitors.cli.options import existing_db
    from monitors.service.runners import runners_report

    location = settings_of(ctx).db
    if not is_postgres_location(location):
        return []
    try:
        database = existing_db(ctx)
        elsewhere = runners_report(location, database, source_names(database))["elsewhere"]
    except Exception as exc:  # the database out of reach: stop's answer stands without them
        why = str(exc) if isinstance(exc, VeilleError) else type(exc).__name__
        return [f"runners of other folders or machines not known: {why}"]
    lines = []
    for h in elsewhere:
        who = f"pid {h['pid']} on {h['host']}" if h["pid"] else "a session of another user"
        lines.append(
            f"daemon elsewhere: {who} (another folder or machine), since "
            f"{h['since'].replace('T', ' ').replace('+00:00', ' UTC') or '?'}, sources: "
            f"{', '.join(h['sources'])}"
        )
    if lines:
        lines.append(
            "not stopped: `veille stop` stops the runners started from this folder only; run "
            "it in their working folder, on their machine (`veille status` lists them)"
        )
    return lines


def _pids(pids: list[int]) -> str:
    return ", ".join(map(str, sorted(pids)))

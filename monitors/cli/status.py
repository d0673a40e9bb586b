"""`veille status`: per source, the last crawl, the articles stored and the last error; the
runners of the database."""

from __future__ import annotations

from dataclasses import asdict
from typing import TYPE_CHECKING

import click

from monitors.cli.options import (
    existing_db,
    settings_of,
)
from monitors.terminal import echo, echo_json

if TYPE_CHECKING:  # the storage layer loads when a command runs, not for `veille --help`
    from crawler.storage.engine import Database
    from monitors.service.status import Status


def _shorten(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def print_status(db: Database, runners: dict | None = None, status: Status | None = None) -> None:
    """`veille status` (and the demo's end): `status` when gathered already, the runners when
    given."""
    from tabulate import tabulate

    from monitors.service.status import extraction_line, gather_status

    status = status or gather_status(db)
    table = [
        [
            s.name,
            (s.last_success_at or "never").replace("T", " "),
            s.articles,
            s.error_count,
            s.pace or "",
            f"{s.retries_waiting}/{s.retries_given_up}",
            _shorten(s.last_error or "", 60),
        ]
        for s in status.sources
    ]
    headers = [
        "source",
        "last success",
        "articles",
        "errors",
        "pace",
        "retry/gave up",
        "last error",
    ]
    echo(tabulate(table, headers=headers))
    for s in status.sources:
        if s.warning:
            echo(f"\nwarning: {s.name}: {s.warning}")
    extraction = [(s.name, line) for s in status.sources if (line := extraction_line(s))]
    if extraction:
        echo("\nnot stored as articles (pages: last 7 days; links: last crawl):")
        for name, line in extraction:
            echo(f"  {name}: {line}")
    cut = [s for s in status.sources if s.last_error and len(s.last_error) > 60]
    if cut:  # the end of an error is often what to do about it
        echo("\nlast errors in full:")
        for s in cut:
            echo(f"  {s.name}: {s.last_error}")
    if status.matches_not_alerted:
        reasons = ", ".join(f"{n} ({why})" for why, n in sorted(status.matches_not_alerted.items()))
        echo(f"\nmatches not alerted in the last 7 days: {reasons}")
    states = ", ".join(f"{k}: {v}" for k, v in sorted(status.deliveries_by_state.items())) or "none"
    echo(
        f"\narticles: {status.articles}   stories: {status.stories} "
        f"({status.stories_in_several_outlets} carried by several outlets)   "
        f"alerts: {status.alerts}   deliveries: {states}"
    )
    if runners is not None:
        print_runners(runners)


def _utc(moment: str) -> str:
    return moment.replace("T", " ").replace("+00:00", " UTC")


def print_runners(runners: dict) -> None:
    """The runners of `runners_report`: those of this folder, the pidfiles dead ones left,
    those of other folders or machines (PostgreSQL)."""
    echo()
    for r in runners["alive"]:
        sources = "not known" if r["sources"] is None else ", ".join(r["sources"]) or "none"
        since = _utc(r["since"])
        echo(f"daemon: pid {r['pid']}, since {since}, sources: {sources} ({r['pidfile']})")
    if not runners["alive"]:
        echo("daemon: none running")
    for s in runners["stale"]:
        left = (
            "empty, left by a daemon that died starting"
            if s["pid"] is None
            else f"daemon {s['pid']} no longer runs"
        )
        echo(
            f"stale pidfile {s['pidfile']}: {left} (`veille stop` removes it, as does the next "
            "daemon started here)"
        )
    for path in runners["unreadable"]:
        echo(f"pidfile {path}: not readable here (another user's daemon)")
    for h in runners["elsewhere"]:
        who = f"pid {h['pid']} on {h['host']}" if h["pid"] else "a session of another user"
        since = _utc(h["since"]) or "?"
        echo(
            f"daemon elsewhere: {who} (another folder or machine), since {since}, sources: "
            f"{', '.join(h['sources'])}"
        )


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.pass_context
def status(ctx: click.Context, as_json: bool) -> None:
    """Per source: last crawl, articles stored, last error; alert deliveries by state; the
    running daemons (on PostgreSQL, those started from this folder with the sources each holds,
    and those of other folders or machines) and the pidfiles of dead ones."""
    from monitors.service.runners import runners_report
    from monitors.service.status import gather_status

    db = existing_db(ctx)
    status = gather_status(db)
    runners = runners_report(settings_of(ctx).db, db, [s.name for s in status.sources])
    if as_json:
        echo_json({**asdict(status), "runners": runners}, ensure_ascii=False, indent=2)
    else:
        print_status(db, runners, status)

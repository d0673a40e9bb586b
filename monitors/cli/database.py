"""Commands that fill or move the database: `veille import` and `veille db copy`."""

from __future__ import annotations

from pathlib import Path

import click

from monitors.cli.options import (
    settings_of,
)
from monitors.terminal import echo, echo_json


@click.command(name="import")
@click.argument("path", type=click.Path(path_type=Path, dir_okay=False))
@click.option(
    "--skip-invalid", is_flag=True, help="Import the valid lines and list the invalid ones."
)
@click.option(
    "--no-alerts",
    is_flag=True,
    help="Store the articles as already matched: searchable and grouped, never alerted on.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.pass_context
def import_command(
    ctx: click.Context, path: Path, skip_invalid: bool, no_alerts: bool, as_json: bool
) -> None:
    """Store the articles of a JSON-lines file (one article per line: url, text, source, and
    title, published, language, author) as a crawl would: deduplicated, grouped into stories.
    Format: docs/stories-and-search.md."""
    from crawler.storage import store
    from crawler.storage.importer import import_file

    settings = settings_of(ctx)
    db = store.open_database(settings.db)
    report = import_file(
        db,
        path,
        skip_invalid=skip_invalid,
        alerts=not no_alerts,
        window_hours=settings.story_window_hours,
    )
    if as_json:
        echo_json(report.as_dict(), ensure_ascii=False, indent=2)
        return
    echo(
        f"{path}: {report.read} read, {report.new} new, {report.duplicates} already stored, "
        f"{report.updated} updated; {report.stories_joined} joined another outlet's story"
    )
    if report.sources_created:
        echo(
            f"new sources (not in the sources file, not crawled): {', '.join(report.sources_created)}"
        )
    if report.undated:
        echo(f"{report.undated} without a published date: grouped and alerted as if published now")
    for cut in report.texts_cut:
        echo(f"cut {cut}", err=True)
    for problem in report.skipped:
        echo(f"skipped {problem}", err=True)
    if report.skipped_total > len(report.skipped):
        echo(f"skipped … and {report.skipped_total - len(report.skipped)} more", err=True)


@click.group()
def db() -> None:
    """The database itself: move it to PostgreSQL."""


@db.command("copy")
@click.argument("source", type=click.Path(path_type=Path, dir_okay=False))
@click.argument("target")
@click.option(
    "--replace",
    "--force",
    "replace",
    is_flag=True,
    help="empty a target that already holds veille's data, then copy",
)
def db_copy(source: Path, target: str, replace: bool) -> None:
    """Copy the SQLite database SOURCE into the PostgreSQL database TARGET (postgresql://…):
    every table, ids kept, counts verified per table, all or nothing. Then run veille with
    --db TARGET (or VEILLE_DB)."""
    from tabulate import tabulate

    from crawler.core.secrets import remember_secret
    from crawler.storage.copy import copy_database
    from crawler.storage.engine import is_postgres_location, location_passwords, mask_location

    if not is_postgres_location(target):
        raise click.UsageError("TARGET must be a postgresql://… location")
    from crawler.core.errors import VeilleError
    from monitors.service.runners import running_daemon

    pid = running_daemon(source)
    if pid is not None:  # what it stores during and after the copy would be crawled again
        raise VeilleError(
            f"a veille daemon (pid {pid}) runs on {source}: stop it first (`kill {pid}`); what "
            "it stores during and after the copy would be missing from PostgreSQL, where the "
            "next crawls would store it again and alert it a second time"
        )
    for password in location_passwords(target):
        remember_secret(password)
    copied = copy_database(source, target, replace=replace)
    echo(
        tabulate(
            [(c.table, c.source_rows, c.target_rows) for c in copied],
            headers=["table", "SQLite rows", "PostgreSQL rows"],
        )
    )
    total = sum(c.target_rows for c in copied)
    echo(f"copied {total} rows in {len(copied)} tables to {mask_location(target)}")

"""`veille demo`: the bundled fixture sites, one cycle against them, and its status."""

from __future__ import annotations

from pathlib import Path

import click

from monitors.cli.status import print_status
from monitors.terminal import echo


@click.command()
@click.option(
    "--dir",
    "workdir",
    type=click.Path(path_type=Path),
    default=Path("data/demo"),
    show_default=True,
)
def demo(workdir: Path) -> None:
    """Serve bundled fixture sites on 127.0.0.1 and run one full cycle against them."""
    from crawler.storage import store
    from monitors.demo.run import run_demo

    echo("Serving the demo sites on 127.0.0.1 and running one cycle…")
    result = run_demo(workdir=workdir)
    db = store.open_database(result.config.settings.db)
    print_status(db)
    echo(
        f"\nDemo done: {result.report.crawl.new_articles} articles stored, "
        f"{result.report.matches.alerts} alerts (printed above). Database: {result.config.settings.db}"
    )
    echo(f"Explore it:  veille --db {result.config.settings.db} status")

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
    from crawler.stories.store import recent_stories
    from monitors.demo.run import run_demo

    echo("Serving the demo sites on 127.0.0.1 and running one cycle…")
    result = run_demo(workdir=workdir)
    location = result.config.settings.db
    db = store.open_database(location)
    try:
        print_status(db)
        told = recent_stories(db, limit=3, min_sources=2)
    finally:
        db.close()
    echo(
        f"\nDemo done: {result.report.crawl.new_articles} articles stored, "
        f"{result.report.matches.alerts} alerts (printed above). Database: {location}"
    )
    for story in told:
        echo(
            f"A story told by {story['sources']} outlets: {story['title']} — "
            f"{story['outlets'].replace(',', ', ')}"
        )
    echo(f"Explore it:  veille --db {location} status   (or stories, search QUERY)")
    echo(
        f"Read it in the reader:  veille --db {location} serve   then open "
        "http://127.0.0.1:8001/ (the stories at http://127.0.0.1:8001/stories/)"
    )

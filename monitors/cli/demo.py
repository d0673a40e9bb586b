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
    help="Folder of the demo's own database, sources and crawl log.",
)
@click.pass_context
def demo(ctx: click.Context, workdir: Path) -> None:
    """Serve bundled fixture sites on 127.0.0.1 and run one full cycle against them."""
    # The demo starts its own database afresh in --dir, with its own sources and watchlists: a
    # --db, --sources or --watchlists given with it would be ignored, and the user would look
    # for the demo's articles where they are not.
    given = [f"--{name}" for name in ("db", "sources", "watchlists") if ctx.obj.flags.get(name)]
    if given:
        raise click.UsageError(
            f"veille demo keeps its own database, sources and watchlists in --dir ({workdir}), "
            f"so {' and '.join(given)} would be ignored: leave {'them' if len(given) > 1 else 'it'}"
            f" out, or choose the folder with --dir. "
            f"Then explore the demo with `veille --db {workdir / 'demo.db'} status`."
        )
    from crawler.storage import store
    from crawler.storage.engine import database_errors
    from crawler.stories.store import recent_stories
    from monitors.demo import run

    echo("Serving the demo sites on 127.0.0.1 and running one cycle…")
    try:
        result = run.run_demo(workdir=workdir)
    except database_errors() as exc:  # a full disk: named with the demo's own database
        raise store.explain_error(workdir / "demo.db", exc) from None
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
            f"{', '.join(story['outlets'])}"
        )
    echo(f"Explore it:  veille --db {location} status   (or stories, search QUERY)")
    echo(
        f"Read it in the reader:  veille --db {location} serve   then open "
        "http://127.0.0.1:8001/ (the stories at http://127.0.0.1:8001/stories/)"
    )

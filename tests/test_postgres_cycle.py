"""End to end on PostgreSQL: `veille --db postgresql://… run --once` over the fixture sites
(crawl in worker processes, store, group into stories, match, alert) stores, groups and alerts
exactly what `veille run --once` does on SQLite."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from crawler.fetching.crawl import DB_VARIABLE, child_command
from crawler.storage import store
from monitors.cli import cli
from monitors.demo.run import LOCAL_CRAWL_SETTINGS
from monitors.demo.sites import DEMO_SITES_ROOT, render_sources, serve_demo_sites, stop_sites

pytestmark = pytest.mark.slow  # end-to-end: real processes (README, "Development")


def cycle(folder, db_location: str):
    """One `veille --db LOCATION run --once` over freshly served fixture sites, with the bundled
    watchlists; what it stored, grouped and alerted."""
    sites = serve_demo_sites()
    try:
        sources = folder / "sources.yaml"
        sources.write_text(
            render_sources(DEMO_SITES_ROOT / "sources.yaml", sites), encoding="utf-8"
        )
        env = {"VEILLE_CRAWL_SETTINGS": json.dumps(LOCAL_CRAWL_SETTINGS)}
        result = CliRunner().invoke(
            cli,
            ["--db", db_location, "--sources", str(sources), "run", "--once"],
            env=env,
            catch_exceptions=False,
        )
    finally:
        stop_sites(sites)
    assert result.exit_code == 0, result.output
    assert "cycle done: 9 new articles" in result.output
    db = store.open_database(db_location)
    story_ids = [row[0] for row in db.execute("SELECT DISTINCT story_id FROM articles")]
    return {
        "articles": sorted(r[0] for r in db.execute("SELECT title FROM articles").fetchall()),
        "stories": sorted(
            sorted(
                r[0]
                for r in db.execute(
                    "SELECT title FROM articles WHERE story_id = ?", (story,)
                ).fetchall()
            )
            for story in story_ids
        ),
        "alerts": sorted(
            tuple(r)
            for r in db.execute(
                "SELECT a.watchlist, ar.title, a.is_update FROM alerts a "
                "JOIN articles ar ON ar.id = a.article_id"
            ).fetchall()
        ),
        "deliveries": sorted(
            tuple(r) for r in db.execute("SELECT channel, state FROM deliveries").fetchall()
        ),
    }


def test_run_once_on_postgresql_stores_groups_and_alerts_what_sqlite_does(tmp_path, postgres_url):
    (tmp_path / "lite").mkdir()
    (tmp_path / "pg").mkdir()
    on_sqlite = cycle(tmp_path / "lite", str(tmp_path / "lite" / "veille.db"))
    # With a password in the location (the suite's server trusts its socket and ignores it):
    # each crawl process gets the location in its environment, its command line masked.
    with_password = postgres_url.replace(
        "postgresql://postgres@", f"postgresql://postgres:{PASSWORD}@"
    )
    on_postgres = cycle(tmp_path / "pg", with_password)
    assert len(on_sqlite["articles"]) == 9 and on_sqlite["alerts"]
    assert on_postgres == on_sqlite


PASSWORD = "Pg-S3cret-pass"


def test_a_crawl_process_command_line_never_shows_the_locations_password(tmp_path):
    """A process's command line is readable by every user of the machine (`ps`): a crawl
    process was started with `--db postgresql://user:PASSWORD@…` in it."""
    location = f"postgresql://veille:{PASSWORD}@db.example.ma/veille"
    command, environment = child_command(location, tmp_path / "sources.yaml", 7)
    assert PASSWORD not in " ".join(command)
    assert "postgresql://veille:***@db.example.ma/veille" in command
    assert environment is not None and environment[DB_VARIABLE] == location
    with_query_mark = "postgresql://veille:Pg?S3cret#pass@db.example.ma/veille"
    command, environment = child_command(with_query_mark, tmp_path / "sources.yaml", 7)
    assert "S3cret" not in " ".join(command)  # the masker stopped at '?' and '#'
    assert environment is not None and environment[DB_VARIABLE] == with_query_mark
    sqlite = tmp_path / "veille.db"  # a file's path stays on the command line, as before
    command, environment = child_command(sqlite, tmp_path / "sources.yaml", 7)
    assert str(sqlite) in command and environment is None

"""End to end on PostgreSQL: a full cycle over the fixture sites (crawl in worker processes,
store, group into stories, match, alert) stores, groups and alerts exactly what the same cycle
does on SQLite."""

from __future__ import annotations

import io

from crawler.storage import store
from monitors.demo.run import console_only
from monitors.demo.sites import DEMO_SITES_ROOT, render_sources, serve_demo_sites, stop_sites
from monitors.service.config import SEEDS_DIR, load_config
from monitors.service.cycle import run_cycle

from .conftest import make_settings


def cycle(folder, **extra):
    sites = serve_demo_sites()
    try:
        sources = folder / "sources.yaml"
        sources.write_text(
            render_sources(DEMO_SITES_ROOT / "sources.yaml", sites), encoding="utf-8"
        )
        settings = make_settings(folder, sources, SEEDS_DIR / "watchlists.yaml", **extra)
        run_cycle(console_only(load_config(settings)), console=io.StringIO())
    finally:
        stop_sites(sites)
    db = store.open_database(settings.db)
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


def test_a_cycle_on_postgresql_stores_groups_and_alerts_what_sqlite_does(tmp_path, postgres_url):
    (tmp_path / "lite").mkdir()
    (tmp_path / "pg").mkdir()
    on_sqlite = cycle(tmp_path / "lite")
    on_postgres = cycle(tmp_path / "pg", db=postgres_url)
    assert len(on_sqlite["articles"]) == 9 and on_sqlite["alerts"]
    assert on_postgres == on_sqlite

"""Article links of one entry point past VEILLE_MAX_ARTICLES_PER_ENTRY: the crawl takes the first
new ones and leaves the rest for later crawls, as documented (a first crawl of a large archive
stays polite). The rest was left without a word: the run's record now counts them
(`links_not_looked_at`) and the crawl log says so, with the setting to raise."""

from __future__ import annotations

import json

import pytest

from crawler.fetching.crawl import crawl
from crawler.storage import store
from monitors.demo.run import LOCAL_CRAWL_SETTINGS

pytestmark = pytest.mark.slow  # a real crawl


def test_links_past_the_entry_points_limit_are_counted_and_said(sites, tmp_path):
    base = sites["lequotidien"].base_url
    sources = tmp_path / "sources.yaml"
    sources.write_text(
        f"sources:\n  - name: lequotidien\n    homepage: {base}/\n    feeds: [{base}/feed/]\n",
        encoding="utf-8",
    )
    crawl(
        tmp_path / "veille.db",
        sources,
        settings=dict(LOCAL_CRAWL_SETTINGS, VEILLE_MAX_ARTICLES_PER_ENTRY=1),
        time_limit=90,
        log_file=tmp_path / "crawl.log",
    )
    log = (tmp_path / "crawl.log").read_text(encoding="utf-8")
    db = store.open_database(tmp_path / "veille.db")
    try:
        stored = db.execute("SELECT count(*) FROM articles").fetchone()[0]
        (stats,) = db.execute("SELECT stats FROM crawl_runs").fetchone()
    finally:
        db.conn.close()
    assert stored == 1, log[-3000:]
    assert json.loads(stats)["lequotidien"]["links_not_looked_at"] == 3  # the feed's other three
    assert "3 further article link(s) not looked at" in log
    assert "VEILLE_MAX_ARTICLES_PER_ENTRY=1" in log

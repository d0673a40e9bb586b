"""A processing stage that fails unexpectedly costs one article one try, visibly: an error row
against its source, the article booked for a later crawl, the entry points' validators not
saved, and the next crawl stores it. Real crawls of the fixture sites on 127.0.0.1."""

from __future__ import annotations

import pytest

from crawler.fetching.crawl import crawl
from crawler.settings import ITEM_PIPELINES
from crawler.storage import store
from monitors.demo.run import LOCAL_CRAWL_SETTINGS

from .conftest import steady_sources

pytestmark = pytest.mark.slow  # end-to-end: real processes (README, "Development")

PAGE = "/2026/11/19/um6p-supercalculateur-benguerir/"


def _crawl(tmp_path, sources, **settings):
    return crawl(
        tmp_path / "veille.db",
        sources,
        settings=dict(LOCAL_CRAWL_SETTINGS, **settings),
        time_limit=90,
        log_file=tmp_path / "crawl.log",
    )


def test_an_unexpected_failure_in_a_stage_is_recorded_and_the_article_fetched_again(
    sites, tmp_path
):
    sources = steady_sources(sites, tmp_path)
    failing = dict(ITEM_PIPELINES, **{"tests.failing_stage.FailOnOnePage": 150})
    first = _crawl(tmp_path, sources, ITEM_PIPELINES=failing, VEILLE_TEST_FAIL_ON=PAGE)
    assert first.new_articles == 8  # every article but the one that failed
    db = store.open_database(tmp_path / "veille.db")
    rows = db.execute(
        "SELECT source, url, message FROM crawl_errors WHERE kind = 'internal-error'"
    ).fetchall()
    assert len(rows) == 1, rows
    source, url, message = rows[0]
    assert source == "lequotidien" and url.endswith(PAGE)
    assert "RuntimeError: cannot process" in message and "fetched again" in message
    assert db.execute("SELECT count(*) FROM entry_state").fetchone()[0] == 0  # no validators
    (state,) = db.execute(
        "SELECT state FROM article_retries WHERE url LIKE ?", [f"%{PAGE}"]
    ).fetchone()
    assert state == "waiting"

    for site in sites.values():
        site.requests.clear()
    second = _crawl(tmp_path, sources)
    assert second.new_articles == 1
    assert (
        db.execute("SELECT count(*) FROM articles WHERE url LIKE ?", [f"%{PAGE}"]).fetchone()[0]
        == 1
    )
    feed = [r for r in sites["lequotidien"].requests if r.path == "/feed/"]
    assert feed and "If-None-Match" not in feed[0].headers  # the listing was read in full
    db.conn.close()

"""The crawl's bookkeeping (crawler.bookkeeping, a Scrapy extension on the crawl's signals):
the run's record, its faults and per-source counts, kept beside the pipelines, which each do
one job; and a crawl that dies before it starts still leaves its fault where `veille status`
shows it."""

from __future__ import annotations

import pytest

from crawler.storage import store
from monitors.demo.run import LOCAL_CRAWL_SETTINGS
from monitors.service.config import load_config
from monitors.service.cycle import run_cycle
from monitors.service.status import gather_status

from .conftest import make_settings


@pytest.mark.slow
def test_a_cycle_whose_crawl_dies_before_it_starts_shows_its_fault_in_status(sites, tmp_path):
    """A cycle run as a library call on a new database (no daemon or `run --once` start-up
    gave the sources their rows first) whose crawl process fails before its spider exists
    (Scrapy finds no spider): the `unfinished` fault is on the source's row, where `veille
    status` reads it, not on a row that does not exist yet."""
    healthy = sites["lequotidien"].base_url
    sources = tmp_path / "sources.yaml"
    sources.write_text(
        f"sources:\n  - name: healthy\n    homepage: {healthy}/\n    feeds: [{healthy}/feed/]\n",
        encoding="utf-8",
    )
    watchlists = tmp_path / "watchlists.yaml"
    watchlists.write_text("watchlists:\n  - name: x\n    terms: [x]\n", encoding="utf-8")
    settings = make_settings(
        tmp_path,
        sources,
        watchlists,
        crawl_settings=dict(LOCAL_CRAWL_SETTINGS, SPIDER_MODULES=["crawler.no_such_module"]),
    )
    report = run_cycle(load_config(settings))
    assert report.crawl.status.startswith("failed (exit")
    assert report.unfinished == ["healthy"]
    db = store.open_database(settings.db)
    by_name = {s.name: s for s in gather_status(db).sources}
    assert by_name["healthy"].last_error is not None
    assert by_name["healthy"].last_error.startswith("unfinished: the crawl (failed (exit")
    assert by_name["healthy"].error_count == 1
    # Where to look: the reason (here Scrapy's "no spider") is in the crawl's output alone.
    assert f"its output is in {settings.crawl_log}" in by_name["healthy"].last_error


def keeper_of(db):
    """The bookkeeping extension on a Scrapy crawler whose spider holds a crawl's journal."""

    from scrapy.utils.test import get_crawler

    from crawler.bookkeeping import CrawlBookkeeping
    from crawler.journal import CrawlJournal

    crawler = get_crawler(settings_dict={"EXTENSIONS": {CrawlBookkeeping: 500}})
    journal = CrawlJournal(db, store.start_run(db, ["site"]), crawler)
    keeper = crawler.get_extension(CrawlBookkeeping)  # held by the crawler, as in a crawl
    keeper.journal = journal  # as the news spider hands it over (crawler.bookkeeping)
    return crawler, journal


def page(n: int, **fields):
    from crawler.items import ArticleItem

    url = f"https://site.ma/article-{n}/"
    return ArticleItem("site", url, "", seen_urls=[url], url=url, **fields)


def test_what_becomes_of_each_article_is_counted_and_recorded_from_the_signals(tmp_path):
    """The pipelines raise or send; the counts, faults and retry book entries are written by
    the extension alone, on Scrapy's own signals."""
    from scrapy import signals
    from twisted.python.failure import Failure

    from crawler.bookkeeping import (
        Declined,
        Duplicate,
        NotStored,
        articles_not_stored,
        articles_stored,
    )

    db = store.open_database(tmp_path / "v.db")
    store.add_sources(db, ["site"])
    crawler, journal = keeper_of(db)
    send = crawler.signals.send_catch_log

    declined = Declined("not an article: menu", "not-article", "menu", ("too-complex", "deep"))
    send(signals.item_dropped, item=page(1), response=None, exception=declined, spider=None)
    send(
        signals.item_dropped, item=page(2), response=None, exception=Duplicate("of 7"), spider=None
    )
    try:
        raise KeyError("title")
    except KeyError:
        failure = Failure()
    send(signals.item_error, item=page(3), response=None, spider=None, failure=failure)
    noted = page(4, update_of=9, notes=[("navigation-text", "reads like a menu")])
    send(signals.item_scraped, item=noted, response=None, spider=None)
    send(articles_stored, stored=[(page(5), 11, True), (page(6), 11, False)])
    send(articles_not_stored, items=[page(7)], error="database is locked")
    send(
        signals.item_dropped, item=page(8), response=None, exception=NotStored("full"), spider=None
    )

    counts = journal.counts("site")
    assert (counts["new"], counts["duplicates"], counts["updated"]) == (1, 2, 1)
    assert counts["errors"] == 6  # declined, too complex, internal error, note, 2 not stored
    kinds = sorted(kind for (kind,) in db.execute("SELECT kind FROM crawl_errors"))
    assert kinds == [
        "internal-error",
        "navigation-text",
        "not-article",
        "store",
        "store",
        "too-complex",
    ]
    booked = dict(db.execute("SELECT url, kind FROM article_retries").fetchall())
    assert booked == {
        "https://site.ma/article-1/": "not-article",
        "https://site.ma/article-3/": "internal-error",
    }
    assert journal.articles_lost  # an internal error or a refused write: listings come again
    assert noted.notes == []  # recorded once

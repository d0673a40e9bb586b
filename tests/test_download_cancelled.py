"""A cancelled download says why: the size limit (announced or not), or the crawl being stopped;
never "download cancelled ()". A real crawl of a hostile site on 127.0.0.1."""

from __future__ import annotations

import pytest
from scrapy.exceptions import DownloadCancelledError
from twisted.python.failure import Failure

from crawler.fetching.crawl import crawl
from crawler.spiders.news import describe_failure
from crawler.storage import store
from monitors.demo.run import LOCAL_CRAWL_SETTINGS

from .hostile import HostileSite

pytestmark = pytest.mark.slow  # end-to-end: real processes (README, "Development")


@pytest.fixture
def hostile():
    site = HostileSite()
    yield site
    site.stop()


def test_a_page_over_the_size_limit_is_recorded_with_the_limit(hostile, tmp_path):
    base = hostile.base_url
    sources = tmp_path / "sources.yaml"
    sources.write_text(
        f"sources:\n  - name: hostile\n    homepage: {base}/\n    feeds: [{base}/huge-feed]\n",
        encoding="utf-8",
    )
    settings = dict(LOCAL_CRAWL_SETTINGS, DOWNLOAD_MAXSIZE=1_000_000)
    result = crawl(tmp_path / "v.db", sources, settings=settings, time_limit=60)
    assert result.status == "finished"
    db = store.open_database(tmp_path / "v.db")
    errors = {
        url.removeprefix(base): (kind, message)
        for url, kind, message in db.execute("SELECT url, kind, message FROM crawl_errors")
    }
    kind, message = errors["/huge-unannounced"]
    assert kind == "too-large" and "()" not in message
    assert "grew past the size limit (1,000,000 bytes, DOWNLOAD_MAXSIZE)" in message
    kind, message = errors["/huge"]  # announced: Scrapy's own words, with the sizes
    assert kind == "too-large" and "larger than download max size (1000000)" in message
    db.conn.close()


def test_a_download_cancelled_by_a_stopping_crawl_says_so():
    failure = Failure(DownloadCancelledError())
    assert describe_failure(failure, 10_000_000, "time limit") == (
        "stopped",
        "download cancelled: the crawl was stopped (time limit)",
    )

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

"""A crawl veille started never makes its database: its run is recorded in that database before
the crawl's process starts, so a file gone by the time the process opens it (moved away or
deleted under a running daemon) was made again empty there, and crawled into from scratch, with
every recent article alerted a second time."""

from __future__ import annotations

import pytest

from crawler.fetching.crawl import crawl
from crawler.storage import store
from monitors.demo.run import LOCAL_CRAWL_SETTINGS

pytestmark = pytest.mark.slow  # end-to-end: a real crawl process (README, "Development")


def test_a_crawl_whose_database_is_gone_makes_no_new_one(tmp_path):
    sources = tmp_path / "sources.yaml"
    sources.write_text(
        "sources:\n  - name: a\n    homepage: http://127.0.0.1:9/\n"
        "    feeds: [http://127.0.0.1:9/feed]\n",
        encoding="utf-8",
    )
    kept = store.open_database(tmp_path / "kept.db")  # where the run is recorded
    gone = tmp_path / "gone.db"  # the path the crawl's process is given: not there any more
    try:
        result = crawl(gone, sources, settings=dict(LOCAL_CRAWL_SETTINGS), time_limit=60, db=kept)
    finally:
        kept.close()
    assert not gone.exists(), "the crawl made a new, empty database where the team's was"
    assert result.status != "finished"

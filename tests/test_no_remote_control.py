"""No crawl opens a remote control: Scrapy's telnet console and its HTTP server that runs the
Python it is sent (on by default in Scrapy 2.19) stay off, in a crawl process of its own and in
the daemon's crawl workers. Real crawls of the fixture sites on 127.0.0.1."""

from __future__ import annotations

import re

import pytest

from crawler.fetching.crawl import crawl
from crawler.fetching.workers import WorkerPool
from monitors.demo.run import LOCAL_CRAWL_SETTINGS

from .conftest import steady_sources

pytestmark = pytest.mark.slow  # end-to-end: real processes (README, "Development")


def _enabled_extensions(log: str) -> list[str]:
    lists = re.findall(r"Enabled extensions:\n(\[.*?\])", log, flags=re.S)
    assert lists, "the crawl log lists no extensions"
    return lists


def test_no_crawl_starts_a_remote_control(sites, tmp_path, monkeypatch):
    state = tmp_path / "state"  # where Scrapy writes a job file per remote-controlled crawl
    monkeypatch.setenv("XDG_STATE_HOME", str(state))
    sources = steady_sources(sites, tmp_path)

    alone = crawl(
        tmp_path / "a.db",
        sources,
        settings=LOCAL_CRAWL_SETTINGS,
        time_limit=90,
        log_file=tmp_path / "alone.log",
    )
    assert alone.status == "finished" and alone.new_articles == 9
    pool = WorkerPool(dict(LOCAL_CRAWL_SETTINGS), log_file=tmp_path / "pool.log", size=1).start()
    try:
        in_worker = pool.crawl(tmp_path / "w.db", sources, time_limit=90)
    finally:
        pool.stop(grace=5)
    assert in_worker.status == "finished" and in_worker.new_articles == 9

    for log in ("alone.log", "pool.log"):
        for extensions in _enabled_extensions((tmp_path / log).read_text(encoding="utf-8")):
            assert "RemoteControl" not in extensions and "Telnet" not in extensions, extensions
            assert "CrawlBookkeeping" in extensions  # the list read is the real one
    assert not list(state.rglob("*.json"))  # no job file left by a remote control server

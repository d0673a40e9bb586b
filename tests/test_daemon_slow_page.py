"""The real daemon, one crawl worker, a source serving the 300 KB page of issue 23 and a page
past the extraction budget, and two healthy sources: the healthy sources keep crawling."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time

import pytest

from crawler.storage import store
from monitors.demo.run import LOCAL_CRAWL_SETTINGS

from .hostile_pages import PageSite, json_ld_author_of_separators, republication_lines
from .waiting import wait_until

pytestmark = pytest.mark.slow  # end-to-end: real processes (README, "Development")


def test_slow_pages_never_stop_the_healthy_sources_of_a_daemon(sites, tmp_path):
    hostile = PageSite(
        {"/quadratic": republication_lines(), "/slow": json_ld_author_of_separators()}
    )
    quotidien, khabar = sites["lequotidien"].base_url, sites["alkhabar"].base_url
    sources = tmp_path / "sources.yaml"
    sources.write_text(
        "sources:\n"
        f"  - name: hostile\n    homepage: {hostile.base_url}/\n"
        f"    feeds: [{hostile.base_url}/feed]\n    interval_minutes: 0.1\n"
        f"  - name: lequotidien\n    homepage: {quotidien}/\n    feeds: [{quotidien}/feed/]\n"
        "    interval_minutes: 0.1\n"
        f"  - name: alkhabar\n    homepage: {khabar}/\n    feeds: [{khabar}/feed]\n"
        "    interval_minutes: 0.1\n",
        encoding="utf-8",
    )
    watchlists = tmp_path / "watchlists.yaml"
    watchlists.write_text(
        "watchlists:\n  - name: maroc\n    query: Maroc\n    notify: [console]\n", encoding="utf-8"
    )
    env = dict(
        os.environ,
        VEILLE_DB=str(tmp_path / "v.db"),
        VEILLE_SOURCES=str(sources),
        VEILLE_WATCHLISTS=str(watchlists),
        VEILLE_CRAWL_WORKERS="1",  # every crawl shares the worker that meets the slow pages
        VEILLE_CRAWL_SETTINGS=json.dumps(dict(LOCAL_CRAWL_SETTINGS, VEILLE_EXTRACTION_SECONDS=15)),
    )
    log = tmp_path / "daemon.log"

    def finished_cycles(name: str) -> int:
        text = log.read_text(encoding="utf-8", errors="replace")
        return len(re.findall(rf"cycle run=\d+ sources={name} status=finished", text))

    with open(log, "wb") as out:
        daemon = subprocess.Popen(
            [sys.executable, "-m", "monitors.cli", "run"], env=env, stdout=out, stderr=out
        )
        try:
            wait_until(lambda: "/quadratic" in hostile.hits, "the 300 KB page's request")
            # From here, the worker extracts the 300 KB page (459 s in its reactor thread, before:
            # silent, it was killed after 60 s with the healthy crawls it carried).
            before = {n: finished_cycles(n) for n in ("lequotidien", "alkhabar")}
            deadline = time.monotonic() + 120  # a loaded machine only makes it slower
            while time.monotonic() < deadline and any(
                finished_cycles(n) < before[n] + 2 for n in before
            ):
                time.sleep(0.3)
            after = {n: finished_cycles(n) for n in before}
            # The hostile source's crawl ends once the slow page is past its 15 s budget.
            wait_until(lambda: finished_cycles("hostile") >= 1, "the hostile source's crawl")
        finally:
            daemon.terminate()
            daemon.wait(timeout=30)
            hostile.stop()
    text = log.read_text(encoding="utf-8", errors="replace")
    assert all(after[n] >= before[n] + 2 for n in before), (before, after, text[-3000:])
    assert "silent for" not in text, text[-3000:]  # the worker never went quiet
    db = store.open_database(tmp_path / "v.db")
    kinds = db.execute("SELECT kind, url FROM crawl_errors WHERE source = 'hostile'").fetchall()
    assert kinds == [("too-slow", f"{hostile.base_url}/slow")], kinds
    assert hostile.hits.count("/slow") == 1 and hostile.hits.count("/quadratic") == 1
    stored = {url for (url,) in db.execute("SELECT url FROM articles WHERE source = 'hostile'")}
    assert stored == {f"{hostile.base_url}/quadratic"}

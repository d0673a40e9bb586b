"""The real daemon beside three sites that hang: a healthy source is still crawled on its
schedule and its alerts are delivered while the hanging crawls hold their processes."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time

import pytest

from crawler.storage import store

from .hostile import HostileSite

pytestmark = pytest.mark.slow  # end-to-end: real processes (README, "Development")


def hang_hits(hanging: list[HostileSite]) -> int:
    return sum(site.hits.count("/hang") for site in hanging)


def test_three_hanging_sites_hold_up_neither_a_healthy_source_nor_delivery(sites, tmp_path):
    hanging = [HostileSite() for _ in range(3)]  # three sites (each its own politeness)
    healthy = sites["lequotidien"].base_url
    sources = tmp_path / "sources.yaml"
    sources.write_text(
        "sources:\n"
        f"  - name: healthy\n    homepage: {healthy}/\n    feeds: [{healthy}/feed/]\n"
        "    interval_minutes: 0.1\n"
        + "".join(
            f"  - name: hang{i}\n    homepage: {site.base_url}/\n"
            f"    feeds: [{site.base_url}/hang]\n    interval_minutes: 0.1\n"
            for i, site in enumerate(hanging)
        ),
        encoding="utf-8",
    )
    watchlists = tmp_path / "watchlists.yaml"
    watchlists.write_text(
        "watchlists:\n  - name: maroc\n    query: 'Maroc OR marocain OR Rabat'\n"
        "    notify: [console]\n",
        encoding="utf-8",
    )
    env = dict(
        os.environ,
        VEILLE_DB=str(tmp_path / "v.db"),
        VEILLE_SOURCES=str(sources),
        VEILLE_WATCHLISTS=str(watchlists),
        VEILLE_DELIVER_EVERY_SECONDS="2",
        VEILLE_CRAWL_TIME_LIMIT="600",
        VEILLE_CRAWL_SETTINGS=json.dumps(
            {"VEILLE_ALLOWED_NETWORKS": ["127.0.0.0/8"], "DOWNLOAD_TIMEOUT": 600}
        ),
    )
    log = tmp_path / "daemon.log"
    with open(log, "wb") as out:
        daemon = subprocess.Popen(
            [sys.executable, "-m", "monitors.cli", "run"], env=env, stdout=out, stderr=out
        )
        try:

            def healthy_cycles() -> int:
                text = log.read_text(encoding="utf-8", errors="replace")
                return len(re.findall(r"cycle run=\d+ sources=healthy status=finished", text))

            deadline = time.monotonic() + 120
            while hang_hits(hanging) < 3 and time.monotonic() < deadline:
                time.sleep(0.2)
            before = healthy_cycles()  # from here the three hanging crawls hold their processes
            while healthy_cycles() < before + 2 and time.monotonic() < deadline:
                time.sleep(0.3)
            after = healthy_cycles()
        finally:
            daemon.terminate()
            daemon.wait(timeout=60)
            for site in hanging:
                site.stop()
    text = log.read_text(encoding="utf-8", errors="replace")
    assert hang_hits(hanging) == 3, text[-3000:]  # three crawls hanging at once
    assert after >= before + 2, text[-3000:]  # a whole healthy crawl while they hung
    before_stop = text.split("stopping (signal", 1)[0]
    assert not re.search(r"cycle run=\d+ sources=hang", before_stop)  # none finished meanwhile
    db = store.open_database(tmp_path / "v.db")
    states = dict(db.execute("SELECT state, count(*) FROM deliveries GROUP BY state").fetchall())
    assert states.get("sent", 0) >= 1 and not states.get("pending"), states

"""`veille run --once` at its time limit, as a cron job runs it: a site that never answers must
not silence the alerts of the healthy sources crawled beside it, and the run must say what it
did not finish (its exit status, its summary, `unfinished` errors on those sources only)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import pytest

from crawler.storage import store
from monitors.demo.run import LOCAL_CRAWL_SETTINGS

from .conftest import ROOMY_TIME_LIMIT
from .hostile import HostileSite
from .servers import SmtpServer, free_port

WATCHLISTS = """channels:
  email: {{url: "mailto://127.0.0.1:{port}?from=veille@example.ma&to=a@example.ma"}}
watchlists:
  - name: maroc
    title: Maroc
    query: 'Maroc OR marocain OR Rabat'
    notify: [email]
"""


def once(env: dict, cwd) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "monitors.cli", "run", "--once"],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.mark.parametrize("download_timeout", [600, ROOMY_TIME_LIMIT + 3])
def test_a_hanging_site_at_the_time_limit_still_lets_the_healthy_alerts_out(
    sites, tmp_path, download_timeout
):
    """The hanging download outlasts the crawl's process (600 s: it is killed), or ends soon
    after the time limit (3 s after: the crawl closes by itself, as a shutdown used to)."""
    hanging = HostileSite()
    smtp = SmtpServer(free_port()).start()
    healthy = sites["lequotidien"].base_url
    sources = tmp_path / "sources.yaml"
    sources.write_text(
        "sources:\n"
        f"  - name: healthy\n    homepage: {healthy}/\n    feeds: [{healthy}/feed/]\n"
        f"  - name: hanging\n    homepage: {hanging.base_url}/\n"
        f"    feeds: [{hanging.base_url}/hang]\n",
        encoding="utf-8",
    )
    watchlists = tmp_path / "watchlists.yaml"
    watchlists.write_text(WATCHLISTS.format(port=smtp.port), encoding="utf-8")
    env = dict(
        os.environ,
        VEILLE_DB=str(tmp_path / "v.db"),
        VEILLE_SOURCES=str(sources),
        VEILLE_WATCHLISTS=str(watchlists),
        VEILLE_CRAWL_TIME_LIMIT=str(ROOMY_TIME_LIMIT),  # room for a slow start on a busy machine
        VEILLE_CRAWL_SETTINGS=json.dumps(
            dict(LOCAL_CRAWL_SETTINGS, DOWNLOAD_TIMEOUT=download_timeout)
        ),
    )
    started = time.monotonic()
    try:
        result = once(env, tmp_path)
        took = time.monotonic() - started
    finally:
        hanging.stop()
        smtp.stop()
    assert "/hang" in hanging.hits  # the site did hang the crawl
    assert took < 300, took  # the time limit and its grace, not the ten-minute download
    # The healthy source's two alerts went out by real SMTP, each once.
    subjects = sorted(m["Subject"] for m in smtp.messages)
    assert len(subjects) == 2 and all(s.startswith("[veille] Maroc : ") for s in subjects)
    assert len(set(subjects)) == 2
    # The summary counts what was stored and the fault; the exit status says "not finished".
    assert result.returncode == 3, result.stdout + result.stderr[-3000:]
    assert "stopped before these sources were done: hanging;" in result.stderr
    db = store.open_database(tmp_path / "v.db")
    assert db.execute("SELECT status, new_articles FROM crawl_runs").fetchall() == [
        ("stopped: time limit", 4)
    ]
    # 'unfinished' on the hanging source only (and its download's timeout, when it came
    # before the crawl's process ended); the summary counts every recorded fault.
    errors = db.execute("SELECT source, kind FROM crawl_errors").fetchall()
    assert ("hanging", "unfinished") in errors and {s for s, _ in errors} == {"hanging"}
    assert (
        f"cycle done: 4 new articles, 2 matches, 2 alerts, 2 sent, {len(errors)} errors"
        in result.stdout
    )
    paces = dict(db.execute("SELECT name, pace FROM sources").fetchall())
    assert paces == {"healthy": "normal", "hanging": "backing off after 1 failed crawl(s)"}
    assert dict(db.execute("SELECT state, count(*) FROM deliveries GROUP BY state")) == {"sent": 2}


def test_a_crawl_that_dies_before_it_starts_leaves_its_faults_on_sources_status_shows(
    sites, tmp_path
):
    """A crawl process that fails before its spider registered the sources (here Scrapy finds
    no spider): the `unfinished` errors land on source rows that exist, so `veille status`
    shows them, and the exit status says the run did not finish."""
    healthy = sites["lequotidien"].base_url
    sources = tmp_path / "sources.yaml"
    sources.write_text(
        f"sources:\n  - name: healthy\n    homepage: {healthy}/\n    feeds: [{healthy}/feed/]\n",
        encoding="utf-8",
    )
    watchlists = tmp_path / "watchlists.yaml"
    watchlists.write_text("watchlists:\n  - name: x\n    terms: [x]\n", encoding="utf-8")
    env = dict(
        os.environ,
        VEILLE_DB=str(tmp_path / "v.db"),
        VEILLE_SOURCES=str(sources),
        VEILLE_WATCHLISTS=str(watchlists),
        VEILLE_CRAWL_SETTINGS=json.dumps(
            dict(LOCAL_CRAWL_SETTINGS, SPIDER_MODULES=["crawler.no_such_module"])
        ),
    )
    result = once(env, tmp_path)
    assert result.returncode == 3, result.stdout + result.stderr[-3000:]
    status = subprocess.run(
        [sys.executable, "-m", "monitors.cli", "status", "--json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    by_name = {s["name"]: s for s in json.loads(status.stdout)["sources"]}
    assert by_name["healthy"]["last_error"].startswith("unfinished: the crawl (failed (exit")

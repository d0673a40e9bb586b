"""A cycle at its time limit, as `veille run --once` runs it from cron: a site that never
answers must not silence the alerts of the healthy sources crawled beside it, and the run must
say what it did not finish (its exit status, its summary, `unfinished` errors on those sources
only). The time limit comes at an event (the healthy source stored, only the hanging download
left), never after guessed seconds that a busy machine can overrun."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from crawler.storage import store
from monitors.demo.run import LOCAL_CRAWL_SETTINGS
from monitors.service.config import load_config
from monitors.service.cycle import run_cycle

from .conftest import make_settings
from .hostile import HostileSite
from .servers import SmtpServer
from .waiting import EventClock

pytestmark = pytest.mark.slow  # end-to-end: real processes (README, "Development")

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


def _count(db_path, sql: str) -> int:
    db = store.open_database(db_path)
    try:
        return db.execute(sql).fetchone()[0]
    finally:
        db.close()


@pytest.mark.parametrize("download", ["outlasts the crawl", "ends in the grace"])
def test_a_hanging_site_at_the_time_limit_still_lets_the_healthy_alerts_out(
    sites, tmp_path, download
):
    """The hanging download outlasts the crawl's process (it is killed once it recorded its
    run), or ends after the time limit, before the process is killed (the crawl closes by
    itself, as a shutdown used to)."""
    hanging = HostileSite()
    smtp = SmtpServer().start()
    healthy = sites["lequotidien"].base_url
    sources = tmp_path / "sources.yaml"
    sources.write_text(
        "sources:\n"
        f"  - name: healthy\n    homepage: {healthy}/\n    feeds: [{healthy}/feed/]\n"
        f"  - name: hanging\n    homepage: {hanging.base_url}/\n"
        f"    feeds: [{hanging.base_url}/held]\n",
        encoding="utf-8",
    )
    watchlists = tmp_path / "watchlists.yaml"
    watchlists.write_text(WATCHLISTS.format(port=smtp.port), encoding="utf-8")
    settings = make_settings(
        tmp_path,
        sources,
        watchlists,
        crawl_time_limit=900,
        crawl_settings=dict(LOCAL_CRAWL_SETTINGS, DOWNLOAD_TIMEOUT=600),
    )
    db_path = settings.db

    def time_up() -> bool:  # the healthy source's four articles stored, the feed held
        return "/held" in hanging.hits and _count(db_path, "SELECT count(*) FROM articles") >= 4

    def recorded() -> bool:
        sql = "SELECT count(*) FROM crawl_runs WHERE finished_at IS NOT NULL"
        if _count(db_path, sql) == 0:
            return False
        if download == "ends in the grace":
            hanging.released.set()  # the download ends; the crawl closes by itself
            return False  # its grace lasts until it has
        return True

    clock = EventClock(time_up, recorded)
    try:
        report = run_cycle(load_config(settings), clock=clock)
    finally:
        hanging.stop()
        smtp.stop()
    # Killed at the end of its grace, or closed by itself within it.
    assert clock.passed == (2 if download == "outlasts the crawl" else 1)
    # The healthy source's two alerts went out by real SMTP, each once.
    subjects = sorted(m["Subject"] for m in smtp.messages)
    assert len(subjects) == 2 and all(s.startswith("[veille] Maroc : ") for s in subjects)
    assert len(set(subjects)) == 2
    assert report.unfinished == ["hanging"] and report.crawl.status == "stopped: time limit"
    assert (report.crawl.new_articles, report.matches.matches, report.deliveries.sent) == (4, 2, 2)
    db = store.open_database(db_path)
    assert db.execute("SELECT status, new_articles FROM crawl_runs").fetchall() == [
        ("stopped: time limit", 4)
    ]
    # 'unfinished' on the hanging source only (and its download's end, when it came before
    # the crawl's process ended); the report counts every recorded fault.
    errors = db.execute("SELECT source, kind FROM crawl_errors").fetchall()
    assert ("hanging", "unfinished") in errors and {s for s, _ in errors} == {"hanging"}
    assert report.crawl.errors == len(errors)
    paces = dict(db.execute("SELECT name, pace FROM sources").fetchall())
    assert paces == {"healthy": "normal", "hanging": "backing off after 1 failed crawl(s)"}
    assert dict(db.execute("SELECT state, count(*) FROM deliveries GROUP BY state")) == {"sent": 2}


def test_run_once_stopped_at_its_time_limit_says_so_and_exits_3(tmp_path):
    """The command line's side, with a real limit of one second: the one source never answers,
    so however slow the start, it is not done when the limit comes (an outcome that does not
    depend on the machine's speed)."""
    hanging = HostileSite()
    env = one_source_env(
        tmp_path,
        "hanging",
        hanging.base_url,
        f"{hanging.base_url}/hang",
        VEILLE_CRAWL_TIME_LIMIT="1",
        VEILLE_CRAWL_SETTINGS=json.dumps(dict(LOCAL_CRAWL_SETTINGS, DOWNLOAD_TIMEOUT=600)),
    )
    try:
        result = once(env, tmp_path)
    finally:
        hanging.stop()
    assert result.returncode == 3, result.stdout + result.stderr[-3000:]
    assert "stopped before these sources were done: hanging;" in result.stderr
    assert "VEILLE_CRAWL_TIME_LIMIT sets the limit" in result.stderr
    db = store.open_database(tmp_path / "v.db")
    errors = db.execute("SELECT source, kind FROM crawl_errors").fetchall()
    assert ("hanging", "unfinished") in errors
    assert f"cycle done: 0 new articles, 0 matches, 0 alerts, 0 sent, {len(errors)} errors" in (
        result.stdout
    )
    (status,) = db.execute("SELECT status FROM crawl_runs").fetchone()
    assert status in {"stopped: time limit", "killed (time limit)"}, status


def test_a_crawl_that_dies_before_it_starts_leaves_its_faults_on_sources_status_shows(
    sites, tmp_path
):
    """A crawl process that fails before its spider registered the sources (here Scrapy finds
    no spider): the `unfinished` errors land on source rows that exist, so `veille status`
    shows them, and the exit status says the run did not finish."""
    healthy = sites["lequotidien"].base_url
    env = one_source_env(
        tmp_path,
        "healthy",
        healthy,
        f"{healthy}/feed/",
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


def one_source_env(
    tmp_path, name: str, homepage: str, feed: str, **variables: str
) -> dict[str, str]:
    """The environment of a `veille run --once` over one source and a one-term watchlist,
    written in `tmp_path`, with the database there too; `variables` added."""
    sources = tmp_path / "sources.yaml"
    sources.write_text(
        f"sources:\n  - name: {name}\n    homepage: {homepage}/\n    feeds: [{feed}]\n",
        encoding="utf-8",
    )
    watchlists = tmp_path / "watchlists.yaml"
    watchlists.write_text("watchlists:\n  - name: x\n    terms: [x]\n", encoding="utf-8")
    return dict(
        os.environ,
        VEILLE_DB=str(tmp_path / "v.db"),
        VEILLE_SOURCES=str(sources),
        VEILLE_WATCHLISTS=str(watchlists),
        **variables,
    )

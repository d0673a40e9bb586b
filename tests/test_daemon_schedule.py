"""The daemon's schedule under hanging sites: crawls have their own threads, delivery runs on
time, and /health says when delivery is late or a crawl is stuck."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta

import pytest

from monitors.alerts.delivery import DeliveryReport
from monitors.alerts.outbox import MatchReport
from monitors.service import daemon as daemon_module
from monitors.service.config import load_config
from monitors.service.cycle import CycleReport
from monitors.service.daemon import Daemon, DaemonState
from monitors.service.health import health_report

from .conftest import make_settings
from .waiting import wait_until

SOURCES = """sources:
{entries}"""


@pytest.mark.slow
def test_hanging_crawls_never_hold_up_delivery_or_a_healthy_source(tmp_path, monkeypatch):
    """Three sources whose crawls hang, a healthy one due every 6 seconds and delivery every
    second: while the three hang, the healthy source is crawled again and delivery runs again
    and again. The crawls are stood in for by blocking calls: what is tested is the scheduler's
    use of its threads, not the crawler's time-outs. Events are waited for, not timed: on a
    busy machine a run may come late (and a late one be coalesced), but with the threads
    shared, none would come at all while the crawls hang."""
    entries = (
        "  - name: healthy\n    homepage: https://ok.example.ma/\n"
        "    feeds: [https://ok.example.ma/feed]\n    interval_minutes: 0.1\n"
    ) + "".join(
        f"  - name: hanging{i}\n    homepage: https://hang{i}.example.ma/\n"
        f"    feeds: [https://hang{i}.example.ma/feed]\n    interval_minutes: 0.1\n"
        for i in range(3)
    )
    sources = tmp_path / "sources.yaml"
    sources.write_text(SOURCES.format(entries=entries), encoding="utf-8")
    watchlists = tmp_path / "watchlists.yaml"
    watchlists.write_text("watchlists:\n  - name: x\n    terms: [x]\n", encoding="utf-8")
    config = load_config(
        make_settings(tmp_path, sources, watchlists, deliver_every_seconds=1, crawl_time_limit=1)
    )
    release = threading.Event()
    crawling: list[str] = []
    hung_crawls_done: list[str] = []
    delivered: list[float] = []

    healthy: list[float] = []

    def hanging_cycle(config, only, console=None, **_pool_options):
        if only[0] == "healthy":
            healthy.append(time.monotonic())
            return CycleReport(None, MatchReport(), DeliveryReport())
        crawling.append(only[0])
        release.wait(300)  # past any wait below: only the test's release ends it
        hung_crawls_done.append(only[0])
        return CycleReport(None, MatchReport(), DeliveryReport())

    monkeypatch.setattr(daemon_module, "run_cycle", hanging_cycle)
    monkeypatch.setattr(daemon_module, "is_due", lambda db, name, now: True)
    monkeypatch.setattr(
        daemon_module,
        "match_and_deliver",
        lambda config, console=None, db=None: delivered.append(time.monotonic()),
    )
    daemon = Daemon(config)
    daemon.schedule_jobs()
    runner = threading.Thread(target=daemon.scheduler.start, daemon=True)
    runner.start()
    try:
        wait_until(lambda: len(set(crawling)) == 3, "the three hanging crawls to start")
        all_hung = time.monotonic()  # from here every crawl of a hanging site is stuck
        wait_until(
            lambda: any(t > all_hung for t in healthy), "a crawl of the healthy source meanwhile"
        )
        wait_until(
            lambda: len([t for t in delivered if t > all_hung]) >= 3, "three deliveries meanwhile"
        )
        running = set(crawling)
        still_hanging = not hung_crawls_done
        report_problems = daemon.state.problems(now=datetime.now(UTC) + timedelta(seconds=61))
    finally:
        daemon._stopping.set()  # jobs still queued return at once
        release.set()
        daemon.scheduler.shutdown(wait=True)
    assert running == {"hanging0", "hanging1", "hanging2"} and still_hanging
    assert any("running for" in p and "time limit 1 s" in p for p in report_problems)


def test_health_reports_a_late_delivery_and_a_stuck_crawl(db_location):
    state = DaemonState(deliver_every=60, crawl_time_limit=900)
    assert health_report(db_location, state)["status"] == "ok"
    long_ago = datetime.now(UTC) - timedelta(hours=1)
    state.delivered_at = long_ago
    state.crawls["le360"] = long_ago
    report = health_report(db_location, state)
    assert report["status"] == "degraded"
    assert any(p.startswith("delivery has not run for") for p in report["problems"])
    assert any(p.startswith("crawl of le360 running for") for p in report["problems"])


def _config(tmp_path, interval: str):
    sources = tmp_path / "sources.yaml"
    sources.write_text(
        "sources:\n"
        f"  - name: le360\n    homepage: https://fr.le360.ma/\n    feeds: [https://fr.le360.ma/rss]\n"
        f"    interval_minutes: {interval}\n"
        "  - name: medias24\n    homepage: https://medias24.com/\n    feeds: [https://medias24.com/feed/]\n",
        encoding="utf-8",
    )
    watchlists = tmp_path / "watchlists.yaml"
    watchlists.write_text("watchlists:\n  - name: x\n    terms: [x]\n", encoding="utf-8")
    return make_settings(tmp_path, sources, watchlists)


def _jobs(daemon) -> dict[str, float]:
    return {
        job.id: job.trigger.interval.total_seconds()
        for job in daemon.scheduler.get_jobs()
        if job.id.startswith("crawl:")
    }


def test_a_reload_applies_whole_or_not_at_all(tmp_path, monkeypatch, caplog):
    settings = _config(tmp_path, "30")
    daemon = Daemon(load_config(settings))
    daemon.schedule_jobs()
    before = _jobs(daemon)
    assert before == {"crawl:le360": 1800.0, "crawl:medias24": 1800.0}

    _config(tmp_path, ".inf")  # refused by validation: nothing changes
    daemon._reload()
    assert _jobs(daemon) == before
    assert "interval_minutes must be a number of minutes from 0.1" in caplog.text

    _config(tmp_path, "10")  # valid, but rescheduling fails half-way: rolled back
    original = daemon._schedule_source
    calls = []

    def failing(source, index):
        calls.append(source.name)
        if len(calls) == 1:
            raise RuntimeError("scheduler refused the job")
        return original(source, index)

    monkeypatch.setattr(daemon, "_schedule_source", failing)
    daemon._reload()
    assert _jobs(daemon) == before and daemon.config.sources.by_name("le360").interval_minutes == 30
    assert "keeping the current configuration" in caplog.text

    monkeypatch.setattr(daemon, "_schedule_source", original)
    daemon._reload()  # the same valid file, applied whole this time
    assert _jobs(daemon)["crawl:le360"] == 600.0


def test_a_delivery_job_that_fails_is_not_counted_as_run(tmp_path):
    """The match and deliver job fails at every run (here the database refuses to mark an
    article matched, as a full disk would): /health said nothing, the failed run counting as
    one that ran. It says delivery has not completed since the daemon started an hour ago,
    and why its last run failed; a run that goes through clears it."""
    import sqlite3

    from crawler.core.normalize import content_hash
    from crawler.storage import store

    config = load_config(_config(tmp_path, "30"))
    db = store.open_database(config.settings.db)
    db.execute("INSERT INTO sources(name) VALUES ('le360')")
    text = "Un article du jour. " * 20
    store.store_articles(
        db,
        [
            store.StoredArticle(
                "le360", "https://fr.le360.ma/1", "Titre", None, None, "fr", None, None,
                text, content_hash(text),
            )
        ],
    )  # fmt: skip
    db.close()
    conn = sqlite3.connect(config.settings.db)
    with conn:
        conn.execute(
            "CREATE TRIGGER refused BEFORE UPDATE OF matched_at ON articles "
            "BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END"
        )
    conn.close()
    daemon = Daemon(config)
    daemon.state.started_at = datetime.now(UTC) - timedelta(hours=1)
    daemon._deliver()
    report = health_report(config.settings.db, daemon.state)
    assert report["status"] == "degraded", report
    (problem,) = report["problems"]
    assert problem.startswith("delivery has not completed for"), problem
    assert "its last run failed" in problem and "IntegrityError" in problem, problem
    conn = sqlite3.connect(config.settings.db)
    with conn:
        conn.execute("DROP TRIGGER refused")
    conn.close()
    daemon._deliver()
    assert health_report(config.settings.db, daemon.state)["status"] == "ok"
    assert daemon.state.problems() == []


def test_a_refused_reload_is_said_by_health_until_one_goes_through(tmp_path):
    """A reload refused (a watchlists or secrets file broken while the daemon runs) was a log
    line only: /health said nothing of a daemon running its former configuration, which the
    next start, on the files as they are, would refuse."""
    from crawler.storage import store

    settings = _config(tmp_path, "30")
    daemon = Daemon(load_config(settings))
    daemon.schedule_jobs()
    store.open_database(settings.db).close()
    _config(tmp_path, ".inf")
    daemon._reload()
    (warning,) = [w for w in health_report(settings.db, daemon.state)["warnings"] if "reload" in w]
    assert warning.startswith("the last reload was refused, the daemon runs its former")
    assert "interval_minutes must be a number of minutes from 0.1" in warning
    assert health_report(settings.db, daemon.state)["status"] == "ok"
    _config(tmp_path, "10")
    daemon._reload()
    assert not [w for w in health_report(settings.db, daemon.state)["warnings"] if "reload" in w]

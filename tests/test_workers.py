"""Long-lived crawl workers (crawler.fetching.workers) against the fixture sites on 127.0.0.1: crawl after
crawl in one process with the same conditional requests as before, a hanging site that costs
its own crawl the time limit and nothing else, a worker killed mid-crawl replaced, recycling
above a memory limit, and a daemon whose SIGTERM (or SIGKILL) leaves no worker behind."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from crawler.fetching.workers import WorkerPool
from crawler.storage import store
from monitors.demo.run import LOCAL_CRAWL_SETTINGS

from .conftest import steady_sources
from .hostile import HostileSite
from .waiting import GENEROUS, EventClock

pytestmark = pytest.mark.slow  # end-to-end: real processes (README, "Development")


def _with_hanging_source(sources: Path, hostile: HostileSite, feed: str = "/hang") -> Path:
    """A source `hang` whose feed never answers (`/held`: until the test releases it)."""
    text = sources.read_text(encoding="utf-8")
    text += f"  - name: hang\n    homepage: {hostile.base_url}/\n    feeds: [{hostile.base_url}{feed}]\n"
    sources.write_text(text, encoding="utf-8")
    return sources


@pytest.fixture
def pool_factory(tmp_path):
    pools: list[WorkerPool] = []

    def make(**options) -> WorkerPool:
        settings = dict(LOCAL_CRAWL_SETTINGS, DOWNLOAD_TIMEOUT=600)
        options.setdefault("size", 1)
        pool = WorkerPool(settings, log_file=tmp_path / "crawl.log", **options).start()
        pools.append(pool)
        return pool

    yield make
    for pool in pools:
        pool.stop(grace=5)


def _wait(condition, timeout: float, what: str) -> None:
    """Poll for a state; the deadline (generous: a loaded machine only makes this slower)
    turns a state that never comes into a failure."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.1)


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def test_one_worker_crawls_again_with_only_conditional_requests(sites, tmp_path, pool_factory):
    pool = pool_factory()
    sources = steady_sources(sites, tmp_path)
    first = pool.crawl(tmp_path / "veille.db", sources, time_limit=90)
    assert first.status == "finished" and first.new_articles == 9
    pid = pool.describe()[0]["pid"]
    for site in sites.values():
        site.requests.clear()
    second = pool.crawl(tmp_path / "veille.db", sources, time_limit=90)
    requests = [r for site in sites.values() for r in site.requests]
    entry_points = {
        "/feed/",
        "/sitemap_index.xml",
        "/post-sitemap.xml",
        "/news-sitemap.xml",
        "/technologie/",
        "/feed",
        "/sitemap-news.xml",
    }
    retried = {"/2026/11/14/dossier-cybersecurite/"}
    # The same requests as a crawl in a process of its own (test_crawl_e2e): no robots.txt,
    # every entry point conditional, nothing stored fetched again.
    assert sorted(r.path for r in requests) == sorted(entry_points | retried)
    assert all("If-None-Match" in r.headers for r in requests if r.path not in retried)
    assert second.new_articles == 0
    assert sum(s.get("not_modified", 0) for s in second.per_source.values()) == len(entry_points)
    assert pool.describe()[0]["pid"] == pid and pool.describe()[0]["crawls"] == 2
    with open(f"/proc/{pid}/environ", "rb") as environ:  # malloc's arenas limited (or as told)
        assert b"MALLOC_ARENA_MAX=" in environ.read()
    # Start-up's objects (Scrapy, veille's modules, the settings) are frozen out of garbage
    # collections, which then walk only what crawls make (no full collection over all of it).
    assert pool.describe()[0]["frozen_objects"] > 50_000


def test_a_hanging_site_costs_its_crawl_the_time_limit_and_nothing_else(
    sites, tmp_path, pool_factory
):
    """A healthy crawl runs on the same worker while a hanging one waits for its download
    (600 s): the hanging crawl's time comes only once the healthy one finished (an event, not
    a guess of how long it takes on a busy machine), and it is answered `time limit` then,
    not at its download's end (the clock's wait for the answer is bounded by GENEROUS)."""
    hostile = HostileSite()
    healthy_done = threading.Event()
    clock = EventClock(healthy_done.is_set)
    try:
        sources = _with_hanging_source(steady_sources(sites, tmp_path), hostile)
        pool = pool_factory()
        db = tmp_path / "veille.db"
        results: dict[str, object] = {}

        def crawl_hanging() -> None:
            results["hang"] = pool.crawl(db, sources, ["hang"], 900, clock=clock)

        hanging = threading.Thread(target=crawl_hanging)
        hanging.start()
        _wait(lambda: hostile.hits.count("/hang") >= 1, 120, "the hanging request")
        healthy = pool.crawl(db, sources, ["lequotidien"], 60)  # same worker, meanwhile
        hang_still_running = "hang" not in results
        healthy_done.set()
        hanging.join(GENEROUS)
    finally:
        hostile.stop()
    assert healthy.status == "finished" and healthy.new_articles == 6
    assert hang_still_running  # the healthy crawl did not wait for the hanging one
    assert clock.passed == 1  # its time came, then its answer (not its download's end)
    assert results["hang"].status == "stopped: time limit"  # recorded by the crawl itself
    again = pool.crawl(db, sources, ["alkhabar"], 60)  # the worker is free for the next one
    assert again.status == "finished" and again.new_articles == 3
    row = store.open_database(db).execute(
        "SELECT status FROM crawl_runs WHERE id = ?", [results["hang"].run_id]
    )
    assert row.fetchone()[0] == "stopped: time limit"


def test_a_crawl_at_its_time_limit_writes_what_it_holds_before_it_answers(tmp_path):
    """Two articles fetched and waiting for their store batch, a third download stuck (600 s):
    the time limit writes them and records the run before the worker answers, as a crawl in a
    process of its own does, instead of leaving them in memory until the stuck download ends
    (a shutdown's grace, or the worker's recycling, would kill them with it). The time limit
    comes once both articles went through the pipelines (Scrapy's "Scraped from" lines)."""
    hostile = HostileSite()
    log = tmp_path / "crawl.log"
    settings = dict(LOCAL_CRAWL_SETTINGS, DOWNLOAD_TIMEOUT=600, LOG_LEVEL="DEBUG")
    pool = WorkerPool(settings, log_file=log, size=1).start()
    sources = tmp_path / "sources.yaml"
    sources.write_text(
        f"sources:\n  - name: held\n    homepage: {hostile.base_url}/\n"
        f"    feeds: [{hostile.base_url}/feed-then-held]\n",
        encoding="utf-8",
    )

    def both_waiting() -> bool:
        return log.exists() and log.read_text(encoding="utf-8").count("Scraped from") >= 2

    try:
        db = tmp_path / "veille.db"
        result = pool.crawl(db, sources, None, 900, clock=EventClock(both_waiting))
        stored_at_answer = store.open_database(db).execute("SELECT count(*) FROM articles")
        stored_at_answer = stored_at_answer.fetchone()[0]
        assert "/held" in hostile.hits  # still stuck when the crawl answered
    finally:
        hostile.stop()
        pool.stop(grace=5)
    assert stored_at_answer == 2
    assert result.status == "stopped: time limit"
    assert result.per_source["held"]["new"] == 2


def test_a_worker_killed_mid_crawl_is_replaced_and_the_next_crawl_completes(
    sites, tmp_path, pool_factory
):
    hostile = HostileSite()
    try:
        sources = _with_hanging_source(steady_sources(sites, tmp_path), hostile)
        pool = pool_factory()
        db = tmp_path / "veille.db"
        assert pool.crawl(db, sources, ["lequotidien"], 60).new_articles == 6
        results = {}
        crawling = threading.Thread(
            target=lambda: results.setdefault("hang", pool.crawl(db, sources, ["hang"], 120))
        )
        crawling.start()
        _wait(lambda: hostile.hits.count("/hang") >= 1, 120, "the hanging request")
        killed = pool.describe()[0]["pid"]
        os.kill(killed, signal.SIGKILL)
        crawling.join(120)
    finally:
        hostile.stop()
    assert results["hang"].status.startswith("killed")
    _wait(lambda: [w["pid"] for w in pool.describe()] not in ([], [killed]), 120, "a new worker")
    assert pool.replaced == 1 and not _alive(killed)
    following = pool.crawl(db, sources, ["alkhabar"], 60)
    assert following.status == "finished" and following.new_articles == 3
    stored = store.open_database(db).execute("SELECT count(*) FROM articles").fetchone()[0]
    assert stored == 9  # what the killed worker's earlier crawl stored stays stored


def test_a_worker_above_its_memory_limit_is_recycled(sites, tmp_path, pool_factory):
    pool = pool_factory(max_rss_mb=100)  # a worker that has crawled holds more than that
    sources = steady_sources(sites, tmp_path)
    first_pid = pool.describe()[0]["pid"]
    assert pool.crawl(tmp_path / "veille.db", sources, time_limit=90).new_articles == 9
    _wait(lambda: pool.recycled >= 1, 120, "recycling")
    _wait(lambda: not _alive(first_pid), 120, "the old worker to exit")
    _wait(lambda: first_pid not in [w["pid"] for w in pool.describe()], 120, "the pool to let go")
    assert pool.replaced == 0  # recycled, not crashed
    result = pool.crawl(tmp_path / "veille.db", sources, time_limit=90)
    assert result.status == "finished" and pool.describe()[0]["pid"] != first_pid


def test_a_worker_is_recycled_after_its_crawl_allowance(sites, tmp_path, pool_factory):
    pool = pool_factory(max_crawls=1)
    sources = steady_sources(sites, tmp_path)
    first_pid = pool.describe()[0]["pid"]
    pool.crawl(tmp_path / "veille.db", sources, ["alkhabar"], 60)
    _wait(lambda: not _alive(first_pid), 120, "the old worker to exit")
    assert pool.crawl(tmp_path / "veille.db", sources, ["alkhabar"], 60).status == "finished"
    assert pool.recycled >= 1


def _runs(db: Path) -> int:
    """Crawl runs started in the database (a crawl asked of the pool starts its run first)."""
    database = store.open_database(db)
    try:
        return database.execute("SELECT count(*) FROM crawl_runs").fetchone()[0]
    finally:
        database.close()


def _crawl_in_thread(pool, db, sources, only, time_limit) -> tuple[threading.Thread, dict]:
    results: dict = {}
    thread = threading.Thread(
        target=lambda: results.setdefault("result", pool.crawl(db, sources, only, time_limit))
    )
    thread.start()
    return thread, results


def test_a_recycled_worker_leaves_before_its_replacement_starts(sites, tmp_path, caplog):
    """Recycling never holds two workers' memory at once: the replacement starts once the old
    worker has finished its crawl under way and exited; a crawl asked for meanwhile waits for
    the replacement (not lost), and the log says who replaced whom."""
    caplog.set_level("INFO", logger="crawler.fetching.workers")
    hostile = HostileSite()
    # The crawl under way at recycling hangs on its feed until the test releases it (an event,
    # not a download timeout racing the machine's load).
    settings = dict(LOCAL_CRAWL_SETTINGS, DOWNLOAD_TIMEOUT=600)
    pool = WorkerPool(
        settings,
        size=1,
        max_crawls=1,
        drain_grace=3600,  # the drain is never cut short here, however long the test's steps
        log_file=tmp_path / "crawl.log",
    ).start()
    try:
        sources = _with_hanging_source(steady_sources(sites, tmp_path), hostile, "/held")
        db = tmp_path / "veille.db"
        old = pool.describe()[0]["pid"]
        hanging, hung = _crawl_in_thread(pool, db, sources, ["hang"], 600)
        _wait(lambda: pool.recycled == 1, 120, "the worker to be recycled after one crawl")
        _wait(lambda: "/held" in hostile.hits, 120, "the recycled worker's crawl to hang")
        waiting, waited = _crawl_in_thread(pool, db, sources, ["lequotidien"], 600)
        _wait(lambda: _runs(db) == 2, 120, "the second crawl to be asked for")
        pids_while_draining = []
        for _ in range(10):  # the old worker drains its crawl: no replacement beside it yet
            pids_while_draining.append([w["pid"] for w in pool.describe()])
            time.sleep(0.05)
        asked_meanwhile_waits = waiting.is_alive() and hanging.is_alive()
        hostile.released.set()  # the hanging download ends (no answer): its crawl finishes
        hanging.join(120)
        waiting.join(120)
        _wait(lambda: not _alive(old), 60, "the old worker to exit")
    finally:
        pool.stop(grace=5)
        hostile.stop()
    assert asked_meanwhile_waits
    assert all(pids == [old] for pids in pids_while_draining), pids_while_draining
    assert hung["result"].status == "finished"  # finished by the old worker, not killed
    assert waited["result"].status == "finished" and waited["result"].new_articles == 6
    assert pool.replaced == 0
    assert any(
        f"crawl worker pid={old} recycled: exited after its last crawl: replaced by pid=" in m
        for m in caplog.messages
    )


def test_a_recycled_worker_stuck_on_a_crawl_gets_its_replacement_beside_it(sites, tmp_path, caplog):
    """A recycled worker whose crawl under way hangs (a download that ends only at
    DOWNLOAD_TIMEOUT) does not hold every other crawl back: past the drain's grace its
    replacement starts beside it, and the hanging crawl still ends as its own time limit says."""
    caplog.set_level("INFO", logger="crawler.fetching.workers")
    hostile = HostileSite()
    settings = dict(LOCAL_CRAWL_SETTINGS, DOWNLOAD_TIMEOUT=600)
    pool = WorkerPool(
        settings, size=1, max_crawls=1, drain_grace=1, log_file=tmp_path / "crawl.log"
    ).start()
    try:
        sources = _with_hanging_source(steady_sources(sites, tmp_path), hostile)
        db = tmp_path / "veille.db"
        old = pool.describe()[0]["pid"]
        hanging, hung = _crawl_in_thread(pool, db, sources, ["hang"], 120)
        _wait(lambda: pool.recycled == 1, 120, "the worker to be recycled after one crawl")
        other = pool.crawl(db, sources, ["lequotidien"], 60)
        still_hanging = hanging.is_alive()
    finally:
        pool.stop(grace=5)
        hostile.stop()
        hanging.join(60)
    assert other.status == "finished" and other.new_articles == 6
    assert still_hanging  # served by the replacement while the old worker still drained
    # Stopped by the pool's stop, as any crawl then: its run recorded by the crawl at the
    # worker's SIGTERM, or closed by the pool once it killed the worker past its grace.
    status = hung["result"].status
    assert status == "stopped: shutdown" or status.startswith("killed"), status
    assert any(
        f"crawl worker pid={old}, recycled, still finishing 1 crawl(s)" in m
        for m in caplog.messages
    )


def _children(pid: int) -> set[int]:
    found = set()
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", encoding="ascii") as stat:
                    if int(stat.read().rsplit(")", 1)[1].split()[1]) == pid:
                        found.add(int(entry))
            except (OSError, ValueError, IndexError):
                continue
    return found


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGKILL])
def test_the_daemon_leaves_no_worker_behind(sites, tmp_path, signum):
    sources = steady_sources(sites, tmp_path)
    watchlists = tmp_path / "watchlists.yaml"
    watchlists.write_text(
        "watchlists:\n  - name: maroc\n    query: 'Maroc OR المغرب'\n    notify: [console]\n",
        encoding="utf-8",
    )
    env = dict(
        os.environ,
        VEILLE_DB=str(tmp_path / "v.db"),
        VEILLE_SOURCES=str(sources),
        VEILLE_WATCHLISTS=str(watchlists),
        VEILLE_CRAWL_WORKERS="2",
        VEILLE_CRAWL_SETTINGS=json.dumps(LOCAL_CRAWL_SETTINGS),
    )
    log = tmp_path / "daemon.log"
    with open(log, "wb") as out:
        daemon = subprocess.Popen(
            [sys.executable, "-m", "monitors.cli", "run"], env=env, stdout=out, stderr=out
        )
        try:
            _wait(lambda: len(_children(daemon.pid)) >= 2, 120, "two workers")
            workers = _children(daemon.pid)

            def stored() -> int:
                if not (tmp_path / "v.db").exists():
                    return 0
                return (
                    store.open_database(tmp_path / "v.db")
                    .execute("SELECT count(*) FROM articles")
                    .fetchone()[0]
                )

            _wait(lambda: stored() == 9, 120, "the first crawls")
            daemon.send_signal(signum)
            code = daemon.wait(timeout=30)
        finally:
            if daemon.poll() is None:
                daemon.kill()
    _wait(lambda: not any(_alive(p) for p in workers), 120, "the workers to end")
    if signum == signal.SIGTERM:
        assert code == 0, log.read_text(encoding="utf-8", errors="replace")[-2000:]
    assert stored() == 9
    text = log.read_text(encoding="utf-8", errors="replace")
    assert "crawl worker pid=" in text or signum == signal.SIGKILL


def test_two_sources_of_one_site_are_never_crawled_at_once(sites, tmp_path, pool_factory):
    """Politeness stays per site across concurrent crawls: a second source on the same site
    (another section's feed) waits for the first crawl to end."""
    from crawler.discovery.sources import load_sources
    from crawler.fetching.workers import crawl_sites

    quotidien = sites["lequotidien"].base_url
    sources = tmp_path / "sections.yaml"
    sources.write_text(
        f"""sources:
  - name: quotidien-une
    homepage: {quotidien}/
    feeds: [{quotidien}/feed/]
  - name: quotidien-eco
    homepage: {quotidien}/
    feeds: [{quotidien}/categorie/economie/feed/]
""",
        encoding="utf-8",
    )
    listed = load_sources(sources)
    pool = pool_factory(size=2)
    overlaps, results = [], {}
    send = pool._send

    def checking_send(worker, message):
        with pool._lock:  # at this moment, is another crawl of the same site under way?
            running = [p for w in pool._workers for p in w.pending.values()]
        mine = next(p for p in running if p.run_id == message["run_id"])
        overlaps.extend(p.run_id for p in running if p is not mine and p.sites & mine.sites)
        send(worker, message)

    pool._send = checking_send

    def crawl(name: str) -> None:
        site = crawl_sites([listed.by_name(name)])
        results[name] = pool.crawl(tmp_path / "veille.db", sources, [name], 60, sites=site)

    threads = [
        threading.Thread(target=crawl, args=(n,)) for n in ("quotidien-une", "quotidien-eco")
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert {r.status for r in results.values()} == {"finished"} and len(results) == 2
    assert overlaps == []  # one after the other, though two workers were free


def test_a_crawl_stopped_by_a_shutdown_leaves_its_sources_pace_alone(sites, tmp_path):
    """A crawl that stopped because veille stopped is no fault of the site: no backing off."""
    from crawler.fetching.crawl import CrawlResult
    from monitors.service.config import Settings, load_config
    from monitors.service.cycle import run_cycle

    sources = steady_sources(sites, tmp_path)
    watchlists = tmp_path / "watchlists.yaml"
    watchlists.write_text(
        "watchlists:\n  - name: maroc\n    query: Maroc\n    notify: [console]\n", encoding="utf-8"
    )
    config = load_config(Settings(db=tmp_path / "v.db", sources=sources, watchlists=watchlists))
    db = store.open_database(tmp_path / "v.db")
    store.register_sources(db, config.sources.sources)

    class StoppedPool:  # the pool's answer when the daemon stops under a crawl
        def crawl(self, *_args, **_kwargs) -> CrawlResult:
            run_id = store.start_run(db, ["lequotidien"])
            store.finish_run(db, run_id, "stopped: shutdown", 0, 0, {})
            return CrawlResult(run_id, "stopped: shutdown", 0, 0, {})

    report = run_cycle(config, only=["lequotidien"], pool=StoppedPool())
    assert report.paces == {}
    pace = db.execute(
        "SELECT consecutive_failures, next_due_at FROM sources WHERE name = 'lequotidien'"
    ).fetchone()
    assert pace == (0, None)
    assert db.execute("SELECT count(*) FROM crawl_errors").fetchone()[0] == 0


def test_one_crawl_worker_by_default_where_memory_is_small(monkeypatch):
    """A worker and its extraction process take some 300 MB: on a 1-2 GB server the daemon
    runs one by default (the crawl itself uses a few percent of a core), elsewhere one per
    core; VEILLE_CRAWL_WORKERS decides over both."""
    from monitors.service.config import default_crawl_workers, load_settings

    gigabyte = 1024**3
    assert default_crawl_workers(memory=1 * gigabyte, cpus=2) == 1
    assert default_crawl_workers(memory=2 * gigabyte, cpus=4) == 1
    assert default_crawl_workers(memory=8 * gigabyte, cpus=4) == 4
    assert default_crawl_workers(memory=8 * gigabyte, cpus=1) == 1
    monkeypatch.setenv("VEILLE_CRAWL_WORKERS", "3")
    assert load_settings().crawl_workers == 3
    monkeypatch.delenv("VEILLE_CRAWL_WORKERS")
    assert load_settings().crawl_workers == default_crawl_workers()


def test_fewer_crawls_at_once_by_default_where_memory_is_small(monkeypatch):
    """Each crawl under way holds its crawler, responses and items: a small-memory server runs
    8 at once in its worker, others 16; VEILLE_WORKER_MAX_ACTIVE decides over both."""
    from monitors.service.config import default_worker_max_active, load_settings

    gigabyte = 1024**3
    assert default_worker_max_active(memory=1 * gigabyte) == 8
    assert default_worker_max_active(memory=8 * gigabyte) == 16
    monkeypatch.setenv("VEILLE_WORKER_MAX_ACTIVE", "3")
    assert load_settings().worker_max_active == 3
    monkeypatch.delenv("VEILLE_WORKER_MAX_ACTIVE")
    assert load_settings().worker_max_active == default_worker_max_active()


def test_crawl_workers_run_with_two_malloc_arenas_unless_told(monkeypatch):
    """Each thread of a worker may otherwise get a malloc arena of its own that keeps what was
    freed in it; an operator's MALLOC_ARENA_MAX is kept."""
    from crawler.fetching.workers import child_environment

    monkeypatch.delenv("MALLOC_ARENA_MAX", raising=False)
    assert child_environment()["MALLOC_ARENA_MAX"] == "2"
    monkeypatch.setenv("MALLOC_ARENA_MAX", "4")
    assert child_environment()["MALLOC_ARENA_MAX"] == "4"

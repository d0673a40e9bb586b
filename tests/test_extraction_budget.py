"""A slow page costs its own source one page, never a crawl of another source.

Pages are extracted in a child process within a time budget (crawler/extraction/budget.py): a
page past it is declined and recorded against its source and never fetched again; the crawl
worker's reactor keeps its heartbeat and timers meanwhile, so the pool never kills it with the
crawls of healthy sources; a worker killed for its silence anyway costs its sources no backoff.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from datetime import UTC, datetime, timedelta

import pytest

from crawler.extraction.article import NotAnArticle, PageTooComplex
from crawler.extraction.budget import ExtractionFailed, ExtractionProcess, PageTooSlow
from crawler.extraction.extract import MAX_PAGE_TAGS
from crawler.fetching.crawl import crawl
from crawler.fetching.workers import SILENT_WORKER, WorkerPool
from crawler.storage import store
from monitors.demo.run import LOCAL_CRAWL_SETTINGS

from .conftest import steady_sources
from .hostile import ENGLISH_TEXT, FRENCH_TEXT, HostileSite, page
from .hostile_pages import PageSite, json_ld_author_of_separators, republication_lines

pytestmark = pytest.mark.slow  # end-to-end: real processes (README, "Development")

GOOD = page("Fonds d'amorçage", FRENCH_TEXT)


@pytest.fixture
def extraction():
    process = ExtractionProcess(budget=5)  # generous: a real page takes well under a second
    yield process
    process.close()


def test_a_page_over_its_budget_is_declined_and_the_next_one_extracted(extraction):
    """trafilatura's author cleaning takes minutes on this page; the budget ends it at 5 s."""
    assert FRENCH_TEXT[:60] in extraction.extract(GOOD, "https://a.ma/1").text
    with pytest.raises(PageTooSlow, match="more than 5 s"):
        extraction.extract(json_ld_author_of_separators(), "https://a.ma/slow")
    assert extraction.killed == 1  # ended by the budget, not after the page's minutes
    assert FRENCH_TEXT[:60] in extraction.extract(GOOD, "https://a.ma/2").text  # a new child


def test_a_page_too_complex_keeps_its_kind_across_the_process(extraction):
    """The crawl counts a too-complex page as a fault of the site by its class, which must come
    back from the extraction process as it left (the answer once carried only the message); a
    page that is merely not an article stays a plain NotAnArticle."""
    crowded = "<html><body>" + "<b>x</b>" * (MAX_PAGE_TAGS // 2 + 1) + "</body></html>"
    with pytest.raises(PageTooComplex, match="page too complex to extract"):
        extraction.extract(crowded, "https://a.ma/crowded")
    with pytest.raises(NotAnArticle) as stub:
        extraction.extract("<html><body><p>Court.</p></body></html>", "https://a.ma/stub")
    assert not isinstance(stub.value, PageTooComplex)


def test_an_extraction_process_killed_under_a_page_fails_that_page_only(extraction):
    extraction.extract(GOOD, "https://a.ma/1")  # started
    child = extraction._child
    assert child is not None
    threading.Timer(0.5, lambda: os.kill(child.pid, signal.SIGKILL)).start()
    with pytest.raises(ExtractionFailed, match="killed by SIGKILL"):
        extraction.extract(json_ld_author_of_separators(), "https://a.ma/slow")
    assert extraction.killed == 0  # not the budget: the process died
    assert FRENCH_TEXT[:60] in extraction.extract(GOOD, "https://a.ma/2").text


def _held(process: ExtractionProcess) -> tuple[threading.Event, list[float]]:
    """Hold `process`'s bursts until the event is set; the waits asked, in a list."""
    release, pauses = threading.Event(), []

    def pause(seconds: float) -> None:
        pauses.append(seconds)
        release.wait(120)

    process._pause = pause
    return release, pauses


def test_pages_handed_over_together_are_extracted_in_one_burst():
    """A crawl worker's pages wait `hold` seconds for the next ones and are then extracted one
    after the other (the process's caches warm): three pages, one wait, each its own answer."""
    process = ExtractionProcess(budget=60, hold=0.5)
    release, pauses = _held(process)
    try:
        titles = [f"Fonds numéro {n}" for n in range(3)]
        futures = [
            process.submit(page(title, FRENCH_TEXT), f"https://a.ma/{n}")
            for n, title in enumerate(titles)
        ]
        stub = process.submit("<html><body><p>Court.</p></body></html>", "https://a.ma/stub")
        assert not any(f.done() for f in [*futures, stub])  # waiting for the burst
        release.set()
        assert [f.result(120).title for f in futures] == titles
        with pytest.raises(NotAnArticle):  # a page's own answer, whatever its neighbours'
            stub.result(120)
        assert pauses == [0.5]  # one wait for the four pages
    finally:
        process.close()


def test_a_started_process_is_not_started_again_by_each_crawl():
    """Every crawl of a worker asks for the process at its start: once its child was started,
    the answer is at once, nothing handed to the extraction thread; bursts one after the other
    still go through that one thread."""
    process = ExtractionProcess(budget=60, hold=0.01)
    try:
        process.start().result(120)
        child = process._child
        assert child is not None
        again = process.start()
        assert again.done() and again.result() is None
        for n in range(2):
            extracted = process.submit(GOOD, f"https://a.ma/{n}").result(120)
            assert FRENCH_TEXT[:60] in extracted.text
        assert process._child is child
    finally:
        process.close()


def test_pages_waiting_when_the_process_closes_fail_as_the_processs_fault():
    """Not lost in a queue: each waiting page fails as ExtractionFailed (the crawl books it to
    be fetched again), and nothing is started after the close."""
    process = ExtractionProcess(hold=0.5)
    release, _pauses = _held(process)
    future = process.submit(GOOD, "https://a.ma/1")
    process.close()
    release.set()
    with pytest.raises(ExtractionFailed, match="closed"):
        future.result(10)
    with pytest.raises(ExtractionFailed, match="closed"):
        process.submit(GOOD, "https://a.ma/2").result(10)
    assert process._child is None  # no child started for them


def test_a_page_over_its_budget_is_recorded_against_its_source_and_not_fetched_again(tmp_path):
    site = PageSite(
        {
            "/slow": json_ld_author_of_separators(),
            "/good": page("Seed fund", ENGLISH_TEXT, lang="en"),
        }
    )
    try:
        sources = tmp_path / "sources.yaml"
        sources.write_text(
            f"sources:\n  - name: slow\n    homepage: {site.base_url}/\n"
            f"    feeds: [{site.base_url}/feed]\n",
            encoding="utf-8",
        )
        settings = dict(LOCAL_CRAWL_SETTINGS, VEILLE_EXTRACTION_SECONDS=5)
        first = crawl(tmp_path / "v.db", sources, settings=settings, time_limit=120)
        second = crawl(tmp_path / "v.db", sources, settings=settings, time_limit=120)
    finally:
        site.stop()
    assert first.status == second.status == "finished"
    db = store.open_database(tmp_path / "v.db")
    stored = [url for (url,) in db.execute("SELECT url FROM articles")]
    assert stored == [f"{site.base_url}/good"]
    errors = db.execute("SELECT kind, url, message FROM crawl_errors").fetchall()
    assert [(k, u) for k, u, _ in errors] == [("too-slow", f"{site.base_url}/slow")]
    assert "more than 5 s" in errors[0][2] and "VEILLE_EXTRACTION_SECONDS" in errors[0][2]
    booked = db.execute("SELECT state, kind FROM article_retries").fetchall()
    assert booked == [("permanent", "too-slow")]
    (last_error,) = db.execute("SELECT last_error FROM sources WHERE name='slow'").fetchone()
    assert last_error.startswith("too-slow: extraction took more than 5 s")  # `veille status`
    assert site.hits.count("/slow") == 1  # not fetched again by the second crawl
    assert second.per_source["slow"].get("booked_skipped") == 1


@pytest.fixture
def pool_factory(tmp_path):
    pools: list[WorkerPool] = []

    def make(**options) -> WorkerPool:
        # 15 s: generous for the 300 KB page (about a second) on a loaded machine
        settings = dict(LOCAL_CRAWL_SETTINGS, VEILLE_EXTRACTION_SECONDS=15)
        pool = WorkerPool(settings, size=1, log_file=tmp_path / "crawl.log", **options).start()
        pools.append(pool)
        return pool

    yield make
    for pool in pools:
        pool.stop(grace=5)


def test_slow_pages_in_one_crawl_cost_a_workers_other_crawls_nothing(sites, tmp_path, pool_factory):
    """One worker, three crawls at once: a source with the 300 KB quadratic page of issue 23
    (459 s of extraction, in the reactor's thread, before) and a page past the budget, and two
    healthy sources. The worker keeps answering (a silence of 30 s, six missed heartbeats, would
    get it killed with the three crawls), the healthy crawls finish and the slow pages cost
    their own source a page."""
    site = PageSite(
        {
            "/quadratic": republication_lines(),
            "/slow": json_ld_author_of_separators(),
            "/good": GOOD,
        }
    )
    sources = steady_sources(sites, tmp_path)
    with open(sources, "a", encoding="utf-8") as out:
        out.write(f"  - name: hostile\n    homepage: {site.base_url}/\n")
        out.write(f"    feeds: [{site.base_url}/feed]\n")
    pool = pool_factory(unresponsive_after=30)
    db = tmp_path / "veille.db"
    results: dict[str, object] = {}

    def run(name: str) -> None:
        results[name] = pool.crawl(db, sources, [name], time_limit=120)

    try:
        hostile = threading.Thread(target=run, args=("hostile",))
        hostile.start()
        deadline = time.monotonic() + 120
        while "/slow" not in site.hits and time.monotonic() < deadline:
            time.sleep(0.1)
        healthy = [threading.Thread(target=run, args=(n,)) for n in ("lequotidien", "alkhabar")]
        for thread in healthy:
            thread.start()
        for thread in [hostile, *healthy]:
            thread.join(150)
    finally:
        site.stop()
    statuses = {name: result.status for name, result in results.items()}  # type: ignore[attr-defined]
    assert statuses == dict.fromkeys(("hostile", "lequotidien", "alkhabar"), "finished")
    assert pool.replaced == 0  # the worker was never silent
    database = store.open_database(db)
    stored = dict(
        database.execute("SELECT source, count(*) FROM articles GROUP BY source").fetchall()
    )
    assert stored == {"lequotidien": 6, "alkhabar": 3, "hostile": 2}  # /quadratic and /good
    kinds = database.execute(
        "SELECT kind, url FROM crawl_errors WHERE source = 'hostile'"
    ).fetchall()
    assert kinds == [("too-slow", f"{site.base_url}/slow")]


def test_a_worker_killed_for_its_silence_costs_its_sources_no_backoff(sites, tmp_path):
    """A worker that stops answering (here: stopped by SIGSTOP) is killed with its crawls; their
    sources get an `unfinished` fault but no failed try, and are due again within minutes."""
    from monitors.service.config import Settings, load_config
    from monitors.service.cycle import run_cycle

    hostile = HostileSite()
    sources = steady_sources(sites, tmp_path)
    with open(sources, "a", encoding="utf-8") as out:
        out.write(f"  - name: hang\n    homepage: {hostile.base_url}/\n")
        out.write(f"    feeds: [{hostile.base_url}/hang]\n    interval_minutes: 60\n")
    watchlists = tmp_path / "watchlists.yaml"
    watchlists.write_text(
        "watchlists:\n  - name: maroc\n    query: Maroc\n    notify: [console]\n", encoding="utf-8"
    )
    config = load_config(
        Settings(
            db=tmp_path / "v.db",
            sources=sources,
            watchlists=watchlists,
            crawl_settings=dict(LOCAL_CRAWL_SETTINGS, DOWNLOAD_TIMEOUT=600),
            crawl_time_limit=300,
        )
    )
    store.register_sources(store.open_database(tmp_path / "v.db"), config.sources.sources)
    # Heartbeats come every 5 s: 20 s of silence is the SIGSTOP, not a busy machine (at 3 s,
    # workers were killed between two heartbeats before the test stopped one).
    pool = WorkerPool(config.settings.crawl_settings, size=1, unresponsive_after=20).start()
    reports = {}
    try:
        cycle = threading.Thread(
            target=lambda: reports.setdefault("hang", run_cycle(config, only=["hang"], pool=pool))
        )
        cycle.start()
        deadline = time.monotonic() + 120
        while "/hang" not in hostile.hits and time.monotonic() < deadline:
            time.sleep(0.1)
        os.kill(pool.describe()[0]["pid"], signal.SIGSTOP)  # silent from now on
        cycle.join(120)
    finally:
        pool.stop(grace=5)
        hostile.stop()
    report = reports["hang"]
    assert report.crawl.status == SILENT_WORKER
    db = store.open_database(tmp_path / "v.db")
    failures, due = db.execute(
        "SELECT consecutive_failures, next_due_at FROM sources WHERE name = 'hang'"
    ).fetchone()
    assert failures == 0  # not backed off
    due_at = datetime.fromisoformat(due.replace("Z", "+00:00"))
    assert due_at - datetime.now(UTC) < timedelta(minutes=4)  # its interval is an hour
    assert abs(report.paces["hang"].due - due_at) < timedelta(seconds=1)
    (message,) = db.execute(
        "SELECT message FROM crawl_errors WHERE source = 'hang' AND kind = 'unfinished'"
    ).fetchone()
    assert "not counted as a failure" in message


def test_sources_that_fail_together_back_off_apart(tmp_path):
    from monitors.service.pacing import BACKOFF_JITTER, record_outcome

    db = store.open_database(tmp_path / "v.db")

    class Named:
        def __init__(self, name: str) -> None:
            self.name, self.title, self.homepage, self.languages = name, name, "", []

    names = [f"site{i}" for i in range(10)]
    store.register_sources(db, [Named(n) for n in names])
    now = datetime(2026, 11, 23, 12, tzinfo=UTC)
    failed = {"entry_failed": 1, "errors": 1}
    dues = {record_outcome(db, n, 30, failed, now).due for n in names}  # type: ignore[arg-type]
    assert len(dues) > 5  # spread, not in lockstep
    full = now + timedelta(minutes=60)  # 2 × 30 minutes after a first failure
    assert all(full - (full - now) * BACKOFF_JITTER <= due <= full for due in dues)


def _resident_mb(pid: int) -> float:
    with open(f"/proc/{pid}/statm", encoding="ascii") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def test_a_large_page_leaves_no_lasting_memory_in_the_extraction_process():
    """The parse of a large page (1.6 MB, 28,000 tags) frees its memory when it ends, and the
    child gives it back to the system: 64 MB of it stayed in the child's resident set before."""
    large = (
        "<html lang='fr'><head><title>Dossier</title></head><body><article>"
        + "".join(
            f"<div class='c{i}'><p>Paragraphe {i} du dossier sur la transition numérique au "
            "Maroc, avec des chiffres.</p></div>"
            for i in range(14_000)
        )
        + "</article></body></html>"
    )
    process = ExtractionProcess(budget=120)  # a large page takes seconds on a loaded machine
    try:
        process.extract(GOOD, "https://example.ma/avant")
        assert process._child is not None
        before = _resident_mb(process._child.pid)
        process.extract(large, "https://example.ma/dossier")
        process.extract(GOOD, "https://example.ma/apres")
        grown = _resident_mb(process._child.pid) - before
    finally:
        process.close()
    assert grown < 30, f"the extraction process kept {grown:.0f} MB after a large page"

"""Real Scrapy crawls, in a child process, against the fixture sites served on 127.0.0.1. Tests
that only read what one crawl stored share it (crawled_once); the others crawl on their own."""

from __future__ import annotations

import pytest

from crawler.fetching.crawl import crawl
from crawler.storage import store
from monitors.demo.run import LOCAL_CRAWL_SETTINGS
from monitors.demo.sites import DEMO_SITES_ROOT, render_sources, serve_demo_sites, stop_sites

from .conftest import steady_sources
from .waiting import EventClock

pytestmark = pytest.mark.slow  # end-to-end: real processes (README, "Development")

LEQUOTIDIEN_ARTICLES = {
    "/2026/11/20/souverainete-numerique-maroc-cloud-national/",
    "/2026/11/19/um6p-supercalculateur-benguerir/",
    "/2026/11/18/botola-derby-casablanca/",
    "/2026/11/17/startups-levee-de-fonds-record/",
    "/2026/11/13/hackathon-ia-administration/",
    "/english-version/2026/11/16/morocco-digital-sovereignty-data-centres/",
}
ALKHABAR_COUNT = 3

# Text that sits around the articles on the fixture pages and must never reach storage.
BOILERPLATE = [
    "Lire aussi",
    "Read also",
    "cookies",
    "J'accepte",
    "Abonnez-vous",
    "réservé aux abonnés",
    "Premium articles",
    "Les plus lus",
    "Bourse de Casablanca",  # headline ticker
    "Météo : fortes pluies",
    "Partager",
    "WhatsApp",
    "appeared first on",
    "Articles similaires",
    "5G : l'ANRT",
    "Très bonne initiative",  # comments
    "Tous droits réservés",
    "Newsletter",
    "Accueil",
    "اقرأ أيضا",
    "ملفات تعريف الارتباط",
    "بورصة الدار البيضاء",
    "مقالات ذات صلة",
    "جميع الحقوق محفوظة",
    "الأكثر قراءة",
]


def run_crawl(tmp_path, sources_file, **extra):
    settings = dict(LOCAL_CRAWL_SETTINGS)
    settings.update(extra.pop("settings", {}))
    return crawl(
        tmp_path / "veille.db",
        sources_file,
        settings=settings,
        time_limit=extra.pop("time_limit", 90),
        log_file=tmp_path / "crawl.log",
    )


def articles(db):
    rows = db.execute("SELECT * FROM articles ORDER BY id").fetchall()
    columns = [c[0] for c in db.execute("SELECT * FROM articles LIMIT 0").description]
    return [dict(zip(columns, row, strict=True)) for row in rows]


@pytest.fixture
def crawled(sites, sources_file, tmp_path):
    """A crawl of its own, for a test that goes on crawling."""
    result = run_crawl(tmp_path, sources_file)
    db = store.open_database(tmp_path / "veille.db")
    yield result, db, sites
    db.conn.close()


@pytest.fixture(scope="module")
def crawled_once(tmp_path_factory):
    """One crawl of the fixture sites, shared by the tests that only read what it stored."""
    served = serve_demo_sites()
    folder = tmp_path_factory.mktemp("crawled")
    sources = folder / "sources.yaml"
    sources.write_text(render_sources(DEMO_SITES_ROOT / "sources.yaml", served), encoding="utf-8")
    try:
        result = run_crawl(folder, sources)
        db = store.open_database(folder / "veille.db")
        yield result, db, served
        db.conn.close()
    finally:
        stop_sites(served)


def test_each_article_is_stored_once(crawled_once):
    result, db, sites = crawled_once
    base = sites["lequotidien"].base_url
    rows = articles(db)
    stored = {r["url"].removeprefix(base) for r in rows if r["source"] == "lequotidien"}
    assert stored == LEQUOTIDIEN_ARTICLES
    assert sum(r["source"] == "alkhabar" for r in rows) == ALKHABAR_COUNT
    assert len(rows) == len({r["url_key"] for r in rows}) == len({r["content_hash"] for r in rows})
    assert result.new_articles == len(rows) == 9
    assert result.status == "finished"


def test_every_url_of_the_duplicate_article_points_to_one_row(crawled_once):
    _, db, sites = crawled_once
    base = sites["lequotidien"].base_url.removeprefix("http://")
    (article_id,) = db.execute(
        "SELECT id FROM articles WHERE url LIKE '%souverainete-numerique-maroc-cloud-national/'"
    ).fetchone()
    aliases = {
        key
        for (key,) in db.execute(
            "SELECT url_key FROM article_urls WHERE article_id=?", [article_id]
        )
    }
    # permalink (feed with utm_*, post sitemap, news sitemap), ?p= shortlink, and an old redirecting URL
    assert {
        f"{base}/2026/11/20/souverainete-numerique-maroc-cloud-national",
        f"{base}/?p=1042",
        f"{base}/2026/11/01/souverainete-ancien-lien",
    } <= aliases


def test_same_text_under_another_url_is_caught_by_its_content_hash(crawled_once):
    """A print copy without rel=canonical has nothing tying its URL to the original but its text."""
    _, db, sites = crawled_once
    base = sites["alkhabar"].base_url.removeprefix("http://")
    slug = "2026/11/21/%D8%A7%D9%84%D8%B3%D9%8A%D8%A7%D8%AF%D8%A9-%D8%A7%D9%84%D8%B1%D9%82%D9%85%D9%8A%D8%A9-%D8%A7%D9%84%D9%85%D8%BA%D8%B1%D8%A8-%D8%A7%D9%84%D8%AD%D9%88%D8%B3%D8%A8%D8%A9-%D8%A7%D9%84%D8%B3%D8%AD%D8%A7%D8%A8%D9%8A%D8%A9"
    ids = {
        key: db.execute("SELECT article_id FROM article_urls WHERE url_key = ?", [key]).fetchone()
        for key in (f"{base}/print/88412", f"{base}/{slug}")
    }
    assert None not in ids.values(), ids
    assert len(set(ids.values())) == 1  # both URLs lead to one stored article
    assert db.execute("SELECT count(*) FROM articles WHERE source='alkhabar'").fetchone()[0] == 3


def test_boilerplate_is_absent_from_stored_text(crawled_once):
    _, db, _ = crawled_once
    for row in articles(db):
        for junk in BOILERPLATE:
            assert junk not in row["text"], f"{junk!r} left in {row['url']}"


def test_metadata_is_filled(crawled_once):
    _, db, _ = crawled_once
    for row in articles(db):
        for column in ("title", "author", "published", "language", "sitename"):
            assert row[column], f"{column} missing for {row['url']}"
    by_title = {r["title"]: r for r in articles(db)}
    article = by_title["Souveraineté numérique : le Maroc accélère sur le cloud national"]
    assert article["author"] == "Salma Benali"
    assert article["published"] == "2026-11-20T08:30:00Z"  # 09:30 in Casablanca, stored in UTC
    assert article["language"] == "fr"
    assert article["sitename"] == "Le Quotidien Numérique"
    english = [r for r in articles(db) if "english-version" in r["url"]][0]
    assert english["language"] == "en"
    arabic = [r for r in articles(db) if r["source"] == "alkhabar"]
    assert {r["language"] for r in arabic} == {"ar"}
    assert {r["author"] for r in arabic} == {"هشام الإدريسي", "سعيد بنعلي", "مريم التازي"}


def test_faults_are_recorded_against_their_source(crawled_once):
    _, db, sites = crawled_once
    errors = db.execute("SELECT source, kind, url FROM crawl_errors").fetchall()
    kinds = {
        (source, kind, url.rsplit(":", 1)[-1].split("/", 1)[-1]) for source, kind, url in errors
    }
    assert ("lequotidien", "http-404", "2026/11/15/article-retire/") in kinds
    assert ("lequotidien", "http-500", "2026/11/14/dossier-cybersecurite/") in kinds
    assert ("lequotidien", "malformed-feed", "categorie/economie/feed/") in kinds
    assert ("alkhabar", "http-500", "category/tech/feed") in kinds
    assert ("site-en-panne", "unreachable", "feed/") in kinds
    sources = {
        name: (success, count, last_error)
        for name, success, count, last_error in db.execute(
            "SELECT name, last_success_at, error_count, last_error FROM sources"
        )
    }
    assert sources["site-en-panne"][0] is None and sources["site-en-panne"][1] == 1
    assert "connection refused" in sources["site-en-panne"][2]
    assert sources["lequotidien"][0] is not None  # its faults did not stop it
    assert sources["alkhabar"][0] is not None


def test_second_crawl_fetches_no_stored_article(crawled, sources_file, tmp_path):
    _, db, sites = crawled
    for site in sites.values():
        site.requests.clear()
    result = run_crawl(tmp_path, sources_file)
    assert result.new_articles == 0
    stored_paths = {r["url"].split("/", 3)[-1] for r in articles(db)}
    requested = {r.path.lstrip("/") for site in sites.values() for r in site.requests}
    assert not (requested & stored_paths), requested & stored_paths
    assert db.execute("SELECT count(*) FROM articles").fetchone()[0] == 9


def test_a_hanging_page_costs_its_source_one_timeout(sites, sources_file, tmp_path):
    text = sources_file.read_text(encoding="utf-8")
    hang = sites["lequotidien"].base_url + "/dossiers/lent/"
    sources_file.write_text(
        text.replace("    listings:\n", f"    listings:\n      - {hang}\n"), encoding="utf-8"
    )
    # The timeout applies to every page: the suite's usual 10 s, so that on a loaded machine
    # only the page that never answers reaches it (at 2 s, a slow article did too).
    result = run_crawl(tmp_path, sources_file, settings={"DOWNLOAD_TIMEOUT": 10})
    db = store.open_database(tmp_path / "veille.db")
    assert db.execute("SELECT kind, url FROM crawl_errors WHERE kind = 'timeout'").fetchall() == [
        ("timeout", hang)
    ]
    assert result.status == "finished"  # ended by the download timeout, not the time limit
    assert result.new_articles == 9  # everything else was still crawled


def _with_hanging_listing(sites, sources_file) -> str:
    """The lequotidien source with a listing that never answers; its URL."""
    text = sources_file.read_text(encoding="utf-8")
    hang = sites["lequotidien"].base_url + "/dossiers/lent/"
    sources_file.write_text(
        text.replace("    listings:\n", f"    listings:\n      - {hang}\n"), encoding="utf-8"
    )
    return hang


def only_the_hang_is_left(sites, db_path, articles: int = 9):
    """The moment a crawl's time limit comes in these tests: the hanging listing was requested
    and every other article is stored. A real limit of N seconds raced the crawl on a busy
    machine (the nine articles took 2 s idle, over 10 s at a load of 11)."""

    def reached() -> bool:
        if not any(r.path == "/dossiers/lent/" for r in sites["lequotidien"].requests):
            return False
        if not db_path.exists():
            return False
        db = store.open_database(db_path)
        try:
            return db.execute("SELECT count(*) FROM articles").fetchone()[0] >= articles
        finally:
            db.close()

    return reached


def run_recorded(db_path):
    """The moment a stopped crawl's grace ends in these tests: it recorded its run."""

    def reached() -> bool:
        db = store.open_database(db_path)
        try:
            row = db.execute(
                "SELECT finished_at FROM crawl_runs ORDER BY id DESC LIMIT 1"
            ).fetchone()
        finally:
            db.close()
        return row is not None and row[0] is not None

    return reached


def test_crawl_time_limit_is_enforced_from_outside(sites, sources_file, tmp_path):
    """The hanging listing would hold the crawl for its ten-minute download timeout: at its
    time limit the crawl is stopped, records its run, and its process is ended from here."""
    _with_hanging_listing(sites, sources_file)
    db_path = tmp_path / "veille.db"
    clock = EventClock(only_the_hang_is_left(sites, db_path), run_recorded(db_path))
    result = crawl(
        db_path,
        sources_file,
        settings=dict(LOCAL_CRAWL_SETTINGS, DOWNLOAD_TIMEOUT=600),
        time_limit=900,
        log_file=tmp_path / "crawl.log",
        clock=clock,
    )
    assert clock.passed == 2  # its time limit came, then its grace ended, the process running
    assert result.status == "stopped: time limit"
    db = store.open_database(db_path)
    (status,) = db.execute("SELECT status FROM crawl_runs WHERE id=?", [result.run_id]).fetchone()
    assert status == result.status
    assert db.execute("SELECT count(*) FROM articles").fetchone()[0] == 9  # kept what it stored
    assert result.new_articles == 9


def test_an_unchanged_second_crawl_costs_one_conditional_request_per_entry_point(sites, tmp_path):
    sources = steady_sources(sites, tmp_path)
    first = run_crawl(tmp_path, sources)
    assert first.new_articles == 9
    for site in sites.values():
        site.requests.clear()
    second = run_crawl(tmp_path, sources)
    requests = [r for site in sites.values() for r in site.requests]
    # The five configured entry points, and the two sitemaps the (unchanged) index lists.
    entry_points = {
        "/feed/",
        "/sitemap_index.xml",
        "/post-sitemap.xml",
        "/news-sitemap.xml",
        "/technologie/",
    }
    entry_points |= {"/feed", "/sitemap-news.xml"}
    # The only other request: the article that answered 500 in the first crawl, from the retry
    # book (counted as retried, and bounded per source and per URL by crawler.discovery.retries).
    retried = {"/2026/11/14/dossier-cybersecurite/"}
    assert sorted(r.path for r in requests) == sorted(entry_points | retried)  # no robots.txt
    assert all("If-None-Match" in r.headers for r in requests if r.path not in retried)
    assert second.new_articles == 0
    assert sum(s.get("not_modified", 0) for s in second.per_source.values()) == len(entry_points)
    assert sum(s.get("retried", 0) for s in second.per_source.values()) == len(retried)


def test_a_site_without_robots_txt_is_not_asked_for_it_again_the_same_day(tmp_path):
    """La Vigie Éco answers robots.txt with a 404: no rules, kept for the day as the file of a
    site that has one is (crawler.middlewares), so its second crawl asks for its feed alone.
    It asked for robots.txt again at every crawl, every poll of the site."""
    from pathlib import Path

    from monitors.demo.sites import serve_site

    site = serve_site(Path(__file__).parent / "fixtures" / "sites" / "lavigie")
    try:
        sources = tmp_path / "sources.yaml"
        sources.write_text(
            f"sources:\n  - name: lavigie\n    homepage: {site.base_url}/\n"
            f"    feeds: [{site.base_url}/feed/]\n",
            encoding="utf-8",
        )
        first = run_crawl(tmp_path, sources)
        assert first.new_articles == 1
        assert "/robots.txt" in [r.path for r in site.requests]
        site.requests.clear()
        run_crawl(tmp_path, sources)
        assert [r.path for r in site.requests] == ["/feed/"]
        db = store.open_database(tmp_path / "veille.db")
        assert store.cached_robots(db, site.base_url.split("//")[1])[0] == b""
        db.conn.close()
    finally:
        stop_sites({"lavigie": site})


def test_a_killed_cycle_records_the_sources_it_did_not_finish(sites, sources_file, tmp_path):
    """A crawl stopped by its time limit: the source it had not finished (a listing that never
    ends) gets an 'unfinished' error and counts a failed try, instead of a silent '0 new,
    0 errors'; the sources it had finished (or that failed on their own) do not."""
    from monitors.service.config import load_config
    from monitors.service.cycle import run_cycle

    from .conftest import make_settings

    _with_hanging_listing(sites, sources_file)
    watchlists = tmp_path / "watchlists.yaml"
    watchlists.write_text("watchlists:\n  - name: x\n    terms: [x]\n", encoding="utf-8")
    settings = make_settings(
        tmp_path,
        sources_file,
        watchlists,
        crawl_time_limit=900,
        crawl_settings=dict(LOCAL_CRAWL_SETTINGS, DOWNLOAD_TIMEOUT=600),
    )
    clock = EventClock(only_the_hang_is_left(sites, settings.db), run_recorded(settings.db))
    report = run_cycle(load_config(settings), clock=clock)
    assert clock.passed == 2
    assert report.crawl.status != "finished"
    db = store.open_database(settings.db)
    unfinished = {
        source: message
        for source, message in db.execute(
            "SELECT source, message FROM crawl_errors WHERE kind = 'unfinished'"
        )
    }
    assert set(unfinished) == {"lequotidien"}
    assert all("stopped before this source was done" in m for m in unfinished.values())
    assert report.unfinished == ["lequotidien"] and report.crawl.status == "stopped: time limit"
    errors = dict(db.execute("SELECT name, error_count FROM sources").fetchall())
    assert errors["lequotidien"] >= 1
    paces = dict(db.execute("SELECT name, pace FROM sources").fetchall())
    assert paces["alkhabar"] == "normal"
    assert paces["lequotidien"] == "backing off after 1 failed crawl(s)"


@pytest.mark.parametrize("print_first", [True, False])
def test_a_print_page_and_its_slug_page_are_stored_under_the_slug(sites, tmp_path, print_first):
    """The Arabic fixture site lists an article's /print/ version in its sitemap and the slug
    page (with rel=canonical) in its feed: whichever comes first, the stored address, and so
    the alert's link, is the slug page."""
    from crawler.core.canonical import url_key

    khabar = sites["alkhabar"].base_url
    entries = (
        [f"{khabar}/sitemap-news.xml", f"{khabar}/feed"]
        if print_first
        else [f"{khabar}/feed", f"{khabar}/sitemap-news.xml"]
    )
    sources = tmp_path / "sources.yaml"
    kinds = ["sitemaps", "feeds"] if print_first else ["feeds", "sitemaps"]
    sources.write_text(
        f"sources:\n  - name: alkhabar\n    homepage: {khabar}/\n"
        + "".join(f"    {kind}: [{url}]\n" for kind, url in zip(kinds, entries, strict=True)),
        encoding="utf-8",
    )
    run_crawl(tmp_path, sources, settings={"CONCURRENT_REQUESTS": 1})
    db = store.open_database(tmp_path / "veille.db")
    urls = [url for (url,) in db.execute("SELECT url FROM articles")]
    assert urls and not any("/print/" in url for url in urls), urls
    (article_id,) = db.execute(
        "SELECT article_id FROM article_urls WHERE url_key = ?", [url_key(f"{khabar}/print/88412/")]
    ).fetchone()
    (url,) = db.execute("SELECT url FROM articles WHERE id = ?", [article_id]).fetchone()
    assert url.startswith(f"{khabar}/2026/11/")

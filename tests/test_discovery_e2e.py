"""Real crawls of a fixture site that serves what real Moroccan sites serve, and loses nothing:
a listing whose charset is only in the HTTP header (windows-1256, Arabic links), relative links
under a `<base href>`, a link to the site's other host name, a `.xml.gz` sitemap found through
robots.txt, a sitemap sent with Content-Encoding gzip, a feed served as text/html, an article
that answers 500 once behind a feed that then answers 304, and a feed link that spells the
percent-escapes of an Arabic slug in lower case. The retry book's tests run on both engines:
the first crawl on SQLite, then on PostgreSQL its copy (`veille db copy`).
"""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import unquote

import pytest

from crawler.discovery import retries
from crawler.fetching.crawl import crawl
from crawler.storage import store
from monitors.demo.run import LOCAL_CRAWL_SETTINGS
from monitors.demo.sites import serve_site, stop_sites
from monitors.service.status import gather_status

from .conftest import database_from
from .stored_articles import stored_article

pytestmark = pytest.mark.slow  # end-to-end: real processes (README, "Development")

SITE = Path(__file__).parent / "fixtures" / "sites" / "decouverte"
# The alias host `localhost` may resolve to ::1 as well as 127.0.0.1.
SETTINGS = dict(LOCAL_CRAWL_SETTINGS, VEILLE_ALLOWED_NETWORKS=["127.0.0.0/8", "::1/128"])

EXPECTED = {
    "/ar/2026/11/25/الذكاء-الاصطناعي-في-التعليم/",  # listing, relative to <base href>; feed
    "/ar/2026/11/26/مراكز-البيانات-بنجرير/",  # listing, on the alias host
    "/2026/11/24/cloud-souverain-appel-offres/",  # .xml.gz sitemap from robots.txt
    "/2026/11/22/cybersecurite-dgssi-rapport/",  # Content-Encoding gzip sitemap
    "/2026/11/23/startups-fonds-amorcage/",  # feed served as text/html
}
FLAKY = "/2026/11/21/fibre-optique-zones-rurales/"  # 500 on the first request, then 200


@pytest.fixture
def site():
    served = serve_site(SITE)
    yield served
    stop_sites({"decouverte": served})


def _sources(tmp_path: Path, base: str, feed: str = "/feed/", listing: str = "/rubrique/tech/"):
    path = tmp_path / "sources.yaml"
    path.write_text(
        f"""sources:
  - name: maroc-numerique
    title: Maroc Numérique
    homepage: {base}/
    languages: [fr, ar]
    aliases: [localhost]
    sitemaps_from_robots: true
    feeds: [{base}{feed}]
    sitemaps: [{base}/sitemaps/encoded.xml]
    listings: [{base}{listing}]
""",
        encoding="utf-8",
    )
    return path


def _crawl(tmp_path: Path, sources: Path, db: str | Path | None = None):
    return crawl(
        db or tmp_path / "veille.db",
        sources,
        settings=SETTINGS,
        time_limit=90,
        log_file=tmp_path / "crawl.log",
    )


def _paths(db) -> list[str]:
    return sorted(
        unquote(url.split("/", 3)[3]).join(("/", ""))
        for (url,) in db.execute("SELECT url FROM articles").fetchall()
    )


def test_every_article_is_found_and_stored_once(site, tmp_path, engine, request):
    sources = _sources(tmp_path, site.base_url)
    first = _crawl(tmp_path, sources)
    location = database_from(request, engine, tmp_path / "veille.db")
    db = store.open_database(location)
    assert _paths(db) == sorted(EXPECTED), (tmp_path / "crawl.log").read_text()[-3000:]
    titles = dict(db.execute("SELECT url, title FROM articles").fetchall())
    assert "الذكاء الاصطناعي يدخل المدارس المغربية" in titles.values()  # not mojibake
    errors = [kind for (kind,) in db.execute("SELECT kind FROM crawl_errors").fetchall()]
    assert "malformed-feed" not in errors and "malformed-sitemap" not in errors
    assert errors == ["http-500"]  # the flaky article, booked for the next crawl
    assert first.per_source["maroc-numerique"]["new"] == len(EXPECTED)

    # Second crawl: every entry point answers 304; the flaky article comes from the retry book.
    site.requests.clear()
    second = _crawl(tmp_path, sources, location)
    assert _paths(db) == sorted(EXPECTED | {FLAKY})
    fetched = [unquote(r.path) for r in site.requests]
    assert fetched.count(FLAKY) == 1
    assert second.per_source["maroc-numerique"]["retried"] == 1
    assert second.per_source["maroc-numerique"]["not_modified"] >= 4
    assert db.execute("SELECT count(*) FROM article_retries").fetchone()[0] == 0


def test_listing_drops_files_sections_tags_authors_and_pagination(site, tmp_path):
    _crawl(tmp_path, _sources(tmp_path, site.base_url))
    fetched = {unquote(r.path) for r in site.requests}
    for never in (
        "/category/tech/",
        "/tag/intelligence-artificielle/",
        "/author/meryem-tazi/",
        "/medias/reportage-datacenter-benguerir.mp4",
        "/offres-d-emploi/developpeur-full-stack-casablanca/",
        "/rubrique/tech/page/2/",
        "/contact/",
    ):
        assert never not in fetched, never


def test_a_failing_article_is_retried_with_backoff_then_given_up(site, tmp_path, engine, request):
    sources = _sources(tmp_path, site.base_url)
    _crawl(tmp_path, sources)
    db = store.open_database(database_from(request, engine, tmp_path / "veille.db"))
    key = db.execute("SELECT url_key FROM article_retries").fetchone()[0]
    assert retries.state_of(db, key) == "due"  # the next crawl tries it again
    # Four more failures, as a site down for a day would give: given up, reason kept.
    for _ in range(retries.MAX_ATTEMPTS - 1):
        state = retries.book_failure(db, "maroc-numerique", key, "u", "timeout", "timed out")
    assert state == retries.GIVEN_UP
    status = gather_status(db)
    (source,) = [s for s in status.sources if s.name == "maroc-numerique"]
    assert (source.retries_waiting, source.retries_given_up) == (0, 1)
    row = db.execute("SELECT state, reason FROM article_retries").fetchone()
    assert row == ("given-up", "timed out")
    assert retries.book_failure(db, "s", "k404", "u", "http-404", "HTTP 404") == "permanent"


def test_a_source_whose_links_all_go_elsewhere_warns_in_status(site, tmp_path):
    """The same site configured without its alias and with a pattern none of its links match:
    the crawl succeeds, stores nothing from the listing, and says so."""
    sources = tmp_path / "dark.yaml"
    sources.write_text(
        f"""sources:
  - name: maroc-numerique
    homepage: {site.base_url}/
    listings: [{site.base_url}/rubrique/tech/]
    article_pattern: '/actualite/\\d+\\.html$'
""",
        encoding="utf-8",
    )
    _crawl(tmp_path, sources)
    from click.testing import CliRunner

    from monitors.cli import cli

    result = CliRunner().invoke(
        cli, ["--db", str(tmp_path / "veille.db"), "--sources", str(sources), "status", "--json"]
    )
    (source,) = json.loads(result.stdout)["sources"]
    assert "none taken as articles" in source["warning"]
    assert "not matching article_pattern" in source["warning"]
    text = CliRunner().invoke(cli, ["--db", str(tmp_path / "veille.db"), "status"]).output
    assert "warning: maroc-numerique:" in text


def test_a_source_that_goes_quiet_warns_and_recovers(tmp_path):
    db = store.open_database(tmp_path / "v.db")
    store.register_sources(db, [_FakeSource("site")])
    for _ in range(4):
        assert store.record_link_counts(db, "site", 40, {}) is None
    warning = store.record_link_counts(db, "site", 2, {})
    assert "only 2 article links in this crawl, usually about 40" in warning
    assert store.record_link_counts(db, "site", 1, {})  # a dark crawl does not lower the norm
    assert store.record_link_counts(db, "site", 38, {}) is None
    assert db.execute("SELECT warning FROM sources").fetchone()[0] is None


class _FakeSource:
    def __init__(self, name: str) -> None:
        self.name, self.title, self.homepage, self.languages = name, name, "https://a.ma/", ()


def test_a_booked_article_found_stored_leaves_the_retry_book(site, tmp_path):
    """An article stored by a crawl killed before it could settle its retry entry: the next
    crawl finds it stored and clears the entry, which would otherwise stay due for good and
    keep one of the source's retry places on every crawl."""
    sources = _sources(tmp_path, site.base_url)
    _crawl(tmp_path, sources)
    db = store.open_database(tmp_path / "veille.db")
    ((key, url),) = db.execute("SELECT url_key, url FROM article_retries").fetchall()
    text = "La fibre optique arrive dans les zones rurales du Royaume, annonce l'opérateur. " * 5
    stored = stored_article(
        "maroc-numerique", url, "Fibre optique", text, published="2026-11-21T10:00:00+01:00"
    )
    store.store_articles(db, [stored])  # stored, its entry not settled (the kill)
    assert retries.state_of(db, key) == "due"
    second = _crawl(tmp_path, sources)
    assert retries.state_of(db, key) is None
    assert second.per_source["maroc-numerique"].get("retried", 0) == 0

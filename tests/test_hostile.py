"""Fault injection: a hostile site costs its own source a try, never the crawl, never the
machine; internal addresses are refused; wrong encodings still decode."""

from __future__ import annotations

import pytest

from crawler.fetching.crawl import crawl
from crawler.storage import store
from monitors.demo.run import LOCAL_CRAWL_SETTINGS

from .hostile import ARABIC_TEXT, ENGLISH_TEXT, FRENCH_TEXT, HostileSite

pytestmark = pytest.mark.slow  # end-to-end: real processes (README, "Development")


@pytest.fixture
def hostile():
    site = HostileSite()
    yield site
    site.stop()


def test_a_hostile_site_costs_its_source_one_try_each_and_the_crawl_finishes(
    hostile, sites, tmp_path
):
    base = hostile.base_url
    quotidien = sites["lequotidien"].base_url
    sources = tmp_path / "sources.yaml"
    sources.write_text(
        f"""sources:
  - name: hostile
    homepage: {base}/
    feeds: [{base}/feed, {base}/bomb-feed]
    sitemaps: [{base}/bomb-sitemap]
  - name: lequotidien
    homepage: {quotidien}/
    feeds: [{quotidien}/feed/]
""",
        encoding="utf-8",
    )
    # The suite's usual 10 s download timeout: only the dripping and hanging pages reach it,
    # even on a loaded machine (at 3 s, a slow ordinary page could too).
    settings = dict(LOCAL_CRAWL_SETTINGS, DOWNLOAD_MAXSIZE=1_000_000, REDIRECT_MAX_TIMES=4)
    result = crawl(
        tmp_path / "v.db",
        sources,
        settings=settings,
        time_limit=120,
        log_file=tmp_path / "crawl.log",
    )
    # Finished, not stopped at its limit: the drip (5 min) and the hang (an hour) were cut.
    assert result.status == "finished"

    db = store.open_database(tmp_path / "v.db")
    texts = dict(db.execute("SELECT url, text FROM articles WHERE source='hostile'").fetchall())
    by_path = {url.removeprefix(base): text for url, text in texts.items()}
    assert set(by_path) == {"/ar-1256", "/fr-8859", "/en-undeclared"}
    assert ARABIC_TEXT[:60] in by_path["/ar-1256"]  # windows-1256 declared in the HTTP header only
    assert (
        FRENCH_TEXT[:60] in by_path["/fr-8859"] and "100 €" in by_path["/fr-8859"]
    )  # ISO-8859-15 in <meta> only
    assert ENGLISH_TEXT[:60] in by_path["/en-undeclared"]

    errors = {}
    for url, kind, message in db.execute(
        "SELECT url, kind, message FROM crawl_errors WHERE source='hostile'"
    ):
        errors.setdefault((url or "").removeprefix(base), []).append((kind, message))
    assert errors["/drip"][0][0] in ("timeout", "truncated")
    assert errors["/hang"][0][0] == "timeout"
    assert errors["/reset"][0][0] in ("connection-lost", "truncated")
    assert errors["/huge"][0][0] == "too-large"
    assert errors["/gzip-bomb"][0][0] == "too-large"  # 60 MB of zeros, 58 KB on the wire
    assert [k for k, _ in errors.get("/loop-a", []) + errors.get("/loop-b", [])] == [
        "redirect-loop"
    ]
    metadata = errors["http://169.254.169.254/latest/meta-data/"]  # where the redirect pointed
    assert [k for k, _ in metadata] == ["blocked-address"]
    assert all(errors[f"/storm/{i}"][0][0] == "http-500" for i in range(25))
    assert errors["/bomb-feed"][0][0] == "malformed-feed"
    assert errors["/bomb-sitemap"][0][0] == "malformed-sitemap"
    assert "/latest/meta-data/" not in hostile.hits

    # The well-behaved source in the same crawl did not suffer.
    assert db.execute("SELECT count(*) FROM articles WHERE source='lequotidien'").fetchone()[0] == 4
    (success,) = db.execute(
        "SELECT last_success_at FROM sources WHERE name='lequotidien'"
    ).fetchone()
    assert success is not None


def test_internal_addresses_are_refused_unless_allowed(sites, sources_file, tmp_path):
    refused = dict(LOCAL_CRAWL_SETTINGS, VEILLE_ALLOWED_NETWORKS=[])
    result = crawl(tmp_path / "v.db", sources_file, settings=refused, time_limit=60)
    assert result.new_articles == 0
    assert all(not site.requests for site in sites.values())  # nothing reached the servers
    db = store.open_database(tmp_path / "v.db")
    kinds = {kind for (kind,) in db.execute("SELECT kind FROM crawl_errors")}
    assert kinds == {"blocked-address"}
    message = db.execute("SELECT message FROM crawl_errors LIMIT 1").fetchone()[0]
    assert "VEILLE_ALLOWED_NETWORKS" in message


def test_only_http_addresses_are_fetched_and_a_bad_link_costs_only_itself(hostile, tmp_path):
    """A sitemap index listing file:, data: and shared-address-space (100.64/10) children, and a
    feed whose items have a bad port, a broken IPv6 literal, a guid that is no address: none is
    requested, each is recorded, and the good child and the good item are stored."""
    base = hostile.base_url
    sources = tmp_path / "sources.yaml"
    sources.write_text(
        f"""sources:
  - name: hostile
    homepage: {base}/
    feeds: [{base}/bad-port-feed]
    sitemaps: [{base}/escape-index]
""",
        encoding="utf-8",
    )
    result = crawl(tmp_path / "v.db", sources, settings=LOCAL_CRAWL_SETTINGS, time_limit=120)
    assert result.status == "finished"
    db = store.open_database(tmp_path / "v.db")
    stored = {url.removeprefix(base) for (url,) in db.execute("SELECT url FROM articles")}
    assert stored == {"/fr-8859", "/en-undeclared"}
    errors = db.execute("SELECT kind, url, message FROM crawl_errors").fetchall()
    blocked = [m for k, _, m in errors if k == "blocked-address"]
    assert any("3 child sitemap(s) not at an http(s) address" in m for m in blocked), errors
    assert any("100.64.0.1" in m for m in blocked), errors
    # the bad port, and the guid that is no address (it cost the whole feed before)
    assert any(k == "bad-link" and "2 link(s)" in m and ":99999" in m for k, _, m in errors), errors


def test_an_article_link_past_the_url_length_limit_is_recorded_with_the_setting(hostile, tmp_path):
    """A feed item whose address is longer than Scrapy's URLLENGTH_LIMIT (2,083 characters: an
    Arabic slug of 20 words, each letter six characters escaped) was dropped by Scrapy with a
    line in the crawl log only: nothing against the source, the article never stored."""
    base = hostile.base_url
    sources = tmp_path / "sources.yaml"
    sources.write_text(
        f"sources:\n  - name: hostile\n    homepage: {base}/\n    feeds: [{base}/long-link-feed]\n",
        encoding="utf-8",
    )
    result = crawl(tmp_path / "v.db", sources, settings=LOCAL_CRAWL_SETTINGS, time_limit=120)
    assert result.status == "finished"
    db = store.open_database(tmp_path / "v.db")
    stored = {url.removeprefix(base) for (url,) in db.execute("SELECT url FROM articles")}
    assert stored == {"/fr-8859"}
    errors = db.execute("SELECT kind, message FROM crawl_errors").fetchall()
    assert [k for k, _ in errors] == ["bad-link"], errors
    assert "1 link(s)" in errors[0][1] and "URLLENGTH_LIMIT" in errors[0][1], errors


def test_a_page_of_a_million_small_elements_costs_its_source_one_page(hostile, tmp_path):
    """9.5 MB of small elements (under the 10 MB cap) is declined before extraction, with its
    reason recorded against the source; the source's next article is stored."""
    base = hostile.base_url
    sources = tmp_path / "sources.yaml"
    sources.write_text(
        f"sources:\n  - name: hostile\n    homepage: {base}/\n    feeds: [{base}/heavy-feed]\n",
        encoding="utf-8",
    )
    result = crawl(tmp_path / "v.db", sources, settings=LOCAL_CRAWL_SETTINGS, time_limit=120)
    # Its extraction would take minutes (the crawl would end at its time limit, or the page
    # as too slow); declined before extraction, it costs a download and a count of tags.
    assert result.status == "finished"
    db = store.open_database(tmp_path / "v.db")
    stored = {url.removeprefix(base) for (url,) in db.execute("SELECT url FROM articles")}
    assert stored == {"/fr-8859"}
    (message,) = db.execute(
        "SELECT message FROM crawl_errors WHERE kind = 'too-complex'"
    ).fetchone()
    assert "page too complex to extract: about 1360006 tags" in message


def test_an_overlong_text_is_kept_up_to_the_limit_and_says_so(monkeypatch):
    from crawler.extraction import extract

    monkeypatch.setattr(extract, "MAX_TEXT_CHARACTERS", 2_000)
    paragraphs = "".join(f"<p>{FRENCH_TEXT} Paragraphe {i}.</p>" for i in range(40))
    page = f"<html lang='fr'><body><article><h1>Long</h1>{paragraphs}</article></body></html>"
    extracted = extract.extract_article(page, "https://example.ma/long")
    assert len(extracted.text) <= 2_000 and extracted.text_cut_from > 2_000

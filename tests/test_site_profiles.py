"""Site profiles, looked up by source and used on every path: every saved page of every profile
extracts as saved; `veille extract --source` and `veille rules test --source` apply the profile."""

from __future__ import annotations

import asyncio
import json
from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner

from crawler.discovery.sources import load_saved_pages, load_sources
from crawler.extraction.dates import FEED, PAGE_PROFILE
from crawler.extraction.extract import PATH_PROFILE, extract_article
from crawler.extraction.profiles import check_saved_page
from crawler.items import ArticleItem
from crawler.pipelines import ExtractPipeline
from monitors.cli import cli
from seeds import BUNDLED_SAVED_PAGES, BUNDLED_SOURCES

pytestmark = pytest.mark.slow  # end-to-end: real processes (README, "Development")

FIXTURES = Path(__file__).parent / "fixtures" / "extraction"
TEST_SOURCES = FIXTURES / "sources.yaml"
BUNDLED = load_sources(BUNDLED_SOURCES)
BUNDLED_PAGES = load_saved_pages(BUNDLED_SAVED_PAGES)
SAVED = [
    (source, page)
    for source_list in (BUNDLED, load_sources(TEST_SOURCES))
    for source in source_list.sources
    for page in (*source.saved_pages, *BUNDLED_PAGES.get(source.name, ()))
]


@pytest.mark.parametrize(
    ("source", "page"), SAVED, ids=[f"{s.name}:{p.file.name}" for s, p in SAVED]
)
def test_every_saved_page_of_every_profile_extracts_as_saved(source, page):
    assert check_saved_page(page, source.profile) == []


def test_a_bundled_profile_that_says_where_text_or_date_is_carries_a_saved_page():
    """A selector nobody checked on a page of the site is a guess: it comes with one."""
    unchecked = [
        s.name
        for s in BUNDLED.sources
        if (s.content_xpath or s.date_xpath) and not (s.saved_pages or BUNDLED_PAGES.get(s.name))
    ]
    assert unchecked == []


def test_every_bundled_source_with_a_profile_has_a_saved_page_in_french_and_arabic():
    profiled = [
        s
        for s in BUNDLED.sources
        if s.article_pattern or s.content_xpath or s.date_xpath or s.prune_xpath
    ]
    assert [s.name for s in profiled if s.name not in BUNDLED_PAGES] == []
    assert set(BUNDLED_PAGES) <= {s.name for s in BUNDLED.sources}  # no page of no source
    languages = {lang for s in profiled for lang in s.languages}
    assert len(profiled) >= 6 and {"fr", "ar"} <= languages
    for pages in BUNDLED_PAGES.values():
        for page in pages:  # small enough for the suite, each with what it must give
            assert page.file.stat().st_size < 16_000 and page.title and page.first_sentence


def test_the_bundled_sources_file_names_no_saved_page_file():
    """`veille init` copies sources.yaml elsewhere: the pages it named would stay behind."""
    assert all(not s.saved_pages for s in BUNDLED.sources)


BUNDLED_SAVED = [
    (BUNDLED.by_name(name), page) for name, pages in BUNDLED_PAGES.items() for page in pages
]


@pytest.mark.parametrize(
    ("source", "page"), BUNDLED_SAVED, ids=[f"{s.name}:{p.file.name}" for s, p in BUNDLED_SAVED]
)
def test_the_crawls_extraction_stage_stores_each_bundled_saved_page_as_saved(source, page):
    """The path a crawl takes: the spider's item (the page as decoded text, the source's
    profile), extracted and filled by the pipeline's extraction stage."""
    assert source.looks_like_article(page.url)  # the crawl would take the link
    item = ArticleItem(
        source=source.name,
        fetched_url=page.url,
        html=page.file.read_bytes().decode("utf-8"),
        profile=source.profile,
        feed_title="feed title",
    )
    stage = ExtractPipeline(crawler=None)
    stored = stage.fill(item, asyncio.run(stage._extract(item)))
    assert stored.title == page.title
    assert " ".join((stored.text or "").split()).startswith(page.first_sentence)
    if page.published:
        assert (stored.published or "").startswith(page.published)
        assert stored.published_origin != FEED
    assert stored.language in source.languages
    assert not [note for note in stored.notes if "_xpath" in note[1]]  # the profile matched


def test_a_saved_page_that_no_longer_extracts_as_saved_is_reported():
    source = load_sources(TEST_SOURCES).by_name("assabah")
    page = replace(source.saved_pages[0], published="2019-02-09", first_sentence="Autre chose")
    problems = check_saved_page(page, source.profile)
    assert len(problems) == 2 and "date '2019-02-08'" in problems[0]


def test_the_profile_says_where_the_text_and_the_date_are():
    source = load_sources(TEST_SOURCES).by_name("assabah")
    page = source.saved_pages[0]
    bare = extract_article(page.file.read_bytes(), page.url)
    profiled = extract_article(page.file.read_bytes(), page.url, source.profile)
    assert bare.date is None and bare.path != PATH_PROFILE  # no date in the page's markup
    assert profiled.date is not None and profiled.date.origin == PAGE_PROFILE
    assert profiled.path == PATH_PROFILE


def _run(*args: str):
    return CliRunner().invoke(cli, ["--sources", str(TEST_SOURCES), *args], catch_exceptions=False)


def test_extract_with_source_applies_the_profile():
    page = load_sources(TEST_SOURCES).by_name("assabah").saved_pages[0]
    without = json.loads(_run("extract", str(page.file), "--json").stdout)
    with_profile = json.loads(
        _run("extract", str(page.file), "--json", "--source", "assabah").output
    )
    assert without["published"] is None and without["source"] is None
    assert with_profile["published"] == "2019-02-08"
    assert with_profile["published_origin"] == PAGE_PROFILE
    assert with_profile["path"] == PATH_PROFILE and with_profile["source"] == "assabah"
    human = _run("extract", str(page.file), "--source", "assabah")
    assert f"text from: {PATH_PROFILE}" in human.output


def test_extract_with_an_unknown_source_says_which_exist():
    result = CliRunner().invoke(
        cli,
        ["--sources", str(TEST_SOURCES), "extract", str(FIXTURES / "x.html"), "--source", "nope"],
    )
    assert result.exit_code != 0 and "assabah" in result.output


def test_rules_test_with_source_applies_the_profile(tmp_path):
    rules = tmp_path / "watchlists.yaml"
    rules.write_text("watchlists:\n  - name: inwi\n    terms: [Inwi]\n", encoding="utf-8")
    page = str(FIXTURES / "promo-inside-article.html")
    base = ["--watchlists", str(rules), "rules", "test", page]
    assert _run(*base).exit_code == 0  # the promo line names Inwi
    profiled = _run(*base, "--source", "lejournal")  # its prune_xpath takes the promo out
    assert profiled.exit_code == 1 and "no watchlist matched" in profiled.output


def test_the_readers_rule_test_applies_the_source_profile(tmp_path):
    """The reader's rule test form takes a source, as `rules test URL --source` does: the page
    is fetched from a real server and extracted with that source's prune_xpath."""
    from crawler.storage import store
    from monitors.demo.sites import serve_site, stop_sites
    from monitors.web.app import ReaderConfig, create_app

    from .reader_client import FormClient, running

    site = tmp_path / "site"
    site.mkdir()
    (site / "cloud.html").write_bytes((FIXTURES / "promo-inside-article.html").read_bytes())
    rules = tmp_path / "watchlists.yaml"
    rules.write_text("watchlists:\n  - name: inwi\n    terms: [Inwi]\n", encoding="utf-8")
    store.open_database(tmp_path / "veille.db").conn.close()
    config = ReaderConfig(
        db=tmp_path / "veille.db",
        watchlists=rules,
        sources=TEST_SOURCES,
        raw_data=False,
        allowed_networks=["127.0.0.0/8"],
    )
    served = serve_site(site)
    try:
        with running(create_app(config)) as web:
            client = FormClient({"Accept-Language": "en"})
            form_url = f"{web}/watchlists/inwi"
            status, page = client.get(form_url)
            assert status == 200 and '<option value="lejournal">' in page
            url = f"{served.base_url}/cloud.html"
            _, bare = client.post(form_url, {"url": url})  # the promo line names Inwi
            _, profiled = client.post(form_url, {"url": url, "source": "lejournal"})
            _, unknown = client.post(form_url, {"url": url, "source": "nope"})
    finally:
        stop_sites({"site": served})
    assert "Matched by this watchlist" in bare and "Inwi" in bare
    assert "This watchlist does not match this text." in profiled, profiled[-2000:]
    assert "Matched by this watchlist" not in profiled
    assert "no source named 'nope'" in unknown and "lejournal" in unknown


def test_rules_test_of_a_url_with_source_applies_the_profile(tmp_path):
    """`rules test URL --source`: fetched from a real server, extracted with the profile."""
    from monitors.demo.sites import serve_site, stop_sites

    site = tmp_path / "site"
    site.mkdir()
    (site / "cloud.html").write_bytes((FIXTURES / "promo-inside-article.html").read_bytes())
    rules = tmp_path / "watchlists.yaml"
    rules.write_text("watchlists:\n  - name: inwi\n    terms: [Inwi]\n", encoding="utf-8")
    served = serve_site(site)
    loopback = {"VEILLE_CRAWL_SETTINGS": '{"VEILLE_ALLOWED_NETWORKS": ["127.0.0.0/8"]}'}
    base = ["--sources", str(TEST_SOURCES), "--watchlists", str(rules), "rules", "test"]
    try:
        url = f"{served.base_url}/cloud.html"
        bare = CliRunner().invoke(cli, [*base, url], env=loopback, catch_exceptions=False)
        profiled = CliRunner().invoke(
            cli, [*base, url, "--source", "lejournal"], env=loopback, catch_exceptions=False
        )
    finally:
        stop_sites({"site": served})
    assert bare.exit_code == 0, bare.output  # the promo line names Inwi
    assert profiled.exit_code == 1 and "no watchlist matched" in profiled.output


def test_extract_and_rules_test_of_a_url_apply_a_bundled_profile(tmp_path):
    """On Le360's Arabic saved page the profile reads the body paragraphs alone; read whole,
    the text starts with the rubric label above the headline (« تكنولوجيا »), which a watchlist
    on that word then matches."""
    from monitors.demo.sites import serve_site, stop_sites

    page = BUNDLED_PAGES["le360-ar"][0]
    base = ["--sources", str(BUNDLED_SOURCES)]
    run = CliRunner().invoke
    whole = json.loads(run(cli, [*base, "extract", str(page.file), "--json"]).stdout)
    profiled = json.loads(
        run(cli, [*base, "extract", str(page.file), "--json", "--source", "le360-ar"]).stdout
    )
    assert whole["text"].startswith("تكنولوجيا") and whole["path"] != PATH_PROFILE
    assert profiled["path"] == PATH_PROFILE and profiled["source"] == "le360-ar"
    assert profiled["text"].startswith(page.first_sentence)

    site = tmp_path / "site"
    site.mkdir()
    (site / "article.html").write_bytes(page.file.read_bytes())
    rules = tmp_path / "watchlists.yaml"
    rules.write_text("watchlists:\n  - name: tech\n    terms: [تكنولوجيا]\n", encoding="utf-8")
    served = serve_site(site)
    loopback = {"VEILLE_CRAWL_SETTINGS": '{"VEILLE_ALLOWED_NETWORKS": ["127.0.0.0/8"]}'}
    test = [*base, "--watchlists", str(rules), "rules", "test", f"{served.base_url}/article.html"]
    try:
        bare = run(cli, test, env=loopback, catch_exceptions=False)
        with_profile = run(cli, [*test, "--source", "le360-ar"], env=loopback)
    finally:
        stop_sites({"site": served})
    assert bare.exit_code == 0, bare.output
    assert with_profile.exit_code == 1 and "no watchlist matched" in with_profile.output

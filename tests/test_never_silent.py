"""Never silent: a real crawl of a fixture site whose section page links, beside its articles,
to a video, prayer times, the stock exchange, pharmacies on duty, the e-paper, a section and a
tag, and to a page too short to be an article and a page whose text reads like a menu. Each
verdict is recorded with its reason and counted per source in `veille status` (text and
--json) and on the reader's sources page."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from crawler.core.counts import DECLINED, NAVIGATION_TEXT
from crawler.discovery import links
from crawler.fetching.crawl import crawl
from crawler.storage import store
from monitors.cli import cli
from monitors.demo.run import LOCAL_CRAWL_SETTINGS
from monitors.demo.sites import serve_site, stop_sites

from .reader_client import FormClient, serving

pytestmark = pytest.mark.slow  # end-to-end: real processes (README, "Development")

SITE = Path(__file__).parent / "fixtures" / "sites" / "lecho"
NOT = links.NOT_AN_ARTICLE
EXPECTED_LINKS = {
    NOT + links.VIDEO: 1,
    NOT + links.LIVE_DATA: 2,  # prayer times, stock exchange
    NOT + links.SERVICE: 2,  # pharmacies on duty, e-paper
    NOT + links.LABEL: 1,  # "Finance et banques"
    NOT + "a section, tag, author, pagination or service page": 1,  # /tag/
}


@pytest.fixture(scope="module")
def crawled(tmp_path_factory):
    served = serve_site(SITE)
    folder = tmp_path_factory.mktemp("never-silent")
    sources = folder / "sources.yaml"
    sources.write_text(
        f"""sources:
  - name: lecho
    homepage: {served.base_url}/
    languages: [fr]
    listings: [{served.base_url}/economie/]
""",
        encoding="utf-8",
    )
    try:
        crawl(
            folder / "veille.db",
            sources,
            settings=LOCAL_CRAWL_SETTINGS,
            time_limit=90,
            log_file=folder / "crawl.log",
        )
    finally:
        stop_sites({"lecho": served})
    return folder / "veille.db", sources


def test_each_verdict_is_recorded_with_its_reason(crawled):
    db_path, _ = crawled
    db = store.open_database(db_path)
    try:
        titles = {title for (title,) in db.execute("SELECT title FROM articles").fetchall()}
        kept = {
            "Maroc Telecom investit deux milliards dans la fibre",
            "Les startups de Rabat lèvent des fonds record",
            "Nos dossiers",  # kept, but said to read like navigation
        }
        assert titles == kept, (db_path.parent / "crawl.log").read_text()[-3000:]
        errors = db.execute("SELECT kind, url, message FROM crawl_errors").fetchall()
    finally:
        db.conn.close()
    by_kind = {kind: (url, message) for kind, url, message in errors}
    assert by_kind[DECLINED][0].endswith("/page-en-construction-bientot/")
    assert "body too short" in by_kind[DECLINED][1]
    assert by_kind[NAVIGATION_TEXT][0].endswith("/nos-dossiers-du-mois/")
    assert "navigation" in by_kind[NAVIGATION_TEXT][1]


def test_status_counts_them_per_source(crawled):
    db_path, sources = crawled
    base = ["--db", str(db_path), "--sources", str(sources), "status"]
    result = CliRunner().invoke(cli, [*base, "--json"], catch_exceptions=False)
    (source,) = json.loads(result.stdout)["sources"]
    assert source["pages_declined"] == 1
    assert source["navigation_texts"] == 1
    assert source["links_not_taken"] == EXPECTED_LINKS
    text = CliRunner().invoke(cli, base, catch_exceptions=False).output
    assert "not stored as articles" in text
    line = next(line for line in text.splitlines() if line.strip().startswith("lecho:"))
    assert "1 page(s) declined" in line and "1 text(s) kept that read like navigation" in line
    assert "7 link(s) not taken as articles" in line and "2 " + NOT + links.LIVE_DATA in line


def test_the_readers_sources_page_shows_them(crawled):
    db_path, _ = crawled
    with serving(db_path) as base:
        status, page = FormClient({"Accept-Language": "en"}).get(base + "/sources")
    assert status == 200
    assert "1 page declined (7 d)" in page
    assert "1 text kept that reads like navigation (7 d)" in page
    assert "7 links of the last crawl that are not articles" in page
    assert NOT + links.VIDEO in page

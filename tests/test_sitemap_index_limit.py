"""A sitemap index listing more child sitemaps than a crawl fetches (VEILLE_MAX_CHILD_SITEMAPS):
the children fetched are the newest by the index's <lastmod>, and those left out are counted
in the crawl's record and said in its log. A WordPress index lists post-sitemap.xml,
post-sitemap2.xml … oldest first: the first twenty in the index's order were its archive, and
this week's articles, in the last child, were never seen, without a word."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from crawler.discovery.discover import newest_first, parse_sitemap
from crawler.fetching.crawl import crawl
from crawler.storage import store
from monitors.demo.run import LOCAL_CRAWL_SETTINGS
from monitors.demo.sites import PLACEHOLDER, serve_site, stop_sites

ARTICLE = (
    Path(__file__).parent
    / "fixtures/sites/lecho/2026/11/24/maroc-telecom-investit-dans-la-fibre/index.html"
)
NS = 'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'
CHILDREN = 25


def _index(count: int) -> str:
    """An index of `count` children, oldest first, as WordPress's SEO plugins write it."""
    children = "".join(
        f"<sitemap><loc>{PLACEHOLDER}/post-sitemap{n}.xml</loc>"
        f"<lastmod>2026-{1 + n // 3:02d}-{1 + n % 28:02d}T08:00:00+00:00</lastmod></sitemap>"
        for n in range(1, count + 1)
    )
    return f'<?xml version="1.0" encoding="UTF-8"?><sitemapindex {NS}>{children}</sitemapindex>'


def _site(root: Path) -> Path:
    root.mkdir()
    (root / "sitemap_index.xml").write_text(_index(CHILDREN), encoding="utf-8")
    for n in range(1, CHILDREN):  # the archive: nothing left to fetch
        (root / f"post-sitemap{n}.xml").write_text(
            f'<?xml version="1.0"?><urlset {NS}></urlset>', encoding="utf-8"
        )
    (root / f"post-sitemap{CHILDREN}.xml").write_text(  # this week's article
        f'<?xml version="1.0"?><urlset {NS}><url><loc>{PLACEHOLDER}/fibre/</loc>'
        "<lastmod>2026-11-24T08:00:00+00:00</lastmod></url></urlset>",
        encoding="utf-8",
    )
    (root / "fibre").mkdir()
    shutil.copy(ARTICLE, root / "fibre" / "index.html")
    return root


def test_the_index_gives_each_childs_lastmod():
    found = parse_sitemap(_index(3).replace(PLACEHOLDER, "https://a.ma").encode(), "https://a.ma/")
    assert found.sitemaps == [f"https://a.ma/post-sitemap{n}.xml" for n in (1, 2, 3)]
    assert found.sitemap_modified["https://a.ma/post-sitemap3.xml"] == "2026-02-04T08:00:00+00:00"


@pytest.mark.slow  # a real crawl
def test_a_crawl_fetches_the_newest_child_sitemaps_and_counts_those_it_leaves(tmp_path):
    served = serve_site(_site(tmp_path / "site"))
    sources = tmp_path / "sources.yaml"
    sources.write_text(
        f"""sources:
  - name: lecho
    homepage: {served.base_url}/
    languages: [fr]
    sitemaps: [{served.base_url}/sitemap_index.xml]
""",
        encoding="utf-8",
    )
    try:
        crawl(
            tmp_path / "veille.db",
            sources,
            settings=dict(LOCAL_CRAWL_SETTINGS, VEILLE_MAX_CHILD_SITEMAPS=20),
            time_limit=90,
            log_file=tmp_path / "crawl.log",
        )
    finally:
        stop_sites({"lecho": served})
    log = (tmp_path / "crawl.log").read_text(encoding="utf-8")
    fetched = {r.path for r in served.requests if r.path.startswith("/post-sitemap")}
    assert len(fetched) == 20
    assert f"/post-sitemap{CHILDREN}.xml" in fetched and "/post-sitemap1.xml" not in fetched
    db = store.open_database(tmp_path / "veille.db")
    try:
        titles = [title for (title,) in db.execute("SELECT title FROM articles")]
        (stats,) = db.execute("SELECT stats FROM crawl_runs").fetchone()
    finally:
        db.conn.close()
    assert titles == ["Maroc Telecom investit deux milliards dans la fibre"], log[-3000:]
    assert json.loads(stats)["lecho"]["sitemaps_not_fetched"] == CHILDREN - 20
    assert "5 child sitemap(s) not fetched" in log and "VEILLE_MAX_CHILD_SITEMAPS" in log


@pytest.mark.slow  # a real crawl
def test_an_index_listing_itself_is_read_once(tmp_path):
    """An index that lists itself (some site plug-ins put the index in its own list) was read
    again at each of the two levels followed, and its children with it: three requests for
    the index and two for each child, in every crawl."""
    root = tmp_path / "site"
    root.mkdir()
    (root / "sitemap_index.xml").write_text(
        f'<?xml version="1.0"?><sitemapindex {NS}>'
        f"<sitemap><loc>{PLACEHOLDER}/sitemap_index.xml</loc></sitemap>"
        f"<sitemap><loc>{PLACEHOLDER}/posts.xml</loc></sitemap></sitemapindex>",
        encoding="utf-8",
    )
    (root / "posts.xml").write_text(
        f'<?xml version="1.0"?><urlset {NS}><url><loc>{PLACEHOLDER}/fibre/</loc></url></urlset>',
        encoding="utf-8",
    )
    (root / "fibre").mkdir()
    shutil.copy(ARTICLE, root / "fibre" / "index.html")
    served = serve_site(root)
    sources = tmp_path / "sources.yaml"
    sources.write_text(
        f"sources:\n  - name: lecho\n    homepage: {served.base_url}/\n"
        f"    sitemaps: [{served.base_url}/sitemap_index.xml]\n",
        encoding="utf-8",
    )
    try:
        crawl(
            tmp_path / "veille.db",
            sources,
            settings=LOCAL_CRAWL_SETTINGS,
            time_limit=90,
            log_file=tmp_path / "crawl.log",
        )
    finally:
        stop_sites({"lecho": served})
    paths = [r.path for r in served.requests]
    assert paths.count("/sitemap_index.xml") == 1 and paths.count("/posts.xml") == 1, paths
    db = store.open_database(tmp_path / "veille.db")
    try:
        assert db.execute("SELECT count(*) FROM articles").fetchone()[0] == 1
    finally:
        db.conn.close()


@pytest.mark.slow  # a real crawl
def test_a_child_listed_twice_takes_one_place_of_the_limit(tmp_path):
    """A child sitemap an index lists twice counted twice against VEILLE_MAX_CHILD_SITEMAPS:
    an index of three children, one listed again, with a limit of three, left its oldest
    child (and its articles) out of every crawl, and said one child was not fetched."""
    root = tmp_path / "site"
    root.mkdir()
    listed = [(1, "2026-01"), (2, "2026-02"), (3, "2026-03"), (3, "2026-03")]
    (root / "sitemap_index.xml").write_text(
        f'<?xml version="1.0"?><sitemapindex {NS}>'
        + "".join(
            f"<sitemap><loc>{PLACEHOLDER}/post-sitemap{n}.xml</loc>"
            f"<lastmod>{month}-01T08:00:00+00:00</lastmod></sitemap>"
            for n, month in listed
        )
        + "</sitemapindex>",
        encoding="utf-8",
    )
    for n in (2, 3):
        (root / f"post-sitemap{n}.xml").write_text(
            f'<?xml version="1.0"?><urlset {NS}></urlset>', encoding="utf-8"
        )
    (root / "post-sitemap1.xml").write_text(  # the oldest child holds the article
        f'<?xml version="1.0"?><urlset {NS}><url><loc>{PLACEHOLDER}/fibre/</loc></url></urlset>',
        encoding="utf-8",
    )
    (root / "fibre").mkdir()
    shutil.copy(ARTICLE, root / "fibre" / "index.html")
    served = serve_site(root)
    sources = tmp_path / "sources.yaml"
    sources.write_text(
        f"sources:\n  - name: lecho\n    homepage: {served.base_url}/\n"
        f"    sitemaps: [{served.base_url}/sitemap_index.xml]\n",
        encoding="utf-8",
    )
    try:
        crawl(
            tmp_path / "veille.db",
            sources,
            settings=dict(LOCAL_CRAWL_SETTINGS, VEILLE_MAX_CHILD_SITEMAPS=3),
            time_limit=90,
            log_file=tmp_path / "crawl.log",
        )
    finally:
        stop_sites({"lecho": served})
    fetched = [r.path for r in served.requests if r.path.startswith("/post-sitemap")]
    assert sorted(fetched) == ["/post-sitemap1.xml", "/post-sitemap2.xml", "/post-sitemap3.xml"]
    db = store.open_database(tmp_path / "veille.db")
    try:
        assert db.execute("SELECT count(*) FROM articles").fetchone()[0] == 1
        (stats,) = db.execute("SELECT stats FROM crawl_runs").fetchone()
    finally:
        db.conn.close()
    assert "sitemaps_not_fetched" not in json.loads(stats)["lecho"]
    assert "not fetched" not in (tmp_path / "crawl.log").read_text(encoding="utf-8")


def test_a_lastmod_given_to_the_month_or_year_is_a_date():
    """A sitemap's <lastmod> is a W3C Datetime, which may stop at the month or the year
    (« 2026-11 », « 2026 »): such a child was ranked with the children of no date, after every
    dated one, so an index's newest child written so was the first left out."""
    modified = {
        "https://a.ma/2025.xml": "2025-06-30T08:00:00+01:00",
        "https://a.ma/2026-11.xml": "2026-11",
        "https://a.ma/2026.xml": "2026",
        "https://a.ma/none.xml": "not a date",
    }
    listed = list(modified)
    assert newest_first(listed, modified) == [
        "https://a.ma/2026-11.xml",
        "https://a.ma/2026.xml",
        "https://a.ma/2025.xml",
        "https://a.ma/none.xml",
    ]

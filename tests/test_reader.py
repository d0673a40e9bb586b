"""The reader of `veille serve`, opened in Debian's chromium on a database filled by a real crawl
of the fixture sites (two French outlets running the same UM6P story, an Arabic outlet): every
page type, highlighted terms, why it matched, a story's outlets, the rule language in search,
Arabic right to left, Atom feeds, and the login that guards any address beyond loopback. On both
engines: the crawled SQLite file, then its PostgreSQL copy (`veille db copy`) served the same."""

from __future__ import annotations

import base64
import io
import json
import re
import urllib.error
import urllib.parse
import urllib.request
from html.parser import HTMLParser
from pathlib import Path

import feedparser
import pytest
from click.testing import CliRunner

from monitors.cli import cli
from monitors.people.passwords import hash_password
from monitors.service.config import load_config
from monitors.service.cycle import run_cycle
from seeds import BUNDLED_WATCHLISTS

from .browser import dump_dom, screenshot
from .conftest import database_from, make_settings
from .reader_client import FormClient, serving

pytestmark = pytest.mark.slow  # end-to-end: real processes (README, "Development")

WATCHLISTS = BUNDLED_WATCHLISTS
SITES = Path(__file__).parent / "fixtures" / "sites"
UM6P_TITLE = "L'UM6P met en service un nouveau supercalculateur à Benguérir"
VIGIE_TITLE = "Toubkal II : l’UM6P inaugure un supercalculateur quatre fois plus puissant"
ARABIC_TITLE = "السِّيادة الرقمية: المغرب يسرّع مشروع الحوسبة السحابية الوطنية"
LAVIGIE = """  - name: lavigie
    title: La Vigie Éco
    homepage: "{base}/"
    languages: [fr]
    feeds:
      - "{base}/feed/"
"""


@pytest.fixture(scope="module")
def reader_db(tmp_path_factory) -> Path:
    """One full cycle (crawl, stories, matching) over the demo sites and La Vigie Éco."""
    from monitors.demo.run import console_only
    from monitors.demo.sites import (
        DEMO_SITES_ROOT,
        render_sources,
        serve_demo_sites,
        serve_site,
        stop_sites,
    )

    folder = tmp_path_factory.mktemp("reader")
    sites = serve_demo_sites()
    sites["lavigie"] = serve_site(SITES / "lavigie")
    try:
        text = render_sources(DEMO_SITES_ROOT / "sources.yaml", sites)
        text += LAVIGIE.format(base=sites["lavigie"].base_url)
        (folder / "sources.yaml").write_text(text, encoding="utf-8")
        config = console_only(
            load_config(make_settings(folder, folder / "sources.yaml", WATCHLISTS))
        )
        run_cycle(config, console=io.StringIO())
    finally:
        stop_sites(sites)
    return folder / "veille.db"


@pytest.fixture(scope="module")
def reader_location(reader_db, engine, request) -> str:
    """The crawled database on each engine: the file, or its PostgreSQL copy."""
    return database_from(request, engine, reader_db)


# Screenshots are taken of the SQLite run only (the same pages, for people to look at).
SCREENSHOTS = {"on": True}


@pytest.fixture(scope="module")
def web(reader_location, engine):
    SCREENSHOTS["on"] = engine == "sqlite"
    with serving(reader_location) as base:
        yield base


def get(url: str, headers: dict | None = None) -> tuple[int, bytes]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


class _Page(HTMLParser):
    """What a reader sees of a DOM: visible text, links (href, text), elements with attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.text: list[str] = []
        self.links: list[tuple[str, str]] = []
        self.elements: list[tuple[str, dict]] = []
        self.marks: list[str] = []
        self._open: list[str] = []
        self._link: list | None = None
        self._mark: list | None = None
        self._hidden = 0

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        self.elements.append((tag, attributes))
        if tag in ("script", "style", "title"):
            self._hidden += 1
        if tag == "a":
            self._link = [attributes.get("href", ""), ""]
        if tag == "mark":
            self._mark = [""]

    def handle_endtag(self, tag):
        if tag in ("script", "style", "title"):
            self._hidden -= 1
        if tag == "a" and self._link is not None:
            self.links.append((self._link[0], self._link[1].strip()))
            self._link = None
        if tag == "mark" and self._mark is not None:
            self.marks.append(self._mark[0])
            self._mark = None

    def handle_data(self, data):
        if self._hidden:
            return
        self.text.append(data)
        if self._link is not None:
            self._link[1] += data
        if self._mark is not None:
            self._mark[0] += data

    @property
    def visible(self) -> str:
        return re.sub(r"\s+", " ", "".join(self.text))


def browse(url: str, shot: str | None = None, **size) -> _Page:
    """The page as chromium renders it (and its screenshot, when named)."""
    page = _Page()
    page.feed(dump_dom(url, shot if SCREENSHOTS["on"] else None, **size))
    assert page.elements, f"chromium showed nothing at {url}"
    return page


def article_id(db: str, title: str) -> int:
    from crawler.storage import store

    row = store.open_database(db).execute("SELECT id FROM articles WHERE title = ?", [title])
    return row.fetchone()[0]


# -- pages in a browser -------------------------------------------------------------------------


def test_home_lists_latest_matches_per_watchlist(web):
    page = browse(web + "/", "reader-home")
    assert "Derniers articles trouvés" in page.visible  # the browser asks for French
    sections = [a for a in page.links if a[0].startswith("/watchlists/")]
    assert ("/watchlists/um6p-supercalculateur", "UM6P et supercalculateur") in sections
    article_links = {text for href, text in page.links if href.startswith("/articles/")}
    assert {UM6P_TITLE, VIGIE_TITLE, ARABIC_TITLE} <= article_links
    assert "supercalculateur" in page.marks or "Supercalculateur" in page.marks
    assert "**" not in page.visible
    if SCREENSHOTS["on"]:
        screenshot(web + "/", "reader-home-phone", width=390, height=844)  # readable on a phone


def test_article_page_shows_text_with_marks_why_and_the_story_outlets(web, reader_location):
    url = f"{web}/articles/{article_id(reader_location, UM6P_TITLE)}"
    page = browse(url, "reader-article")
    assert "Toubkal II, quadruple la puissance de calcul" in page.visible  # the clean text
    assert "Cet article est réservé aux abonnés" not in page.visible  # not the paywall footer
    assert {"supercalculateur", "Université Mohammed VI Polytechnique"} <= set(page.marks)
    assert "Pourquoi cet article a été retenu" in page.visible
    assert re.search(
        r"Veille « UM6P et supercalculateur » a retenu cet article le .* parce", page.visible
    )
    assert "« supercalculateur » (1 fois dans le titre" in page.visible
    outlets = [(h, t) for h, t in page.links if t == VIGIE_TITLE]
    assert outlets and outlets[0][0].startswith("/articles/")
    original = [h for h, t in page.links if t == "Lire l'original"]
    assert original[0].endswith("/2026/11/19/um6p-supercalculateur-benguerir/")
    assert "Youssef Alaoui" in page.visible and "Le Quotidien Numérique" in page.visible


def test_an_arabic_article_is_laid_out_right_to_left(web, reader_location):
    url = f"{web}/articles/{article_id(reader_location, ARABIC_TITLE)}"
    page = browse(url, "reader-article-ar")
    text = [a for tag, a in page.elements if tag == "div" and a.get("class") == "text"]
    assert text == [{"class": "text", "dir": "rtl", "lang": "ar"}]
    heading = next(a for tag, a in page.elements if tag == "h1")
    assert heading["dir"] == "rtl"
    assert "السيادة الرقمية" in page.marks or "السِّيادة الرقمية" in page.marks
    assert "أمل الفلاح السغروشني" in page.marks


def test_the_interface_speaks_english_by_the_browser_or_the_switch(web, reader_location):
    url = f"{web}/articles/{article_id(reader_location, UM6P_TITLE)}"
    english = browse(url, language="en-US")
    assert "Why this article was matched" in english.visible
    switched = browse(url + "?lang=en")
    assert "Why this article was matched" in switched.visible
    assert ("?lang=fr", "Français") in switched.links


def test_story_page_lists_outlets_versions_and_watchlists(web, reader_location):
    from crawler.storage import store

    story = (
        store.open_database(reader_location)
        .execute("SELECT story_id FROM articles WHERE title = ?", [UM6P_TITLE])
        .fetchone()[0]
    )
    page = browse(f"{web}/stories/{story}", "reader-story")
    titles = {t for h, t in page.links if h.startswith("/articles/")}
    assert titles == {UM6P_TITLE, VIGIE_TITLE}
    assert "Le Quotidien Numérique" in page.visible and "La Vigie Éco" in page.visible
    assert ("/watchlists/um6p-supercalculateur", "UM6P et supercalculateur") in page.links
    listing = browse(web + "/stories/")
    assert [t for h, t in listing.links if h == f"/stories/{story}"][0] in {UM6P_TITLE, VIGIE_TITLE}


def test_watchlist_page_rule_chart_feed_test_and_backtest(web):
    page = browse(web + "/watchlists/um6p-supercalculateur", "reader-watchlist")
    assert "(UM6P OR @um6p) AND (supercalculateur" in page.visible
    assert "جامعة محمد السادس متعددة التخصصات التقنية" in page.visible  # the entity's spellings
    alternate = [a for tag, a in page.elements if tag == "link" and a.get("rel") == "alternate"]
    assert alternate[0]["type"] == "application/atom+xml"
    assert alternate[0]["href"].endswith("/feeds/um6p-supercalculateur.atom")
    svg_text = [a for tag, a in page.elements if tag == "text" and "axis" in a.get("class", "")]
    assert len(svg_text) >= 4  # values on the y axis, days on the x axis
    status, body = FormClient().post(web + "/watchlists/um6p-supercalculateur", {"backtest": 3650})
    assert status == 200 and "2 / " in body  # backtest: the two outlets of the UM6P story


def test_watchlist_rule_test_form_answers_like_rules_test(web):
    client, url = FormClient(), web + "/watchlists/um6p-supercalculateur"
    fields = {
        "title": "Supercalculateur",
        "text": "L'UM6P a présenté son supercalculateur Toubkal.",
    }
    status, body = client.post(url, fields)
    assert status == 200
    assert "Retenu par cette veille" in body and "<mark>supercalculateur</mark>" in body
    cli_result = CliRunner().invoke(
        cli,
        [
            "--watchlists",
            str(WATCHLISTS),
            "rules",
            "test",
            "--json",
            "--title",
            "Supercalculateur",
            "--text",
            "L'UM6P a présenté son supercalculateur Toubkal.",
        ],
    )
    assert "um6p-supercalculateur" in cli_result.output
    status, body = client.post(url, {"text": "Botola Pro : derby à Casablanca"})
    assert "Cette veille ne retient pas ce texte" in body


@pytest.mark.parametrize("query", ["cloud OR supercalcul*", "@um6p", "Maroc NOT sport"])
def test_search_page_gives_the_cli_results(web, reader_location, query):
    url = web + "/search?" + urllib.parse.urlencode({"q": query})
    page = browse(url, "reader-search" if "OR" in query else None)
    shown = [t for h, t in page.links if h.startswith("/articles/")]
    result = CliRunner().invoke(
        cli,
        ["--db", str(reader_location), "--watchlists", str(WATCHLISTS), "search", query, "--json"],
    )
    assert result.exit_code == 0, result.output
    expected = [hit["title"] for hit in json.loads(result.stdout)]
    assert shown == expected and len(expected) >= 2


def test_search_filters_and_pagination(web, reader_location):
    base = web + "/search?"
    page = browse(base + urllib.parse.urlencode({"q": "UM6P OR Maroc", "source": "lavigie"}))
    assert [t for h, t in page.links if h.startswith("/articles/")] == [VIGIE_TITLE]
    arabic = browse(base + urllib.parse.urlencode({"q": "الرقمية", "language": "ar"}))
    assert ARABIC_TITLE in [t for h, t in arabic.links if h.startswith("/articles/")]
    status, body = get(base + urllib.parse.urlencode({"q": "Maroc", "since": "hier"}))
    assert status == 200 and "pas une date (AAAA-MM-JJ)" in body.decode()
    status, body = get(base + urllib.parse.urlencode({"q": '"unclosed'}))
    assert status == 200 and 'class="bad"' in body.decode()
    query = "Maroc OR UM6P OR الرقمية OR Casablanca OR cloud"
    result = CliRunner().invoke(
        cli,
        ["--db", str(reader_location), "--watchlists", str(WATCHLISTS), "search", query, "--json"],
    )
    expected = [hit["title"] for hit in json.loads(result.stdout)]
    assert len(expected) > 5
    pages, url = [], base + urllib.parse.urlencode({"q": query, "per_page": 5})
    while url and len(pages) < 5:
        page = browse(url)
        pages.append([t for h, t in page.links if h.startswith("/articles/")])
        following = [h for h, t in page.links if t.startswith("suivants")]
        url = web + following[0] if following else None
    assert [len(p) for p in pages][0] == 5 and len(pages) == -(-len(expected) // 5)
    assert [t for p in pages for t in p] == expected


def test_sources_page_shows_health_and_the_last_error_in_full(web):
    page = browse(web + "/sources", "reader-sources")
    assert "Le Quotidien Numérique" in page.visible and "الخبر التقني" in page.visible
    assert "site-en-panne" in page.visible and "jamais" in page.visible
    assert "Connection refused" in page.visible or "refused" in page.visible.lower()


def test_raw_data_stays_under_data_read_only(web, engine):
    status, body = get(web + "/data/-/versions.json")
    if engine == "postgresql":  # Datasette reads SQLite only: the reader says so
        assert status == 404 and "servies que sur SQLite" in body.decode()
    else:
        assert status == 200 and b"datasette" in body
    status, _ = get(web + "/data/reader.json?sql=" + urllib.parse.quote("select 1"))
    assert status in (403, 404)


def test_an_unknown_address_or_method_gets_the_readers_page(web):
    """A mistyped address (/article/3, an old bookmark) or a GET of a form's address answers
    with the reader's own page, in the reader's language, with its menu and a way home: before,
    Starlette's bare "Not Found" or "Method Not Allowed", in English, and nothing else."""
    from html import unescape

    for path, status_code in (("/article/3", 404), ("/triage", 405), ("/account/x", 404)):
        status, body = get(web + path)
        page = unescape(body.decode())
        assert status == status_code, (path, page[:300])
        assert '<html lang="fr" dir="ltr">' in page and 'href="/search"' in page, path
        assert "Accueil" in page, path
        said = path if status == 404 else "cette adresse n'accepte que POST"
        assert said in page, path
        status, body = get(web + path, {"Accept-Language": "ar"})
        assert status == status_code and '<html lang="ar" dir="rtl">' in body.decode(), path


# -- feeds ------------------------------------------------------------------------------------------


def test_feed_of_a_watchlist_without_matches_is_valid_and_unknown_is_404(web, reader_location):
    empty = feedparser.parse(web + "/feeds/dell-maroc.atom")
    assert empty.status == 200 and empty.version == "atom10" and not empty.bozo
    assert empty.entries == [] and empty.feed.title == "veille — Dell Technologies au Maroc"
    unknown = feedparser.parse(web + "/feeds/pas-une-veille.atom")
    assert unknown.status == 404 and unknown.entries == []
    status, body = get(web + "/feeds/pas-une-veille.atom")
    assert status == 404 and b"no watchlist named 'pas-une-veille'" in body


def test_web_and_export_feeds_have_the_same_entries(web, reader_location, tmp_path):
    web_feed = feedparser.parse(web + "/feeds/um6p-supercalculateur.atom")
    out = tmp_path / "export.atom"
    result = CliRunner().invoke(
        cli,
        [
            "--db",
            str(reader_location),
            "--watchlists",
            str(WATCHLISTS),
            "export",
            "--format",
            "atom",
            "--watchlist",
            "um6p-supercalculateur",
            "-o",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    exported = feedparser.parse(out.read_bytes())
    assert not web_feed.bozo and not exported.bozo
    assert web_feed.feed.title == exported.feed.title == "veille — UM6P et supercalculateur"

    def entries(feed):
        return [(e.id, e.title, e.link, e.author, e.summary) for e in feed.entries]

    assert entries(web_feed) == entries(exported) and len(web_feed.entries) == 2
    assert all("**" not in e.summary for e in web_feed.entries)
    authors = {e.author for e in web_feed.entries}
    assert {"Youssef Alaoui", "La Vigie Éco avec MAP"} <= authors
    other = feedparser.parse(web + "/feeds/souverainete-numerique.atom")
    assert other.feed.title != web_feed.feed.title


def test_search_feed(web):
    feed = feedparser.parse(web + "/feeds/search.atom?" + urllib.parse.urlencode({"q": "@um6p"}))
    assert feed.status == 200 and not feed.bozo
    assert {UM6P_TITLE, VIGIE_TITLE} <= {e.title for e in feed.entries}
    assert get(web + "/feeds/search.atom?q=")[0] == 400


# -- who may read -------------------------------------------------------------------------------


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.20", "veille.example.ma"])
def test_serve_refuses_other_addresses_without_a_login(reader_location, host):
    result = CliRunner().invoke(cli, ["--db", str(reader_location), "serve", "--host", host])
    assert result.exit_code == 2
    assert "VEILLE_WEB_PASSWORD_HASH" in result.output and "--behind-auth-proxy" in result.output


def test_with_a_team_password_every_request_needs_it(reader_location, tmp_path):
    secrets = tmp_path / "secrets.env"
    secrets.write_text(
        f"VEILLE_WEB_PASSWORD_HASH={hash_password('correct horse battery')}\n", encoding="utf-8"
    )
    with serving(reader_location, secrets=secrets) as base:
        for path in ("/", "/search?q=UM6P", "/feeds/um6p-supercalculateur.atom", "/data/"):
            status, body = get(base + path)
            assert status == 401 and b"UM6P" not in body, path
        wrong = base64.b64encode(b"equipe:mot de passe faux").decode()
        assert get(base + "/", {"Authorization": f"Basic {wrong}"})[0] == 401
        good = base64.b64encode(b"equipe:correct horse battery").decode()
        status, body = get(base + "/", {"Authorization": f"Basic {good}"})
        assert status == 200 and UM6P_TITLE.encode() in body.replace(b"&#39;", b"'")


def test_behind_a_proxy_a_request_without_its_user_header_is_refused(reader_location):
    with serving(reader_location, "--behind-auth-proxy") as base:
        status, body = get(base + "/")
        assert status == 401 and b"login proxy" in body
        status, _ = get(base + "/", {"X-Forwarded-User": "salma@example.ma"})
        assert status == 200


def test_a_malformed_password_hash_is_refused_without_showing_it(reader_location, tmp_path):
    secrets = tmp_path / "secrets.env"
    secrets.write_text("VEILLE_WEB_PASSWORD_HASH=hunter2-in-clear\n", encoding="utf-8")
    result = CliRunner().invoke(
        cli, ["--db", str(reader_location), "--secrets", str(secrets), "serve"]
    )
    assert result.exit_code == 2 and "--hash-password" in result.output
    assert "hunter2" not in result.output


def test_hash_password_prints_a_line_for_the_secrets_file():
    result = CliRunner().invoke(
        cli, ["serve", "--hash-password"], input="correct horse battery\ncorrect horse battery\n"
    )
    assert result.exit_code == 0, result.output
    line = result.output.strip().splitlines()[-1]
    assert line.startswith("VEILLE_WEB_PASSWORD_HASH=scrypt$")
    from monitors.people.passwords import verify_password

    assert verify_password("correct horse battery", line.split("=", 1)[1])

"""The web view (`veille serve`, Datasette), search, exports and feeds, against a database
filled by a real crawl of the fixture sites."""

from __future__ import annotations

import csv
import io
import json
import sys
import urllib.error
import urllib.parse
import urllib.request

import feedparser
import pytest
from click.testing import CliRunner

from crawler.storage import store
from monitors.cli import cli
from monitors.service.config import load_config
from monitors.service.cycle import run_cycle
from seeds import BUNDLED_WATCHLISTS

from .browser import dump_dom
from .conftest import make_settings
from .listening import WEB_VIEW, answering, listening

pytestmark = pytest.mark.slow  # end-to-end: real processes (README, "Development")

UM6P_TITLE = "L'UM6P met en service un nouveau supercalculateur à Benguérir"


@pytest.fixture(scope="module")
def filled_db(tmp_path_factory):
    """A database filled by one full cycle (crawl + match) over the fixture sites."""
    from monitors.demo.run import console_only
    from monitors.demo.sites import DEMO_SITES_ROOT, render_sources, serve_demo_sites, stop_sites

    folder = tmp_path_factory.mktemp("web")
    sites = serve_demo_sites()
    try:
        sources = folder / "sources.yaml"
        sources.write_text(
            render_sources(DEMO_SITES_ROOT / "sources.yaml", sites), encoding="utf-8"
        )
        config = console_only(load_config(make_settings(folder, sources, BUNDLED_WATCHLISTS)))
        run_cycle(config, console=io.StringIO())
    finally:
        stop_sites(sites)
    return folder / "veille.db"


@pytest.fixture(scope="module")
def web(filled_db):
    command = [sys.executable, "-m", "monitors.cli", "--db", str(filled_db), "serve", "--port"]
    log = filled_db.parent / "serve.log"
    with listening(lambda port: [*command, str(port)], lambda _: log, WEB_VIEW) as server:
        yield answering(server, "/data/-/versions.json")


def get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=60) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def get_json(url: str):
    status, body = get(url)
    assert status == 200, body[:500]
    return json.loads(body)


def test_full_text_search_in_the_web_view(web):
    data = get_json(
        web + "/data/veille/matched_articles.json?_search=supercalculateur&_shape=objects"
    )
    assert [r["title"] for r in data["rows"]] == [UM6P_TITLE]
    articles = get_json(web + "/data/veille/articles.json?_search=Botola&_shape=objects")
    assert [r["title"] for r in articles["rows"]] == [
        "Botola Pro : un derby de Casablanca sans vainqueur"
    ]


def test_facets_by_source_language_watchlist_and_day(web):
    data = get_json(
        web
        + "/data/veille/matched_articles.json?_facet=watchlist&_facet=source&_facet=language&_facet=day"
    )
    facets = {
        name: {r["value"]: r["count"] for r in f["results"]}
        for name, f in data["facet_results"].items()
    }
    assert facets["watchlist"]["souverainete-numerique"] == 3
    assert facets["language"] == {"fr": facets["language"]["fr"], "ar": 2, "en": 1}
    assert set(facets["source"]) == {"lequotidien", "alkhabar"}
    assert "2026-11-21" in facets["day"]
    articles = get_json(web + "/data/veille/articles.json?_facet=source&_facet=language")
    by_source = {r["value"]: r["count"] for r in articles["facet_results"]["source"]["results"]}
    assert by_source == {"lequotidien": 6, "alkhabar": 3}


def test_canned_queries_and_charts(web):
    health = get_json(web + "/data/veille/source_health.json?_shape=objects")["rows"]
    assert {r["name"]: r["articles"] for r in health} == {
        "lequotidien": 6,
        "alkhabar": 3,
        "site-en-panne": 0,
    }
    latest = get_json(
        web + "/data/veille/latest_matches.json?watchlist=um6p-supercalculateur&_shape=objects"
    )["rows"]
    assert latest[0]["title"] == UM6P_TITLE
    assert latest[0]["original_url"].endswith("/2026/11/19/um6p-supercalculateur-benguerir/")
    assert latest[0]["article_page"].startswith("/articles/")
    status, _ = get(web + latest[0]["article_page"])
    assert status == 200
    per_day = get_json(web + "/data/veille/mentions_per_day.json?_shape=objects")["rows"]
    assert sum(r["mentions"] for r in per_day if r["watchlist"] == "souverainete-numerique") == 3
    status, page = get(web + latest[0]["article_page"])
    assert status == 200 and UM6P_TITLE in page.decode().replace("&#39;", "'")
    status, index = get(web + "/data/")
    assert "Moroccan tech press" in index.decode()


def test_atom_feed_per_watchlist_parses_as_atom(web):
    status, body = get(web + "/feeds/souverainete-numerique.atom")
    assert status == 200
    feed = feedparser.parse(body)
    assert feed.version == "atom10" and not feed.bozo
    titles = {e.title for e in feed.entries}
    assert "Souveraineté numérique : le Maroc accélère sur le cloud national" in titles
    assert "Morocco bets on data centres to secure its digital sovereignty" in titles
    assert len(feed.entries) == 3
    assert all(e.link.startswith("http://127.0.0.1:") for e in feed.entries)


def test_the_web_view_is_read_only(web, filled_db):
    before = store.open_database(filled_db).execute("SELECT count(*) FROM sources").fetchone()[0]
    for sql in (
        "insert into sources(name) values ('pirate')",
        "delete from sources",
        "drop table sources",
    ):
        status, body = get(web + "/data/veille.json?sql=" + urllib.parse.quote(sql))
        assert status in (400, 403), (sql, body[:200])
    # Arbitrary SQL is off by default (one query could take the server's memory).
    status, _ = get(
        web + "/data/veille.json?sql=" + urllib.parse.quote("select count(*) from articles")
    )
    assert status == 403
    request = urllib.request.Request(
        web + "/data/veille/sources", data=b"name=pirate", method="POST"
    )
    try:
        status = urllib.request.urlopen(request, timeout=60).status
    except urllib.error.HTTPError as exc:
        status = exc.code
    assert status >= 400  # Datasette 0.65 has no write endpoint: nothing accepts a POST
    after = store.open_database(filled_db).execute("SELECT count(*) FROM sources").fetchone()[0]
    assert after == before


def test_browser_loads_the_raw_tables_and_finds_the_article(web):
    search_url = (
        web + "/data/veille/matched_articles?_search=" + urllib.parse.quote("supercalculateur")
    )
    dom = dump_dom(search_url, "web-search")
    assert UM6P_TITLE.replace("'", "&#39;") in dom or UM6P_TITLE in dom
    assert "Botola" not in dom


# -- veille search and export ---------------------------------------------------------------------


def run(filled_db, *args):
    env = {"VEILLE_DB": str(filled_db)}
    return CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)


def test_search_ranks_and_highlights(filled_db):
    result = run(filled_db, "search", "souveraineté numérique")
    assert result.exit_code == 0
    assert result.output.index("Souveraineté numérique : le Maroc") < result.output.index(
        "result(s)"
    )
    assert "**" in result.output


def test_search_filters_and_json(filled_db):
    def titles(*args):
        result = run(filled_db, "search", *args, "--json")
        assert result.exit_code == 0, result.output
        return [h["title"] for h in json.loads(result.stdout)]

    assert titles("numérique OR الرقمية", "--language", "ar") and all(
        "السِّيادة" in t or "جامعة" in t or "البطولة" in t
        for t in titles("numérique OR الرقمية", "--language", "ar")
    )
    assert titles("Maroc", "--source", "alkhabar") == []
    assert UM6P_TITLE in titles("Maroc OR Benguérir", "--source", "lequotidien")
    assert set(titles("cloud", "--watchlist", "souverainete-numerique")) == {
        "Souveraineté numérique : le Maroc accélère sur le cloud national",
        "Morocco bets on data centres to secure its digital sovereignty",
    }
    assert titles("cloud", "--watchlist", "um6p-supercalculateur") == []
    assert titles("cloud", "--since", "2026-11-21") == []
    assert titles("Botola", "--until", "2026-11-18") == []
    hit = json.loads(run(filled_db, "search", "UM6P", "--json").stdout)[0]
    assert set(hit) >= {
        "id",
        "title",
        "url",
        "source",
        "language",
        "published",
        "snippet",
        "rank",
        "watchlists",
    }
    assert hit["watchlists"] == ["um6p-supercalculateur"]


@pytest.mark.parametrize(
    "query",
    [
        "C++",
        "AND",
        '"unclosed',
        "a:b",
        "*",
        "NEAR/",
        "')--",
        "x); DROP TABLE articles; --",
        "title:",
        "NOT x",
        '""',
        "€ ∂ ¶",
    ],
)
def test_search_with_fts_special_characters_never_breaks(filled_db, query):
    result = run(filled_db, "search", query, "--json")
    assert result.exit_code in (0, 2), result.output
    if result.exit_code == 0:
        json.loads(result.stdout)
    else:
        assert result.output.startswith("error: ") and "Traceback" not in result.output
    assert (
        store.open_database(filled_db).execute("SELECT count(*) FROM articles").fetchone()[0] == 9
    )


def test_export_csv_jsonl_and_atom(filled_db, tmp_path):
    out = tmp_path / "m.csv"
    assert (
        run(filled_db, "export", "--watchlist", "souverainete-numerique", "-o", str(out)).exit_code
        == 0
    )
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert len(rows) == 3 and {r["watchlist"] for r in rows} == {"souverainete-numerique"}
    assert {"title", "url", "source", "published", "terms", "snippet", "story_sources"} <= set(
        rows[0]
    )
    jsonl = run(
        filled_db, "export", "--format", "jsonl", "--since", "2026-11-19"
    ).output.splitlines()
    records = [json.loads(line) for line in jsonl]
    assert records and all(r["published"] >= "2026-11-19" for r in records)
    assert {r["watchlist"] for r in records} >= {"souverainete-numerique", "um6p-supercalculateur"}
    atom = tmp_path / "feed.atom"
    assert (
        run(
            filled_db,
            "export",
            "--format",
            "atom",
            "--watchlist",
            "um6p-supercalculateur",
            "-o",
            str(atom),
        ).exit_code
        == 0
    )
    feed = feedparser.parse(atom.read_bytes())
    assert feed.version == "atom10" and not feed.bozo
    assert [e.title for e in feed.entries] == [UM6P_TITLE]
    assert feed.feed.title == "veille — UM6P et supercalculateur"
    assert run(filled_db, "export", "--format", "atom").exit_code == 2


def test_serve_listens_on_loopback_by_default():
    result = CliRunner().invoke(cli, ["serve", "--help"])
    assert "127.0.0.1" in result.output


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.20", "veille.example.ma"])
def test_serve_refuses_to_listen_beyond_loopback_without_a_login(host):
    result = CliRunner().invoke(cli, ["serve", "--host", host])
    assert result.exit_code == 2
    assert "listens on loopback only" in result.output and "reverse proxy" in result.output

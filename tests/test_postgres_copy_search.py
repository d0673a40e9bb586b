"""`veille db copy` into a real PostgreSQL, and full-text search there: a database filled by a
real crawl of the fixture sites is copied (every table, counts verified, ids kept), then the
same searches run on both engines and find the same articles."""

from __future__ import annotations

import io
import json

import pytest
from click.testing import CliRunner

from crawler.core.errors import DatabaseError
from crawler.storage import store
from crawler.storage.copy import copy_database
from monitors.cli import cli
from monitors.rules.query import parse_query
from monitors.service.config import load_config
from monitors.service.cycle import run_cycle
from monitors.web.days import DayBound
from monitors.web.search import search
from monitors.web.search_postgres import to_tsquery
from seeds import BUNDLED_WATCHLISTS

from .conftest import make_settings

pytestmark = pytest.mark.slow  # end-to-end: real processes (README, "Development")


@pytest.fixture(scope="module")
def filled_sqlite(tmp_path_factory):
    """A SQLite database filled by one full cycle (crawl + match) over the fixture sites."""
    from monitors.demo.run import console_only
    from monitors.demo.sites import DEMO_SITES_ROOT, render_sources, serve_demo_sites, stop_sites

    folder = tmp_path_factory.mktemp("copy")
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
def copied(filled_sqlite, postgres_cluster):
    """The filled database, copied by `veille db copy` into an empty PostgreSQL database."""
    target = postgres_cluster.empty_database()
    result = CliRunner().invoke(cli, ["db", "copy", str(filled_sqlite), target])
    assert result.exit_code == 0, result.output
    return target, result.output


def counts(db, tables):
    return {t: db.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables}


COPIED_TABLES = (
    "sources",
    "articles",
    "article_urls",
    "stories",
    "story_index",
    "matches",
    "alerts",
    "deliveries",
    "crawl_runs",
    "crawl_errors",
    "entry_state",
    "robots_cache",
)


def test_copy_moves_every_table_with_its_ids(filled_sqlite, copied):
    target, output = copied
    lite, pg = store.open_database(filled_sqlite), store.open_database(target)
    expected = counts(lite, COPIED_TABLES)
    assert counts(pg, COPIED_TABLES) == expected
    assert expected["articles"] == 9 and expected["alerts"] > 0 and expected["story_index"] > 0
    # ANALYZE ran: the planner knows the copied rows (-1 for a table never analysed).
    reltuples = "SELECT reltuples FROM pg_class WHERE relname = 'articles'"
    assert pg.execute(reltuples).fetchone()[0] == 9
    for table in COPIED_TABLES:
        assert f"{table} " in output
    query = "SELECT id, url_key, story_id, content_hash, signature FROM articles ORDER BY id"
    assert [tuple(r) for r in pg.execute(query).fetchall()] == [
        tuple(r) for r in lite.execute(query).fetchall()
    ]
    body = "SELECT netloc, body FROM robots_cache ORDER BY netloc"
    assert [tuple(r) for r in pg.execute(body).fetchall()] == [
        tuple(r) for r in lite.execute(body).fetchall()
    ]
    # New rows get new ids after the copied ones.
    top = lite.execute("SELECT max(id) FROM crawl_runs").fetchone()[0]
    new = pg.execute(
        "INSERT INTO crawl_runs(started_at, sources) VALUES ('2026-12-01T00:00:00Z', '[]') "
        "RETURNING id"
    ).fetchone()[0]
    assert new > top
    pg.execute("DELETE FROM crawl_runs WHERE id = ?", (new,))


def test_the_counts_kept_by_triggers_are_counted_once_and_kept_after_the_copy(copied):
    """The copy fills a table whose rows a trigger counts (matches per watchlist, articles per
    source) with that trigger off, then counts once: the counts are those of the copied rows,
    and the triggers are on again afterwards, so the next match or article is counted."""
    target, _ = copied
    pg = store.open_database(target)
    try:
        per_watchlist = "SELECT watchlist, count(*) FROM matches GROUP BY watchlist"
        per_source = "SELECT source, count(*) FROM articles GROUP BY source"
        watchlists = dict(pg.execute(per_watchlist).fetchall())
        sources = dict(pg.execute(per_source).fetchall())
        assert watchlists and sources
        assert dict(pg.execute("SELECT watchlist, matches FROM watchlist_counts").fetchall()) == (
            watchlists
        )
        assert dict(pg.execute("SELECT source, articles FROM source_counts").fetchall()) == sources
        enabled = (
            "SELECT tgname, tgenabled FROM pg_trigger "
            "WHERE tgname IN ('matches_counted', 'articles_counted')"
        )
        assert dict(pg.execute(enabled).fetchall()) == {
            "matches_counted": "O",
            "articles_counted": "O",
        }
        watchlist, count = next(iter(watchlists.items()))
        article = pg.execute(
            "SELECT min(id) FROM articles WHERE id NOT IN "
            "(SELECT article_id FROM matches WHERE watchlist = ?)",
            (watchlist,),
        ).fetchone()[0]
        assert article is not None
        with pg.transaction():
            pg.execute(
                "INSERT INTO matches(article_id, watchlist, terms, snippet, matched_at) "
                "VALUES (?, ?, '[]', '', '2026-12-01T00:00:00Z')",
                (article, watchlist),
            )
            counted = "SELECT matches FROM watchlist_counts WHERE watchlist = ?"
            assert pg.execute(counted, (watchlist,)).fetchone()[0] == count + 1
            pg.execute(
                "DELETE FROM matches WHERE article_id = ? AND watchlist = ?", (article, watchlist)
            )
    finally:
        pg.close()


def test_copy_refuses_a_target_holding_data_unless_replace(filled_sqlite, copied):
    target, _ = copied
    with pytest.raises(DatabaseError, match="--replace"):
        copy_database(filled_sqlite, target)
    result = CliRunner().invoke(cli, ["db", "copy", str(filled_sqlite), target])
    assert result.exit_code == 2 and "already holds data" in result.output
    again = copy_database(filled_sqlite, target, replace=True)
    assert all(c.source_rows == c.target_rows for c in again)
    assert {c.table: c.target_rows for c in again}["articles"] == 9


def test_copy_errors_never_show_the_password(filled_sqlite, tmp_path):
    target = f"postgresql://veille:tops3cret@/veille?host={tmp_path}"
    result = CliRunner().invoke(cli, ["db", "copy", str(filled_sqlite), target])
    assert result.exit_code == 2
    assert "tops3cret" not in result.output and "veille:***@" in result.output


# The same searches on both engines; each (query, filters) finds the same articles.
SEARCHES = [
    ("souveraineté numérique", {}),
    ("souverainete numerique", {}),
    ("benguerir OR Benguérir", {}),
    ("cloud", {}),
    ("UM6P", {}),
    ("Maroc OR Benguérir", {"sources": ["lequotidien"]}),
    ("Maroc", {"sources": ["alkhabar"]}),
    ("numérique OR الرقمية", {"languages": ["ar"]}),
    ("cloud", {"watchlist": "souverainete-numerique"}),
    ("cloud", {"since": DayBound("2026-11-21", "2026-11-20T23:00:00Z")}),
    ("Botola", {"until": DayBound("2026-11-18", "2026-11-17T23:00:00Z")}),
    ('"cloud national"', {}),
    ("title:cloud", {}),
    ("supercalcul*", {}),
    ("cloud NOT Maroc", {}),
    ("data NEAR/3 centres", {}),
    ("Maroc AND (cloud OR supercalculateur)", {}),
]


@pytest.mark.parametrize(("query", "filters"), SEARCHES)
def test_search_finds_the_same_articles_on_both_engines(filled_sqlite, copied, query, filters):
    lite, pg = store.open_database(filled_sqlite), store.open_database(copied[0])
    on_sqlite = search(lite, query, **filters)
    on_postgres = search(pg, query, **filters)
    assert {h.id for h in on_postgres} == {h.id for h in on_sqlite}
    for hit in on_postgres:
        assert "**" in hit.snippet, (query, hit)
    by_id = {h.id: h for h in on_sqlite}
    for hit in on_postgres:
        other = by_id[hit.id]
        assert (hit.title, hit.url, hit.source, hit.language, hit.published, hit.watchlists) == (
            other.title,
            other.url,
            other.source,
            other.language,
            other.published,
            other.watchlists,
        )


def test_search_ranks_the_title_above_the_text_on_postgres(copied):
    pg = store.open_database(copied[0])
    hits = search(pg, "souveraineté numérique")
    assert hits[0].title.startswith("Souveraineté numérique : le Maroc")
    assert [h.rank for h in hits] == sorted(h.rank for h in hits)  # lower is better, as on SQLite


def test_search_pages_through_results_on_postgres(copied):
    pg = store.open_database(copied[0])
    every = search(pg, "Maroc OR Morocco OR المغرب", limit=50)
    assert len(every) >= 3
    pages = search(pg, "Maroc OR Morocco OR المغرب", limit=2) + search(
        pg, "Maroc OR Morocco OR المغرب", limit=2, offset=2
    )
    assert [h.id for h in pages] == [h.id for h in every[:4]]


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
        "it's l'État \\' \\\\",
        "'&|!<->:*",
    ],
)
def test_search_with_special_characters_never_breaks_on_postgres(copied, query):
    env = {"VEILLE_DB": copied[0]}
    result = CliRunner().invoke(cli, ["search", query, "--json"], env=env, catch_exceptions=False)
    assert result.exit_code in (0, 2), result.output
    if result.exit_code == 0:
        json.loads(result.stdout)
    else:
        assert result.output.startswith("error: ") and "Traceback" not in result.output
    assert (
        store.open_database(copied[0]).execute("SELECT count(*) FROM articles").fetchone()[0] == 9
    )


def test_the_query_language_becomes_a_quoted_tsquery():
    assert to_tsquery(parse_query('title:"cloud souverain" numéri* NOT sport')) == (
        "(('cloud':A <-> 'souverain':A) & 'numéri':* & !'sport')"
    )
    assert to_tsquery(parse_query("data NEAR/1 centre")) == (
        "(('data' <1> 'centre') | ('centre' <1> 'data') | ('data' <2> 'centre') | "
        "('centre' <2> 'data'))"
    )
    assert to_tsquery(parse_query("l'État OR x\\y")) == "(('l' <-> 'État') | ('x' <-> 'y'))"


@pytest.fixture(scope="module")
def served(copied, tmp_path_factory):
    """`veille serve` on the PostgreSQL copy."""
    import sys

    from .listening import WEB_VIEW, answering, listening

    command = [sys.executable, "-m", "monitors.cli", "--db", copied[0], "serve", "--port"]
    log = tmp_path_factory.mktemp("serve") / "serve.log"
    with listening(lambda port: [*command, str(port)], lambda _: log, WEB_VIEW) as server:
        yield answering(server, "/")


def fetch(url: str) -> tuple[int, str]:
    import urllib.error
    import urllib.request

    try:
        with urllib.request.urlopen(url, timeout=60) as response:
            return response.status, response.read().decode("utf-8")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode("utf-8")


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/", "souverainete-numerique"),
        ("/articles/{um6p}", "supercalculateur"),
        ("/stories/?all=1", "Souveraineté numérique"),
        ("/search?q=UM6P", "UM6P met en service"),
        ("/search?q=cloud&language=en", "Morocco bets on data centres"),
        ("/sources", "lequotidien"),
        ("/watchlists/souverainete-numerique", "cloud"),
        ("/feeds/search.atom?q=cloud", "<feed"),
        ("/feeds/souverainete-numerique.atom", "<entry"),
    ],
)
def test_the_reader_serves_a_postgresql_database(copied, served, path, expected):
    um6p = (
        store.open_database(copied[0])
        .execute("SELECT id FROM articles WHERE title LIKE 'L''UM6P met en service%'")
        .fetchone()[0]
    )
    status, body = fetch(served + path.format(um6p=um6p))
    assert status == 200, body[:500]
    assert expected in body


def test_the_reader_says_the_raw_tables_are_sqlite_only(served):
    status, body = fetch(served + "/data/")
    assert status == 404 and "PostgreSQL" in body and "SQLite" in body
    assert "(PostgreSQL)" in fetch(served + "/")[1]

"""Search takes FTS5's top k first and snippets only those: the same hits, snippets, ranks and
watchlists as the query that snippeted and joined every hit before sorting, with and without
filters and pages; newest first is every hit in descending article id, paged the same way."""

from __future__ import annotations

import importlib.util
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from crawler.storage.engine import SQLiteDatabase
from monitors.rules.query import parse_query
from monitors.web.days import DayBound
from monitors.web.search import HIGHLIGHT, SearchError, search, to_fts

ROOT = Path(__file__).resolve().parent.parent


def _bench():
    spec = importlib.util.spec_from_file_location("bench_reader", ROOT / "bench" / "reader.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    path = tmp_path_factory.mktemp("search") / "v.db"
    _bench().build(path, 1_500, datetime(2026, 12, 1, 8, 0, tzinfo=UTC))
    database = SQLiteDatabase(sqlite3.connect(path))
    yield database
    database.close()


# The query search ran before (monitors/web/store.py up to this change): every hit snippeted and
# joined, then sorted.
def _before(db, expression, where_sql="", params=None, limit=20, offset=0, order="rank, a.id DESC"):
    return db.execute(
        f"""
        SELECT a.id, coalesce(a.title, a.url), a.url, a.source, a.language, a.published,
               snippet(articles_fts, -1, :open, :close, '…', 24),
               bm25(articles_fts, 5.0, 1.0) AS rank,
               (SELECT group_concat(watchlist) FROM matches m WHERE m.article_id = a.id)
        FROM articles_fts JOIN articles a ON a.rowid = articles_fts.rowid
        WHERE articles_fts MATCH :q {where_sql}
        ORDER BY {order} LIMIT :limit OFFSET :offset
        """,
        {
            "q": expression,
            "open": HIGHLIGHT[0],
            "close": HIGHLIGHT[1],
            "limit": limit,
            "offset": offset,
            **(params or {}),
        },
    ).fetchall()


def _rows(hits):
    return [
        (h.id, h.title, h.url, h.source, h.language, h.published, h.snippet, h.rank, h.watchlists)
        for h in hits
    ]


def _expected(rows):
    return [(*row[:8], row[8].split(",") if row[8] else []) for row in rows]


CASES = [
    ("dirhams", {}, "", {}),
    ("Marrakech OR Tanger", {}, "", {}),
    ('"Bank Al-Maghrib" dirhams', {}, "", {}),
    ("Tarfaya", {}, "", {}),
    ("الحكومة", {}, "", {}),
    (
        "dirhams",
        {"sources": ["outlet03", "outlet07"]},
        "AND a.source IN (:s0, :s1)",
        {"s0": "outlet03", "s1": "outlet07"},
    ),
    ("Casablanca", {"languages": ["fr"]}, "AND a.language IN (:l0)", {"l0": "fr"}),
    (
        "Casablanca",
        # days that begin at 00:00 UTC (the UTC zone): each bound is the day as stored alone
        {
            "since": DayBound("2026-11-30", "2026-11-30"),
            "until": DayBound("2026-12-01", "2026-12-01"),
        },
        "AND coalesce(a.published, a.fetched_at) >= :since "
        "AND coalesce(a.published, a.fetched_at) < :until",
        {"since": "2026-11-30", "until": "2026-12-01"},
    ),
    (
        "dirhams",
        {"watchlist": "banque"},
        "AND a.id IN (SELECT article_id FROM matches WHERE watchlist = :watchlist)",
        {"watchlist": "banque"},
    ),
]


@pytest.mark.parametrize(("query", "filters", "where_sql", "params"), CASES)
@pytest.mark.parametrize(("limit", "offset"), [(20, 0), (7, 13), (100, 0)])
def test_best_first_gives_what_it_gave_before(db, query, filters, where_sql, params, limit, offset):
    expression = to_fts(parse_query(query))
    expected = _expected(_before(db, expression, where_sql, params, limit, offset))
    assert expected, f"the bench corpus holds {query!r}"
    assert _rows(search(db, query, limit=limit, offset=offset, **filters)) == expected


@pytest.mark.parametrize(("query", "filters", "where_sql", "params"), CASES)
def test_newest_first_is_every_hit_by_descending_id(db, query, filters, where_sql, params):
    expression = to_fts(parse_query(query))
    for limit, offset in [(20, 0), (9, 5)]:
        expected = _expected(
            _before(db, expression, where_sql, params, limit, offset, order="a.id DESC")
        )
        found = search(db, query, limit=limit, offset=offset, order="newest", **filters)
        assert _rows(found) == expected


def test_an_unknown_order_is_refused(db):
    with pytest.raises(SearchError, match="newest"):
        search(db, "dirhams", order="oldest")

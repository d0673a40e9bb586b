"""Full-text search over stored articles (SQLite FTS5), with the watch-rule query syntax.

A query is parsed by monitors.rules.query and translated to an FTS5 expression in which every term is
a quoted string, so no user input can break or inject into the FTS or SQL syntax.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

import sqlite_utils

from crawler.core.errors import VeilleError
from monitors.rules.query import EntityRef, Near, Node, Not, Or, QuerySyntaxError, Term, parse_query
from monitors.rules.watchlists import RuleSet

HIGHLIGHT = ("**", "**")
FTS_COLUMNS = {"title": "title", "text": "text"}


class SearchError(VeilleError):
    """A search query that cannot be run; the message says why."""


@dataclass(frozen=True)
class SearchHit:
    id: int
    title: str
    url: str
    source: str
    language: str | None
    published: str | None
    snippet: str
    rank: float
    watchlists: list[str]


def _quote(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def _term(node: Term) -> str:
    words = [w for w in node.text.replace('"', " ").split() if w]
    expression = _quote(" ".join(words)) + ("*" if node.prefix else "")
    return f"{FTS_COLUMNS[node.field]} : {expression}" if node.field else expression


def to_fts(node: Node, rules: RuleSet | None = None) -> str:
    """The FTS5 MATCH expression for a parsed query."""
    if isinstance(node, Term):
        return _term(node)
    if isinstance(node, EntityRef):
        if rules is None or node.name not in rules.entities:
            raise SearchError(
                f"unknown entity @{node.name}; entities come from the watchlists file"
            )
        aliases = [Term(a.text, field=node.field) for a in rules.entities[node.name].aliases]
        return "(" + " OR ".join(_term(a) for a in aliases) + ")"
    if isinstance(node, Near):
        left, right = node.left, node.right
        if not (isinstance(left, Term) and isinstance(right, Term)) or left.field or right.field:
            raise SearchError("in search, NEAR joins two plain terms or phrases")
        return f"NEAR({_term(left)} {_term(right)}, {node.distance})"
    if isinstance(node, Or):
        return "(" + " OR ".join(to_fts(c, rules) for c in node.children) + ")"
    if isinstance(node, Not):
        raise SearchError("NOT needs something to subtract from, as in: cloud NOT sport")
    positive = [c for c in node.children if not isinstance(c, Not)]
    negative = [c.child for c in node.children if isinstance(c, Not)]
    if not positive:
        raise SearchError("the query only excludes (NOT …): add a term to look for")
    expression = "(" + " AND ".join(to_fts(c, rules) for c in positive) + ")"
    for child in negative:
        expression = f"({expression} NOT {to_fts(child, rules)})"
    return expression


def search(
    db: sqlite_utils.Database,
    query: str,
    rules: RuleSet | None = None,
    sources: list[str] | None = None,
    languages: list[str] | None = None,
    since: str | None = None,
    until: str | None = None,
    watchlist: str | None = None,
    limit: int = 20,
    offset: int = 0,
) -> list[SearchHit]:
    """Ranked articles matching `query`, best first, with highlighted snippets: the one search
    behind `veille search`, the web view's search page and its Atom feed."""
    if getattr(db, "engine", "sqlite") == "postgresql":
        from monitors.web.search_postgres import search_postgres

        return search_postgres(
            db, query, rules, sources, languages, since, until, watchlist, limit, offset
        )
    try:
        expression = to_fts(parse_query(query), rules)
    except QuerySyntaxError as exc:
        raise SearchError(f"query: {exc}") from None
    where = ["articles_fts MATCH :q"]
    params: dict[str, object] = {"q": expression, "limit": limit, "offset": max(0, offset)}
    if sources:
        where.append(f"a.source IN ({','.join(f':s{i}' for i in range(len(sources)))})")
        params |= {f"s{i}": s for i, s in enumerate(sources)}
    if languages:
        where.append(f"a.language IN ({','.join(f':l{i}' for i in range(len(languages)))})")
        params |= {f"l{i}": lang for i, lang in enumerate(languages)}
    if since:
        where.append("coalesce(a.published, a.fetched_at) >= :since")
        params["since"] = since
    if until:
        where.append("coalesce(a.published, a.fetched_at) < :until")
        params["until"] = until
    if watchlist:
        where.append("a.id IN (SELECT article_id FROM matches WHERE watchlist = :watchlist)")
        params["watchlist"] = watchlist
    sql = f"""
        SELECT a.id, coalesce(a.title, a.url), a.url, a.source, a.language, a.published,
               snippet(articles_fts, -1, '{HIGHLIGHT[0]}', '{HIGHLIGHT[1]}', '…', 24),
               bm25(articles_fts, 5.0, 1.0) AS rank,
               (SELECT group_concat(watchlist) FROM matches m WHERE m.article_id = a.id)
        FROM articles_fts JOIN articles a ON a.rowid = articles_fts.rowid
        WHERE {" AND ".join(where)}
        ORDER BY rank, a.id DESC LIMIT :limit OFFSET :offset
    """
    try:
        rows = db.execute(sql, params).fetchall()
    except sqlite3.OperationalError as exc:  # FTS5 refusing a query it cannot run
        raise SearchError(f"search failed: {exc}") from None
    return [
        SearchHit(
            r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], (r[8] or "").split(",") if r[8] else []
        )
        for r in rows
    ]

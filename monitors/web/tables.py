"""The views of the web view's raw tables.

Declared here, registered by monitors/__init__.py, applied by crawler.storage.schema."""

from __future__ import annotations

OWNER = "monitors.web"

# The modules of this package that hold SQL (reads only): the reader's queries, and full-text
# search on PostgreSQL (SQLite's is in store).
SQL_MODULES = ("store", "search_postgres")

# (name, SQL): each runs once, in order, recorded in _sqlite_migrations under OWNER.
STEPS: list[tuple[str, str]] = [
    # What the raw tables facet and search: one row per (article, watchlist) match.
    (
        "0005_matched_articles_view",
        r"""
        CREATE VIEW IF NOT EXISTS matched_articles AS
            SELECT a.id, a.title, a.source, a.language, a.published,
                   substr(coalesce(a.published, a.fetched_at), 1, 10) AS day,
                   m.watchlist, m.snippet, a.url, a.story_id, m.matched_at
            FROM matches m JOIN articles a ON a.id = m.article_id;
        """,
    ),
]

# The same view on PostgreSQL (crawler.storage.postgres_schema), from the final shape of STEPS.
POSTGRES_STEPS: list[tuple[str, str]] = [
    (
        "0001_final_shape",
        r"""
        CREATE VIEW matched_articles AS
            SELECT a.id, a.title, a.source, a.language, a.published,
                   substr(coalesce(a.published, a.fetched_at), 1, 10) AS day,
                   m.watchlist, m.snippet, a.url, a.story_id, m.matched_at
            FROM matches m JOIN articles a ON a.id = m.article_id;
        """,
    ),
]

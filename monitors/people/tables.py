"""The tables of people: accounts, subscriptions, triage (read, saved, not relevant, muted
outlets) and the signed links' key and spent tokens.

Declared here, registered by monitors/__init__.py, applied by crawler.storage.schema. Rows name
articles by id and watchlists by name, as matches do: a watchlist removed from the file keeps
its history."""

from __future__ import annotations

OWNER = "monitors.people"

# The modules of this package that hold SQL (every statement on these tables sits there).
SQL_MODULES = ("store",)

_TABLES = r"""
CREATE TABLE {exists}people (
        name TEXT PRIMARY KEY,
        email TEXT,
        password_hash TEXT,
        created_at TEXT NOT NULL,
        last_visit_at TEXT,
        previous_visit_at TEXT
    );
CREATE TABLE {exists}subscriptions (
        person TEXT NOT NULL REFERENCES people(name),
        watchlist TEXT NOT NULL,
        since TEXT NOT NULL,
        PRIMARY KEY (person, watchlist)
    );
CREATE INDEX {exists}subscriptions_watchlist ON subscriptions(watchlist);
CREATE TABLE {exists}article_reads (
        person TEXT NOT NULL,
        article_id {bigint} NOT NULL,
        read_at TEXT NOT NULL,
        PRIMARY KEY (person, article_id)
    );
CREATE TABLE {exists}saved_articles (
        person TEXT NOT NULL,
        article_id {bigint} NOT NULL,
        saved_at TEXT NOT NULL,
        PRIMARY KEY (person, article_id)
    );
CREATE TABLE {exists}not_relevant (
        person TEXT NOT NULL,
        article_id {bigint} NOT NULL,
        watchlist TEXT NOT NULL,
        marked_at TEXT NOT NULL,
        PRIMARY KEY (person, article_id, watchlist)
    );
CREATE INDEX {exists}not_relevant_watchlist ON not_relevant(watchlist, article_id);
CREATE TABLE {exists}muted_outlets (
        person TEXT NOT NULL,
        watchlist TEXT NOT NULL,
        source TEXT NOT NULL,
        muted_at TEXT NOT NULL,
        PRIMARY KEY (person, watchlist, source)
    );
CREATE TABLE {exists}link_keys (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        secret TEXT NOT NULL,
        created_at TEXT NOT NULL
    );
CREATE TABLE {exists}spent_links (
        nonce TEXT PRIMARY KEY,
        purpose TEXT NOT NULL,
        spent_at TEXT NOT NULL
    );
"""

# (name, SQL): each runs once, in order, recorded in _sqlite_migrations under OWNER.
# 0002: the language of a person's own emails (NULL: each watchlist's). 0003: the deleted
# watchlists (no longer in the file, their matches kept) a person no longer wants listed.
_DISMISSED = """
CREATE TABLE {exists}dismissed_watchlists (
        person TEXT NOT NULL,
        watchlist TEXT NOT NULL,
        dismissed_at TEXT NOT NULL,
        PRIMARY KEY (person, watchlist)
    );
"""
STEPS: list[tuple[str, str]] = [
    ("0001_people_triage_links", _TABLES.format(exists="IF NOT EXISTS ", bigint="INTEGER")),
    ("0002_people_language", "ALTER TABLE people ADD COLUMN language TEXT;"),
    ("0003_dismissed_watchlists", _DISMISSED.format(exists="IF NOT EXISTS ")),
]

# The same tables on PostgreSQL (crawler.storage.postgres_schema).
POSTGRES_STEPS: list[tuple[str, str]] = [
    ("0001_people_triage_links", _TABLES.format(exists="", bigint="BIGINT")),
    ("0002_people_language", "ALTER TABLE people ADD COLUMN language TEXT;"),
    ("0003_dismissed_watchlists", _DISMISSED.format(exists="")),
]

"""The tables of the crawl: sources, articles and their URLs, crawl runs and errors, entry points'
validators, the robots.txt cache, the retry book.

Declared here, applied by crawler.storage.schema in the order of its OWNERS."""

from __future__ import annotations

OWNER = "crawler.storage"

# (name, SQL): each runs once, in order, recorded in _sqlite_migrations under OWNER.
STEPS: list[tuple[str, str]] = [
    # Sources, articles (one row each, and every URL that led to it), crawl runs and their errors.
    (
        "0001_sources_articles_crawl_runs",
        r"""
        CREATE TABLE IF NOT EXISTS sources (
                name TEXT PRIMARY KEY,
                title TEXT,
                homepage TEXT,
                languages TEXT,
                last_crawl_at TEXT,
                last_success_at TEXT,
                last_error TEXT,
                last_error_at TEXT,
                error_count INTEGER NOT NULL DEFAULT 0
            );
        CREATE TABLE IF NOT EXISTS articles (
                id INTEGER PRIMARY KEY,
                source TEXT NOT NULL REFERENCES sources(name),
                url TEXT NOT NULL,
                url_key TEXT NOT NULL UNIQUE,
                title TEXT,
                author TEXT,
                published TEXT,
                language TEXT,
                sitename TEXT,
                description TEXT,
                text TEXT NOT NULL,
                content_hash TEXT NOT NULL UNIQUE,
                fetched_at TEXT NOT NULL,
                matched_at TEXT
            );
        CREATE INDEX IF NOT EXISTS articles_unmatched ON articles(id) WHERE matched_at IS NULL;
        CREATE INDEX IF NOT EXISTS articles_source ON articles(source);
        CREATE TABLE IF NOT EXISTS article_urls (
                url_key TEXT PRIMARY KEY,
                article_id INTEGER NOT NULL REFERENCES articles(id)
            );
        CREATE TABLE IF NOT EXISTS crawl_runs (
                id INTEGER PRIMARY KEY,
                started_at TEXT NOT NULL,
                finished_at TEXT,
                sources TEXT NOT NULL,
                status TEXT NOT NULL DEFAULT 'running',
                new_articles INTEGER NOT NULL DEFAULT 0,
                errors INTEGER NOT NULL DEFAULT 0,
                stats TEXT
            );
        CREATE TABLE IF NOT EXISTS crawl_errors (
                id INTEGER PRIMARY KEY,
                run_id INTEGER REFERENCES crawl_runs(id),
                source TEXT NOT NULL,
                url TEXT,
                kind TEXT NOT NULL,
                message TEXT NOT NULL,
                at TEXT NOT NULL
            );
        CREATE INDEX IF NOT EXISTS crawl_errors_source ON crawl_errors(source, at);
        """,
    ),
    # Incremental crawling: validators of each entry point, and robots.txt kept for a day.
    (
        "0007_entry_state",
        r"""
        CREATE TABLE IF NOT EXISTS entry_state (
                url TEXT PRIMARY KEY,
                etag TEXT,
                last_modified TEXT,
                last_status INTEGER,
                checked_at TEXT NOT NULL
            );
        CREATE TABLE IF NOT EXISTS robots_cache (
                netloc TEXT PRIMARY KEY,
                body BLOB NOT NULL,
                fetched_at TEXT NOT NULL
            );
        """,
    ),
    # The child sitemaps of a sitemap index, re-checked (conditionally) when the index is unchanged.
    (
        "0008_sitemap_children",
        r"""
        ALTER TABLE entry_state ADD COLUMN children TEXT NOT NULL DEFAULT '[]';
        """,
    ),
    # Where the publication date came from, and the original outlet of a republished article.
    (
        "0010_dates_and_origin",
        r"""
        ALTER TABLE articles ADD COLUMN published_origin TEXT;
        ALTER TABLE articles ADD COLUMN original_source TEXT;
        ALTER TABLE articles ADD COLUMN original_url TEXT;
        """,
    ),
    # The retry book (crawler.discovery.retries); per-source link counts and the warning of a source
    # that went dark; URL keys with one spelling of percent-escapes (crawler.canonical).
    (
        "0011_retries_and_link_counts",
        r"""
        CREATE TABLE IF NOT EXISTS article_retries (
                url_key TEXT PRIMARY KEY,
                url TEXT NOT NULL,
                source TEXT NOT NULL,
                state TEXT NOT NULL,
                attempts INTEGER NOT NULL,
                kind TEXT NOT NULL,
                reason TEXT NOT NULL,
                first_failed_at TEXT NOT NULL,
                last_failed_at TEXT NOT NULL,
                next_attempt_at TEXT,
                feed_title TEXT,
                feed_published TEXT
            );
        CREATE INDEX IF NOT EXISTS article_retries_due ON article_retries(source, state, next_attempt_at);
        ALTER TABLE sources ADD COLUMN links_average REAL;
        ALTER TABLE sources ADD COLUMN link_crawls INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE sources ADD COLUMN warning TEXT;
        ALTER TABLE sources ADD COLUMN warning_at TEXT;
        UPDATE OR IGNORE article_urls SET url_key = veille_normalize_escapes(url_key)
                WHERE url_key LIKE '%\%%' ESCAPE '\';
        UPDATE OR IGNORE articles SET url_key = veille_normalize_escapes(url_key)
                WHERE url_key LIKE '%\%%' ESCAPE '\';
        """,
    ),
]

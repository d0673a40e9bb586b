"""The tables of stories: the stories, their LSH keys and title-and-lead terms, the articles'
fingerprint columns, revisions, and the meta table (fingerprint scheme, back-fill marks).

Declared here, applied by crawler.storage.schema in the order of its OWNERS."""

from __future__ import annotations

OWNER = "crawler.stories"

# (name, SQL): each runs once, in order, recorded in _sqlite_migrations under OWNER.
STEPS: list[tuple[str, str]] = [
    # Stories (near-duplicate clusters), their LSH index, article revisions, the meta table.
    (
        "0004_stories",
        r"""
        CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        CREATE TABLE IF NOT EXISTS stories (
                id INTEGER PRIMARY KEY,
                first_seen TEXT NOT NULL,
                canonical_article_id INTEGER,
                title TEXT,
                updated_at TEXT NOT NULL
            );
        ALTER TABLE articles ADD COLUMN story_id INTEGER REFERENCES stories(id);
        ALTER TABLE articles ADD COLUMN signature BLOB;
        ALTER TABLE articles ADD COLUMN shingles INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE articles ADD COLUMN revision INTEGER NOT NULL DEFAULT 0;
        CREATE INDEX IF NOT EXISTS articles_story ON articles(story_id);
        CREATE TABLE IF NOT EXISTS lsh_buckets (
                band INTEGER NOT NULL,
                bucket INTEGER NOT NULL,
                article_id INTEGER NOT NULL REFERENCES articles(id)
            );
        CREATE INDEX IF NOT EXISTS lsh_lookup ON lsh_buckets(band, bucket);
        CREATE INDEX IF NOT EXISTS lsh_article ON lsh_buckets(article_id);
        CREATE TABLE IF NOT EXISTS article_revisions (
                id INTEGER PRIMARY KEY,
                article_id INTEGER NOT NULL REFERENCES articles(id),
                revision INTEGER NOT NULL,
                title TEXT,
                text TEXT NOT NULL,
                content_hash TEXT NOT NULL,
                fetched_at TEXT NOT NULL,
                UNIQUE (article_id, revision)
            );
        """,
    ),
    # LSH keys folded with their band into one clustered key: one index probe per band, flat as the
    # store grows (band and bucket as two columns cost 3.8x at 100k articles).
    (
        "0006_lsh_keys",
        r"""
        CREATE TABLE IF NOT EXISTS lsh_keys (
                key INTEGER NOT NULL,
                article_id INTEGER NOT NULL,
                PRIMARY KEY (key, article_id)
            ) WITHOUT ROWID;
        CREATE INDEX IF NOT EXISTS lsh_keys_article ON lsh_keys(article_id);
        DROP TABLE IF EXISTS lsh_buckets;
        """,
    ),
    # Rewritten coverage (crawler.stories.terms): each article's hour and title-and-lead terms,
    # looked up by term within the story window (filled for stored articles by the storage back-
    # fill).
    (
        "0012_story_terms",
        r"""
        ALTER TABLE articles ADD COLUMN story_hour INTEGER;
        CREATE INDEX IF NOT EXISTS articles_story_hour ON articles(story_hour);
        CREATE TABLE IF NOT EXISTS story_terms (
                term TEXT NOT NULL,
                hour INTEGER NOT NULL,
                article_id INTEGER NOT NULL,
                PRIMARY KEY (term, hour, article_id)
            ) WITHOUT ROWID;
        CREATE INDEX IF NOT EXISTS story_terms_article ON story_terms(article_id);
        """,
    ),
]

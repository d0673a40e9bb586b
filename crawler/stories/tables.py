"""The tables of stories: the stories, their LSH keys and title-and-lead terms, the articles'
fingerprint columns, revisions, and the meta table (fingerprint scheme, back-fill marks).

Declared here, applied by crawler.storage.schema (crawler.storage.schema.CRAWLER_OWNERS)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from crawler.storage.engine import Database, SQLiteDatabase
    from crawler.storage.postgres_schema import Step as PostgresStep
    from crawler.storage.schema import Step

OWNER = "crawler.stories"

# The modules of this package that may hold SQL (besides this one): tests/test_storage_boundary.py.
SQL_MODULES = ("store",)


def backfill_story_terms(db: SQLiteDatabase) -> None:
    """Articles stored before 0012_story_terms get their hour and title-and-lead terms."""
    from crawler.stories import backfill  # the fingerprinting code, loaded only when it runs

    backfill.backfill_story_terms(db)


def backfill_stories(db: SQLiteDatabase) -> None:
    """Articles stored before stories (or whose LSH keys are missing) get them."""
    from crawler.stories import backfill

    backfill.backfill_stories(db)


def band_keys_by_hour(db: SQLiteDatabase) -> None:
    """LSH keys stored with their article's story hour (crawler.stories.store.copy_candidates)."""
    from crawler.stories import store
    from crawler.stories.grouping import article_hour

    store.rebuild_band_keys_by_hour(db, article_hour)


def story_index(db: SQLiteDatabase) -> None:
    """Story terms and LSH keys in one row an article (crawler.stories.store.compact_story_index)."""
    from crawler.stories import store

    store.compact_story_index(db)


def rebuild_story_terms(db: Database) -> None:
    """Stored articles' terms folded again (crawler.stories.backfill.rebuild_story_terms)."""
    from crawler.stories import backfill

    backfill.rebuild_story_terms(db)


# (name, SQL or function): each runs once, in order, recorded in _sqlite_migrations under OWNER.
STEPS: list[Step] = [
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
    # The outlets of each story, and how many stories run in more than one, kept as articles join
    # stories (crawler.stories.store.note_outlet): `veille status` reads one row instead of
    # grouping every article (issue 28). Listed before the stories back-fill, which puts articles
    # in stories through note_outlet; a database that ran the back-fill earlier runs it now.
    (
        "0026_story_outlets",
        r"""
        CREATE TABLE IF NOT EXISTS story_outlets (
                story_id INTEGER NOT NULL,
                source TEXT NOT NULL,
                PRIMARY KEY (story_id, source)
            ) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS story_counts (
                name TEXT PRIMARY KEY,
                stories INTEGER NOT NULL
            );
        DELETE FROM story_outlets;
        DELETE FROM story_counts;
        INSERT INTO story_outlets(story_id, source)
            SELECT DISTINCT story_id, source FROM articles WHERE story_id IS NOT NULL;
        INSERT INTO story_counts(name, stories)
            SELECT 'several_outlets', n FROM (
                SELECT count(*) AS n FROM (
                    SELECT story_id FROM story_outlets GROUP BY story_id HAVING count(*) > 1
                ) AS shared
            ) AS counted WHERE n > 0;
        """,
    ),
    # LSH keys carry their article's story hour, clustered by (key, hour): copy candidates are
    # looked up within the story window, so a bucket's older near-copies (a weekly text, last
    # week's rubric) are never read (issue 25). Listed before the back-fills, which write keys
    # with their hour; a database that ran them earlier runs it now.
    ("0027_lsh_keys_by_hour", band_keys_by_hour),
    # Each story hour's article count and the version of its terms, kept by
    # crawler.stories.store.save_terms: a process keeps the story window between store batches
    # and reads again only the hours whose version changed (crawler.stories.window). Listed
    # before the back-fills, which write terms through save_terms.
    (
        "0028_story_hours",
        r"""
        CREATE TABLE IF NOT EXISTS story_hours (
                hour INTEGER PRIMARY KEY,
                articles INTEGER NOT NULL,
                version INTEGER NOT NULL
            );
        DELETE FROM story_hours;
        INSERT INTO story_hours(hour, articles, version)
            SELECT story_hour, count(*), 1 FROM articles WHERE story_hour IS NOT NULL
            GROUP BY story_hour;
        INSERT INTO meta(key, value) VALUES ('story_hours_id', lower(hex(randomblob(16))))
            ON CONFLICT (key) DO UPDATE SET value = excluded.value;
        """,
    ),
    # Each article's story terms and LSH keys in one story_index row (terms joined by a line
    # break, keys packed as 64-bit integers), read by the story window a few hours at a time:
    # storing an article writes one row instead of some eighty, each in an index of its own
    # (story_terms by term, lsh_keys by key), which only lookups outside the window needed.
    # Listed before the back-fills, which write these rows; a database that ran them earlier
    # runs it now.
    ("0029_story_index", story_index),
    # Back-fills of articles stored before stories and story terms (they ran on every open that
    # found a migration pending before they were steps).
    ("0014_story_terms_backfill", backfill_story_terms),
    ("0015_stories_backfill", backfill_stories),
    # Terms fold the Arabic definite article with its proclitics and the El/Al name particles
    # (crawler.core.normalize.stem_token): the terms of stored articles are computed again.
    ("0016_story_terms_folding", rebuild_story_terms),
    # The stories list reads the latest stories from an index, not a group of every story.
    (
        "0019_stories_updated",
        r"""
        CREATE INDEX IF NOT EXISTS stories_updated ON stories(updated_at, id);
        """,
    ),  # Terms carry the places and institutions an article names, the same in every language
    # (crawler.stories.events, '@' terms): the terms of stored articles are computed again.
    ("0020_story_terms_places", rebuild_story_terms),
]

# The same tables on PostgreSQL (crawler.storage.postgres_schema), from the final shape of STEPS.
POSTGRES_STEPS: list[tuple[str, PostgresStep]] = [
    (
        "0001_final_shape",
        r"""
        CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        CREATE TABLE stories (
                id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
                first_seen TEXT NOT NULL,
                canonical_article_id BIGINT,
                title TEXT,
                updated_at TEXT NOT NULL
            );
        ALTER TABLE articles
            ADD COLUMN story_id BIGINT REFERENCES stories(id),
            ADD COLUMN signature BYTEA,
            ADD COLUMN shingles INTEGER NOT NULL DEFAULT 0,
            ADD COLUMN revision INTEGER NOT NULL DEFAULT 0,
            ADD COLUMN story_hour BIGINT;
        CREATE INDEX articles_story ON articles(story_id);
        CREATE INDEX articles_story_hour ON articles(story_hour);
        CREATE TABLE article_revisions (
                id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
                article_id BIGINT NOT NULL REFERENCES articles(id),
                revision INTEGER NOT NULL,
                title TEXT,
                text TEXT NOT NULL,
                content_hash TEXT NOT NULL,
                fetched_at TEXT NOT NULL,
                UNIQUE (article_id, revision)
            );
        CREATE TABLE lsh_keys (
                key BIGINT NOT NULL,
                article_id BIGINT NOT NULL,
                PRIMARY KEY (key, article_id)
            );
        CREATE INDEX lsh_keys_article ON lsh_keys(article_id);
        CREATE TABLE story_terms (
                term TEXT NOT NULL,
                hour BIGINT NOT NULL,
                article_id BIGINT NOT NULL,
                PRIMARY KEY (term, hour, article_id)
            );
        CREATE INDEX story_terms_article ON story_terms(article_id);
        """,
    ),
    # The same index as SQLite's 0019_stories_updated.
    (
        "0002_stories_updated",
        r"""
        CREATE INDEX stories_updated ON stories(updated_at, id);
        """,
    ),
    # SQLite's 0016_story_terms_folding and 0020_story_terms_places: the folding of terms
    # changed after PostgreSQL databases could hold articles, so their terms are computed again
    # (nothing to do on a new database, or one `veille db copy` fills from an up-to-date file).
    ("0003_story_terms_folding", rebuild_story_terms),
    # As SQLite's 0026_story_outlets. Stories are written under crawler.storage.store.STORE_LOCK,
    # so the one counter row is never updated by two transactions at once. No counter row while
    # no story has two outlets: `veille db copy` takes a database holding rows for a filled one.
    (
        "0004_story_outlets",
        r"""
        CREATE TABLE story_outlets (
                story_id BIGINT NOT NULL,
                source TEXT NOT NULL,
                PRIMARY KEY (story_id, source)
            );
        CREATE TABLE story_counts (
                name TEXT PRIMARY KEY,
                stories BIGINT NOT NULL
            );
        INSERT INTO story_outlets(story_id, source)
            SELECT DISTINCT story_id, source FROM articles WHERE story_id IS NOT NULL;
        INSERT INTO story_counts(name, stories)
            SELECT 'several_outlets', n FROM (
                SELECT count(*) AS n FROM (
                    SELECT story_id FROM story_outlets GROUP BY story_id HAVING count(*) > 1
                ) AS shared
            ) AS counted WHERE n > 0;
        """,
    ),
    # As SQLite's 0027_lsh_keys_by_hour: every article here has its story hour (PostgreSQL
    # databases were made after story hours existed).
    (
        "0005_lsh_keys_by_hour",
        r"""
        CREATE TABLE lsh_keys_by_hour (
                key BIGINT NOT NULL,
                hour BIGINT NOT NULL,
                article_id BIGINT NOT NULL,
                PRIMARY KEY (key, hour, article_id)
            );
        INSERT INTO lsh_keys_by_hour(key, hour, article_id)
            SELECT k.key, coalesce(a.story_hour, 0), k.article_id
            FROM lsh_keys k JOIN articles a ON a.id = k.article_id;
        DROP TABLE lsh_keys;
        ALTER TABLE lsh_keys_by_hour RENAME TO lsh_keys;
        ALTER INDEX lsh_keys_by_hour_pkey RENAME TO lsh_keys_pkey;
        CREATE INDEX lsh_keys_article ON lsh_keys(article_id);
        """,
    ),
    # As SQLite's 0028_story_hours.
    (
        "0006_story_hours",
        r"""
        CREATE TABLE story_hours (
                hour BIGINT PRIMARY KEY,
                articles BIGINT NOT NULL,
                version BIGINT NOT NULL
            );
        INSERT INTO story_hours(hour, articles, version)
            SELECT story_hour, count(*), 1 FROM articles WHERE story_hour IS NOT NULL
            GROUP BY story_hour;
        INSERT INTO meta(key, value) VALUES ('story_hours_id', md5(random()::text || clock_timestamp()::text))
            ON CONFLICT (key) DO UPDATE SET value = excluded.value;
        """,
    ),
    # As SQLite's 0029_story_index: the keys packed big-endian, as int8send gives them.
    (
        "0007_story_index",
        r"""
        CREATE TABLE story_index (
                article_id BIGINT PRIMARY KEY,
                hour BIGINT NOT NULL,
                terms TEXT NOT NULL DEFAULT '',
                keys BYTEA
            );
        CREATE INDEX story_index_hour ON story_index(hour, article_id);
        INSERT INTO story_index(article_id, hour, terms)
            SELECT article_id, min(hour), string_agg(term, E'\n' ORDER BY term COLLATE "C")
            FROM story_terms GROUP BY article_id;
        INSERT INTO story_index(article_id, hour, terms, keys)
            SELECT article_id, min(hour), '', string_agg(int8send(key), ''::bytea ORDER BY key)
            FROM lsh_keys GROUP BY article_id
            ON CONFLICT (article_id) DO UPDATE SET keys = excluded.keys;
        DROP TABLE story_terms;
        DROP TABLE lsh_keys;
        """,
    ),
]

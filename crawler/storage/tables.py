"""The tables of the crawl: sources, articles and their URLs, crawl runs and errors, entry points'
validators, the robots.txt cache, the retry book, full-text search of articles.

Declared here, applied by crawler.storage.schema (crawler.storage.schema.CRAWLER_OWNERS)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from crawler.core.times import stored_date

if TYPE_CHECKING:
    from crawler.storage.engine import Database, SQLiteDatabase
    from crawler.storage.schema import Step

OWNER = "crawler.storage"

# The modules of this package that may hold SQL (besides this one): tests/test_storage_boundary.py.
SQL_MODULES = (
    "store",
    "articles",
    "retry_book",
    "schema",
    "postgres_schema",
    "engine",
    "copy",
)

# Summary tables kept in step with their table by triggers (in STEPS and POSTGRES_STEPS), each
# with PostgreSQL's statements to turn the counting trigger off, to count once, and to turn it
# on again: `veille db copy` copies the counted table with the trigger off (crawler.storage.copy).
KEPT_BY_TRIGGERS = {
    "source_counts": (
        "ALTER TABLE articles DISABLE TRIGGER articles_counted",
        "INSERT INTO source_counts(source, articles) SELECT source, count(*) FROM articles "
        "GROUP BY source",
        "ALTER TABLE articles ENABLE TRIGGER articles_counted",
    )
}

# sqlite-utils' update trigger re-indexes an article's title and text in FTS5 on any UPDATE of its
# row: marking it matched or assigning its story re-tokenised the whole text each time.
_FTS_UPDATE_TRIGGER = """
CREATE TRIGGER "articles_au" AFTER UPDATE OF "title", "text" ON "articles" BEGIN
  INSERT INTO "articles_fts" ("articles_fts", rowid, "title", "text")
    VALUES('delete', old.rowid, old."title", old."text");
  INSERT INTO "articles_fts" (rowid, "title", "text") VALUES (new.rowid, new."title", new."text");
END
"""


def full_text_search(db: SQLiteDatabase) -> None:
    """Full-text search of articles' titles and texts (FTS5, kept by triggers), re-indexing an
    article only when its title or text changes. Databases that have it already (it was made
    outside the migrations before) keep it; their update trigger is narrowed."""
    if "articles_fts" not in db.table_names():
        db.table("articles").enable_fts(
            ["title", "text"], create_triggers=True, tokenize="unicode61 remove_diacritics 2"
        )
    row = db.conn.execute(
        "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = 'articles_au'"
    ).fetchone()
    if row is None or "UPDATE OF" not in row[0]:
        db.conn.execute('DROP TRIGGER IF EXISTS "articles_au"')
        db.conn.execute(_FTS_UPDATE_TRIGGER)


# What the full-text index leaves out of Arabic words: the harakat (fathatan to sukun), maddah
# and hamza above and below, the superscript alef, and tatweel, as search folds them out of a
# query (monitors.web.spellings.unmarked) and rules out of both sides. FTS5's unicode61 tokenizer
# cuts a word at each mark (they are not letters to it; remove_diacritics folds Latin marks only,
# and its categories or tokenchars options would keep the marks inside the word, not drop them)
# and keeps tatweel inside it: « السِّيَادَةُ » was indexed as four pieces, which no query of the
# bare word finds as a phrase or in title:. Rarer Quranic annotation marks still cut a word, as
# before: a replace() each costs every insert a pass over the text (SQLite has no translate()).
UNINDEXED_MARKS = tuple(chr(c) for c in range(0x064B, 0x0656)) + ("\u0670", "\u0640")


def unmarked_sql(column: str) -> str:
    """SQL: `column` without UNINDEXED_MARKS, in SQLite's own functions (no function of this
    process), so any connection writing articles, sqlite3's shell included, indexes alike."""
    expression = column
    for mark in UNINDEXED_MARKS:
        expression = f"replace({expression}, char({ord(mark)}), '')"
    return expression


def unmarked_full_text_search(db: SQLiteDatabase) -> None:
    """The full-text index of articles' titles and texts without Arabic marks (UNINDEXED_MARKS),
    built again from every article. Its external content is a view of the articles without those
    marks, so FTS5's snippets, its 'rebuild' and its integrity-check read what was indexed (with
    the articles table as content, a snippet would count words in the text with its marks, and a
    run of tatweel alone is a word there and none in the index). The triggers index the same
    unmarked values, an update only when the title or text changes."""
    title, text = unmarked_sql('"title"'), unmarked_sql('"text"')
    old = {name: unmarked_sql(f'old."{name}"') for name in ("title", "text")}
    new = {name: unmarked_sql(f'new."{name}"') for name in ("title", "text")}
    for statement in (
        'DROP TRIGGER IF EXISTS "articles_ai"',
        'DROP TRIGGER IF EXISTS "articles_ad"',
        'DROP TRIGGER IF EXISTS "articles_au"',
        'DROP TABLE IF EXISTS "articles_fts"',
        'DROP VIEW IF EXISTS "articles_fts_unmarked"',
        f'CREATE VIEW "articles_fts_unmarked" AS SELECT "id", {title} AS "title", {text} AS "text" '
        'FROM "articles"',
        'CREATE VIRTUAL TABLE "articles_fts" USING fts5("title", "text", '
        "content='articles_fts_unmarked', content_rowid='id', "
        "tokenize='unicode61 remove_diacritics 2')",
        f"""CREATE TRIGGER "articles_ai" AFTER INSERT ON "articles" BEGIN
          INSERT INTO "articles_fts" (rowid, "title", "text")
            VALUES (new."id", {new["title"]}, {new["text"]});
        END""",
        f"""CREATE TRIGGER "articles_ad" AFTER DELETE ON "articles" BEGIN
          INSERT INTO "articles_fts" ("articles_fts", rowid, "title", "text")
            VALUES ('delete', old."id", {old["title"]}, {old["text"]});
        END""",
        f"""CREATE TRIGGER "articles_au" AFTER UPDATE OF "title", "text" ON "articles" BEGIN
          INSERT INTO "articles_fts" ("articles_fts", rowid, "title", "text")
            VALUES ('delete', old."id", {old["title"]}, {old["text"]});
          INSERT INTO "articles_fts" (rowid, "title", "text")
            VALUES (new."id", {new["title"]}, {new["text"]});
        END""",
        """INSERT INTO "articles_fts" ("articles_fts") VALUES ('rebuild')""",
    ):
        db.conn.execute(statement)


def stored_dates(db: Database) -> None:
    """Every article's publication date in the one spelling storing writes since this step
    (crawler.core.times.stored_date): a moment in UTC, a day alone as its day. Dates were stored
    as the page or the import file wrote them (« 2026-11-20T23:05:00+01:00 »), and every page
    compares them as text with UTC bounds and keys: such an article sorted an hour late among
    the others and fell in the wrong day near midnight. Read and written a few thousand rows at
    a time; a story hour already given is left as it is."""
    last = 0
    while True:
        rows = db.execute(
            "SELECT id, published FROM articles WHERE id > ? AND published IS NOT NULL "
            "ORDER BY id LIMIT 5000",
            (last,),
        ).fetchall()
        if not rows:
            return
        last = rows[-1][0]
        changed = [(new, id_) for id_, old in rows if (new := stored_date(old)) != old]
        if changed:
            db.executemany("UPDATE articles SET published = ? WHERE id = ?", changed)


# (name, SQL or function): each runs once, in order, recorded in _sqlite_migrations under OWNER.
STEPS: list[Step] = [
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
    # that went dark; URL keys with one spelling of percent-escapes (crawler.core.canonical).
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
    # Full-text search (made on first open before it was a step).
    ("0013_full_text_search", full_text_search),
    # The reader's list pages read what they show: the latest articles by their date (published,
    # else fetched) and a week of fetches per source, each from an index (bench/reader.py).
    (
        "0017_reader_indexes",
        r"""
        CREATE INDEX IF NOT EXISTS articles_when ON articles(coalesce(published, fetched_at));
        CREATE INDEX IF NOT EXISTS articles_fetched ON articles(fetched_at, source);
        """,
    ),
    # Who started each crawl run (host:pid): on PostgreSQL several crawl machines share the
    # runs, and one starting up closes only what its own dead processes left running.
    ("0018_crawl_run_owner", "ALTER TABLE crawl_runs ADD COLUMN started_by TEXT;"),
    # How many articles each source has, kept by triggers on articles: the sources page,
    # `veille status` and /health read one row per source instead of counting every article.
    (
        "0022_source_counts",
        r"""
        CREATE TABLE IF NOT EXISTS source_counts (
                source TEXT PRIMARY KEY,
                articles INTEGER NOT NULL
            );
        DELETE FROM source_counts;
        INSERT INTO source_counts(source, articles)
            SELECT source, count(*) FROM articles GROUP BY source;
        CREATE TRIGGER IF NOT EXISTS articles_counted_ai AFTER INSERT ON articles BEGIN
            INSERT INTO source_counts(source, articles) VALUES (new.source, 1)
                ON CONFLICT (source) DO UPDATE SET articles = articles + 1;
        END;
        CREATE TRIGGER IF NOT EXISTS articles_counted_ad AFTER DELETE ON articles BEGIN
            UPDATE source_counts SET articles = articles - 1 WHERE source = old.source;
        END;
        CREATE TRIGGER IF NOT EXISTS articles_counted_au AFTER UPDATE OF source ON articles BEGIN
            UPDATE source_counts SET articles = articles - 1 WHERE source = old.source;
            INSERT INTO source_counts(source, articles) VALUES (new.source, 1)
                ON CONFLICT (source) DO UPDATE SET articles = articles + 1;
        END;
        """,
    ),
    # Links an entry point listed that the source's last crawl did not take as articles, by
    # reason (JSON): a video, prayer times, a section... counted in `veille status`.
    ("0024_links_not_taken", "ALTER TABLE sources ADD COLUMN links_not_taken TEXT;"),
    # The languages of stored articles (the reader's search filter) from an index, one step
    # per language, not a pass over every article.
    (
        "0025_articles_language",
        r"""
        CREATE INDEX IF NOT EXISTS articles_language ON articles(language);
        """,
    ),
    # Arabic words indexed without their harakat and tatweel: a headline written with them is
    # found by its bare words as a phrase and in title: (the index built again from every article).
    ("0031_unmarked_full_text_search", unmarked_full_text_search),
    # Publication dates in one spelling, a moment in UTC or a day (stored_dates).
    ("0032_stored_dates", stored_dates),
]


def _search_vector(row: str) -> str:
    """SQL: the search vector of the article `row` (NEW in a trigger), as step 0011 first
    generated it: the configuration of its language's primary subtag, its title weighted A and
    its text B, both without the Arabic marks SQLite's index leaves out (0010_search_folded).
    Written out, as a step's SQL must stay what it was."""
    configuration = (
        f"CASE split_part({row}.language, '-', 1) WHEN 'fr' THEN 'french_unaccent'::regconfig "
        "WHEN 'ar' THEN 'arabic_unaccent'::regconfig "
        "WHEN 'en' THEN 'english_unaccent'::regconfig ELSE 'simple_unaccent'::regconfig END"
    )
    marks = r"U&'[\064B\064C\064D\064E\064F\0650\0651\0652\0653\0654\0655\0670\0640]'"
    return (
        f"setweight(to_tsvector({configuration}, "
        f"regexp_replace(coalesce({row}.title, ''), {marks}, '', 'g')), 'A') || "
        f"setweight(to_tsvector({configuration}, "
        f"regexp_replace(left({row}.text, 200000), {marks}, '', 'g')), 'B')"
    )


# The search column kept by a trigger (steps 0011_search_primary_language and
# 0012_search_kept_by_trigger): one statement each.
_SEARCH_FUNCTION = f"""
    CREATE FUNCTION articles_search_kept() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        NEW.search := {_search_vector("NEW")};
        RETURN NEW;
    END $$"""
_SEARCH_TRIGGER = """
    CREATE TRIGGER articles_search_kept BEFORE INSERT OR UPDATE OF title, text, language
        ON articles FOR EACH ROW EXECUTE FUNCTION articles_search_kept()"""
_SEARCH_NOT_GENERATED = "ALTER TABLE articles ALTER COLUMN search DROP EXPRESSION"

# Step 0011_search_primary_language (see there): the search column kept by a trigger.
search_kept_by_trigger = f"""
    {_SEARCH_NOT_GENERATED};{_SEARCH_FUNCTION};{_SEARCH_TRIGGER};
    UPDATE articles SET language = language WHERE strpos(language, '-') > 0;
"""


def search_kept_by_trigger_everywhere(db: Database) -> None:
    """A database that ran step 0011_search_primary_language as it was first written (710b048)
    has a generated search column where one migrated since has a plain column and a trigger:
    both hold the same vectors (tests/test_search_step.py), but two shapes of one column would
    make every later step on it handle both. Its column becomes the plain one with the trigger,
    its vectors kept (DROP EXPRESSION rewrites no row: milliseconds at any size); any other
    database is left as it is."""
    generated = db.execute(
        "SELECT attgenerated FROM pg_attribute "
        "WHERE attrelid = 'articles'::regclass AND attname = 'search'"
    ).fetchone()
    if generated is None or generated[0] != "s":
        return
    for statement in (_SEARCH_NOT_GENERATED, _SEARCH_FUNCTION, _SEARCH_TRIGGER):
        db.execute(statement)


# Step 0013_search_every_word: French and English indexed without a stop list, as SQLite's
# FTS5 and PostgreSQL's own `arabic` and `simple` index every word. `french_unaccent` dropped
# the French stop words only partly: `unaccent` runs before `french_stem`, whose stop list is
# written with accents, so « à », « été », « même » were indexed as « a », « ete », « mem »,
# and the list lacks « les » and « ils » (stemmed to « le » and « il »), and « a »; `english`
# dropped « it », « the », « and », so `IT` found no English article on PostgreSQL and found
# them on SQLite. The snowball stemmers are the same, given no stop file; the word mappings of
# the two configurations use them (ASCII words skip `unaccent`, as in the copies of 0002 and
# 0008). The French and English articles' vectors are computed again by the search trigger
# (its SQL unchanged: it names the configurations), with the GIN index dropped meanwhile and
# built again after: about the same time as keeping it, and a smaller index (66 against 79 MB
# at 100,000 articles, bench/search_every_word.py, docs/storage.md); the Arabic and `simple`
# articles' vectors are unchanged and not written.
search_every_word = """
    CREATE TEXT SEARCH DICTIONARY french_stem_every_word (TEMPLATE = snowball, Language = french);
    CREATE TEXT SEARCH DICTIONARY english_stem_every_word (TEMPLATE = snowball, Language = english);
    ALTER TEXT SEARCH CONFIGURATION french_unaccent
        ALTER MAPPING FOR asciiword, asciihword, hword_asciipart WITH french_stem_every_word;
    ALTER TEXT SEARCH CONFIGURATION french_unaccent
        ALTER MAPPING FOR word, hword, hword_part WITH unaccent, french_stem_every_word;
    ALTER TEXT SEARCH CONFIGURATION english_unaccent
        ALTER MAPPING FOR asciiword, asciihword, hword_asciipart WITH english_stem_every_word;
    ALTER TEXT SEARCH CONFIGURATION english_unaccent
        ALTER MAPPING FOR word, hword, hword_part WITH unaccent, english_stem_every_word;
    DROP INDEX articles_search;
    UPDATE articles SET language = language WHERE split_part(language, '-', 1) IN ('fr', 'en');
    CREATE INDEX articles_search ON articles USING GIN (search);
    ANALYZE articles;
"""


# The same tables on PostgreSQL (crawler.storage.postgres_schema), starting from the final shape of
# STEPS above: BIGINT identity ids (BY DEFAULT, so `veille db copy` keeps every id), BYTEA for
# blobs, timestamps as ISO-8601 TEXT as on SQLite, the same constraints and indexes. Recorded in
# veille_migrations under OWNER; a later change is a new step here (and one in STEPS).
POSTGRES_STEPS: list[tuple[str, str | Callable[[Database], None]]] = [
    (
        "0001_final_shape",
        r"""
        CREATE TABLE sources (
                name TEXT PRIMARY KEY,
                title TEXT,
                homepage TEXT,
                languages TEXT,
                last_crawl_at TEXT,
                last_success_at TEXT,
                last_error TEXT,
                last_error_at TEXT,
                error_count INTEGER NOT NULL DEFAULT 0,
                links_average DOUBLE PRECISION,
                link_crawls INTEGER NOT NULL DEFAULT 0,
                warning TEXT,
                warning_at TEXT
            );
        CREATE TABLE articles (
                id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
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
                matched_at TEXT,
                published_origin TEXT,
                original_source TEXT,
                original_url TEXT
            );
        CREATE INDEX articles_unmatched ON articles(id) WHERE matched_at IS NULL;
        CREATE INDEX articles_source ON articles(source);
        CREATE TABLE article_urls (
                url_key TEXT PRIMARY KEY,
                article_id BIGINT NOT NULL REFERENCES articles(id)
            );
        CREATE TABLE crawl_runs (
                id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
                started_at TEXT NOT NULL,
                finished_at TEXT,
                sources TEXT NOT NULL,
                status TEXT NOT NULL DEFAULT 'running',
                new_articles INTEGER NOT NULL DEFAULT 0,
                errors INTEGER NOT NULL DEFAULT 0,
                stats TEXT
            );
        CREATE TABLE crawl_errors (
                id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
                run_id BIGINT REFERENCES crawl_runs(id),
                source TEXT NOT NULL,
                url TEXT,
                kind TEXT NOT NULL,
                message TEXT NOT NULL,
                at TEXT NOT NULL
            );
        CREATE INDEX crawl_errors_source ON crawl_errors(source, at);
        CREATE TABLE entry_state (
                url TEXT PRIMARY KEY,
                etag TEXT,
                last_modified TEXT,
                last_status INTEGER,
                checked_at TEXT NOT NULL,
                children TEXT NOT NULL DEFAULT '[]'
            );
        CREATE TABLE robots_cache (
                netloc TEXT PRIMARY KEY,
                body BYTEA NOT NULL,
                fetched_at TEXT NOT NULL
            );
        CREATE TABLE article_retries (
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
        CREATE INDEX article_retries_due ON article_retries(source, state, next_attempt_at);
        """,
    ),
    # Full-text search: a stored tsvector per article, its text search configuration chosen by
    # the article's language (French without accents, Arabic, English, else `simple`), the
    # title weighted A above the text's B, behind a GIN index. `unaccent` is a dictionary inside
    # a copy of `french` (the dictionary is immutable, the unaccent() function is not), so the
    # generated column may use it. The text is indexed up to 200,000 characters (a tsvector
    # holds at most 1 MB). monitors.web.search_postgres queries it.
    (
        "0002_search",
        r"""
        CREATE EXTENSION IF NOT EXISTS unaccent;
        CREATE TEXT SEARCH CONFIGURATION french_unaccent (COPY = french);
        ALTER TEXT SEARCH CONFIGURATION french_unaccent
            ALTER MAPPING FOR hword, hword_part, word WITH unaccent, french_stem;
        ALTER TABLE articles ADD COLUMN search tsvector GENERATED ALWAYS AS (
            setweight(to_tsvector(
                CASE language WHEN 'fr' THEN 'french_unaccent'::regconfig
                    WHEN 'ar' THEN 'arabic'::regconfig WHEN 'en' THEN 'english'::regconfig
                    ELSE 'simple'::regconfig END,
                coalesce(title, '')), 'A')
            || setweight(to_tsvector(
                CASE language WHEN 'fr' THEN 'french_unaccent'::regconfig
                    WHEN 'ar' THEN 'arabic'::regconfig WHEN 'en' THEN 'english'::regconfig
                    ELSE 'simple'::regconfig END,
                left(text, 200000)), 'B')
        ) STORED;
        CREATE INDEX articles_search ON articles USING GIN (search);
        """,
    ),
    # The same reader indexes as SQLite's 0017_reader_indexes.
    (
        "0003_reader_indexes",
        r"""
        CREATE INDEX articles_when ON articles ((coalesce(published, fetched_at)));
        CREATE INDEX articles_fetched ON articles(fetched_at, source);
        """,
    ),
    # As SQLite's 0018_crawl_run_owner.
    ("0004_crawl_run_owner", "ALTER TABLE crawl_runs ADD COLUMN started_by TEXT;"),
    # The same counts as SQLite's 0022_source_counts. Articles are written under one advisory
    # lock (crawler.storage.store.STORE_LOCK), so two writers never wait on each other's counter
    # rows in opposite orders.
    (
        "0005_source_counts",
        r"""
        CREATE TABLE source_counts (
                source TEXT PRIMARY KEY,
                articles BIGINT NOT NULL
            );
        INSERT INTO source_counts(source, articles)
            SELECT source, count(*) FROM articles GROUP BY source;
        CREATE FUNCTION source_counts_kept() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP IN ('DELETE', 'UPDATE') THEN
                UPDATE source_counts SET articles = articles - 1 WHERE source = OLD.source;
            END IF;
            IF TG_OP IN ('INSERT', 'UPDATE') THEN
                INSERT INTO source_counts(source, articles) VALUES (NEW.source, 1)
                    ON CONFLICT (source) DO UPDATE SET articles = source_counts.articles + 1;
            END IF;
            RETURN NULL;
        END $$;
        CREATE TRIGGER articles_counted AFTER INSERT OR DELETE OR UPDATE OF source ON articles
            FOR EACH ROW EXECUTE FUNCTION source_counts_kept();
        """,
    ),
    # As SQLite's 0024_links_not_taken.
    ("0006_links_not_taken", "ALTER TABLE sources ADD COLUMN links_not_taken TEXT;"),
    # The same index as SQLite's 0025_articles_language.
    (
        "0007_articles_language",
        r"""
        CREATE INDEX articles_language ON articles(language);
        """,
    ),
    # English and every language searched with `simple` (Spanish, undetected…) without accents,
    # as French already was and as SQLite's index folds them: `soberania` finds « soberanía »,
    # `resume` « résumé ». Each article's vector is computed again (the column dropped and added:
    # PostgreSQL 15 cannot change a generated column's expression) and its GIN index built
    # again. French and Arabic are indexed as before.
    (
        "0008_search_unaccented",
        r"""
        CREATE TEXT SEARCH CONFIGURATION english_unaccent (COPY = english);
        ALTER TEXT SEARCH CONFIGURATION english_unaccent
            ALTER MAPPING FOR hword, hword_part, word WITH unaccent, english_stem;
        CREATE TEXT SEARCH CONFIGURATION simple_unaccent (COPY = simple);
        ALTER TEXT SEARCH CONFIGURATION simple_unaccent
            ALTER MAPPING FOR hword, hword_part, word WITH unaccent, simple;
        ALTER TABLE articles DROP COLUMN search;
        ALTER TABLE articles ADD COLUMN search tsvector GENERATED ALWAYS AS (
            setweight(to_tsvector(
                CASE language WHEN 'fr' THEN 'french_unaccent'::regconfig
                    WHEN 'ar' THEN 'arabic'::regconfig
                    WHEN 'en' THEN 'english_unaccent'::regconfig
                    ELSE 'simple_unaccent'::regconfig END,
                coalesce(title, '')), 'A')
            || setweight(to_tsvector(
                CASE language WHEN 'fr' THEN 'french_unaccent'::regconfig
                    WHEN 'ar' THEN 'arabic'::regconfig
                    WHEN 'en' THEN 'english_unaccent'::regconfig
                    ELSE 'simple_unaccent'::regconfig END,
                left(text, 200000)), 'B')
        ) STORED;
        CREATE INDEX articles_search ON articles USING GIN (search);
        """,
    ),
    # The same as SQLite's 0032_stored_dates.
    ("0009_stored_dates", stored_dates),
    # Every article folded as SQLite's index folds it, whatever its language: Latin words of an
    # Arabic article without their accents (`arabic_unaccent`: « securite » finds « sécurité »
    # quoted in Arabic, as French, English and the rest already were), and the Arabic marks of
    # UNINDEXED_MARKS taken out of every article's title and text before it is parsed
    # (regexp_replace(), as SQLite's index content is unmarked_sql's; translate() took 5 times
    # as long as reading the text): `arabic`'s stemmer dropped them from Arabic articles only,
    # and `simple` or `french` kept them inside the word, so « الرقمية » missed « الرَّقْمِيَّة »
    # quoted in a French article. Each article's vector is
    # computed again and its GIN index built again, the articles table locked meanwhile
    # (docs/storage.md, "Migrations and who applies them"). The new column is analysed: a column
    # added has no statistics until autovacuum analyses the table, after enough rows change,
    # and the planner guessed meanwhile (a newest-first search of a frequent word took 2-3
    # times as long until ANALYZE).
    (
        "0010_search_folded",
        r"""
        CREATE TEXT SEARCH CONFIGURATION arabic_unaccent (COPY = arabic);
        ALTER TEXT SEARCH CONFIGURATION arabic_unaccent
            ALTER MAPPING FOR hword, hword_part, word WITH unaccent, arabic_stem;
        ALTER TABLE articles DROP COLUMN search;
        ALTER TABLE articles ADD COLUMN search tsvector GENERATED ALWAYS AS (
            setweight(to_tsvector(
                CASE language WHEN 'fr' THEN 'french_unaccent'::regconfig
                    WHEN 'ar' THEN 'arabic_unaccent'::regconfig
                    WHEN 'en' THEN 'english_unaccent'::regconfig
                    ELSE 'simple_unaccent'::regconfig END,
                regexp_replace(coalesce(title, ''),
                    U&'[\064B\064C\064D\064E\064F\0650\0651\0652\0653\0654\0655\0670\0640]', '', 'g')),
                'A')
            || setweight(to_tsvector(
                CASE language WHEN 'fr' THEN 'french_unaccent'::regconfig
                    WHEN 'ar' THEN 'arabic_unaccent'::regconfig
                    WHEN 'en' THEN 'english_unaccent'::regconfig
                    ELSE 'simple_unaccent'::regconfig END,
                regexp_replace(left(text, 200000),
                    U&'[\064B\064C\064D\064E\064F\0650\0651\0652\0653\0654\0655\0670\0640]', '', 'g')),
                'B')
        ) STORED;
        CREATE INDEX articles_search ON articles USING GIN (search);
        ANALYZE articles;
        """,
    ),
    # An article's configuration is chosen by its language's primary subtag (PRIMARY_SUBTAG):
    # `veille import` stores a language with its region as given (« fr-MA », « en-GB »), and
    # such an article was indexed with `simple`, so « ministres » did not find « ministre » in
    # it as it does in a « fr » one. Only those articles' vectors change: the column keeps every
    # vector 0010_search_folded computed (DROP EXPRESSION: a stored generated column becomes a
    # plain one, its values kept, the table not rewritten), a trigger computes it from then on
    # as the generated column did, on every insert and every change of a title, text or
    # language, and the articles whose language has a region are computed again. The same
    # vectors as building the column again (tests/test_search_step.py), in seconds instead of
    # minutes at 100,000 articles (docs/storage.md, "Migrations and who applies them"). A
    # database that ran this step as it was first written (the column built again, generated
    # by this expression) gets the trigger in the next step, its vectors kept.
    ("0011_search_primary_language", search_kept_by_trigger),
    # The column of a database that ran 0011 as first written made as 0011 makes it now.
    ("0012_search_kept_by_trigger", search_kept_by_trigger_everywhere),
    # Every word indexed, as SQLite's FTS5 indexes every word (search_every_word).
    ("0013_search_every_word", search_every_word),
]

# The text search configuration of each language on PostgreSQL (as in step
# 0011_search_primary_language above), chosen by the primary subtag of the article's language
# (PRIMARY_SUBTAG: « fr-MA » is French, as crawler.core.yamlfile.primary_language says); any
# other language, or none, is searched with `simple` without accents.
SEARCH_CONFIGURATIONS: dict[str, str] = {
    "fr": "french_unaccent",
    "ar": "arabic_unaccent",
    "en": "english_unaccent",
}
FALLBACK_CONFIGURATION = "simple_unaccent"
# SQL: the primary subtag of a language `column` (« fr » of « fr-MA », NULL of NULL).
PRIMARY_SUBTAG = "split_part({column}, '-', 1)"


def unmarked_postgres(expression: str) -> str:
    """SQL: a PostgreSQL text `expression` without UNINDEXED_MARKS, as step 0010_search_folded
    indexes titles and texts (a headline of the text as indexed highlights what was found)."""
    marks = "".join(f"\\{ord(mark):04X}" for mark in UNINDEXED_MARKS)
    return f"regexp_replace({expression}, U&'[{marks}]', '', 'g')"

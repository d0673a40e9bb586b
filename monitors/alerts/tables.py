"""The tables of alerts: matches of watchlists, alerts, deliveries (the outbox).

Declared here, registered by monitors/__init__.py, applied by crawler.storage.schema."""

from __future__ import annotations

OWNER = "monitors.alerts"

# The modules of this package that hold SQL (every statement on these tables sits there).
SQL_MODULES = ("store",)

# Summary tables kept in step with their table by triggers (in STEPS and POSTGRES_STEPS), each
# with PostgreSQL's statements to turn the counting trigger off, to count once, and to turn it
# on again: `veille db copy` copies the counted table with the trigger off (crawler.storage.copy).
KEPT_BY_TRIGGERS = {
    "watchlist_counts": (
        "ALTER TABLE matches DISABLE TRIGGER matches_counted",
        "INSERT INTO watchlist_counts(watchlist, matches) SELECT watchlist, count(*) FROM matches "
        "GROUP BY watchlist",
        "ALTER TABLE matches ENABLE TRIGGER matches_counted",
    )
}

# Why each stored match raised no alert, as `veille status` worked it out before the match step
# stored it (steps 0030_matches_not_alerted and, on PostgreSQL, 0007_matches_not_alerted).
_NOT_ALERTED_BACKFILL = r"""
        UPDATE matches SET not_alerted = CASE
            WHEN EXISTS (SELECT 1 FROM articles a JOIN alerts s ON s.story_id = a.story_id
                         WHERE a.id = matches.article_id AND s.watchlist = matches.watchlist)
              OR EXISTS (SELECT 1 FROM articles a JOIN articles sa ON sa.story_id = a.story_id
                         JOIN alerts s ON s.article_id = sa.id
                         WHERE a.id = matches.article_id AND s.watchlist = matches.watchlist)
            THEN 'story-alerted' ELSE 'too-old' END
        WHERE NOT EXISTS (SELECT 1 FROM alerts al WHERE al.match_id = matches.id);
"""

# Each match's date, its article's, as the reader's watchlist pages sort them (steps
# 0033_matches_listed_when and, on PostgreSQL, 0008_matches_listed_when).
_LISTED_WHEN_BACKFILL = r"""
        UPDATE matches SET listed_when = (
            SELECT coalesce(a.published, a.fetched_at) FROM articles a
            WHERE a.id = matches.article_id);
"""

# (name, SQL): each runs once, in order, recorded in _sqlite_migrations under OWNER.
STEPS: list[tuple[str, str]] = [
    # Matches of watchlists, the alerts they raise and one delivery per channel: the outbox.
    (
        "0001_matches_alerts_deliveries",
        r"""
        CREATE TABLE IF NOT EXISTS matches (
                id INTEGER PRIMARY KEY,
                article_id INTEGER NOT NULL REFERENCES articles(id),
                watchlist TEXT NOT NULL,
                terms TEXT NOT NULL,
                snippet TEXT NOT NULL,
                matched_at TEXT NOT NULL,
                UNIQUE (article_id, watchlist)
            );
        CREATE TABLE IF NOT EXISTS alerts (
                id INTEGER PRIMARY KEY,
                match_id INTEGER NOT NULL UNIQUE REFERENCES matches(id),
                article_id INTEGER NOT NULL REFERENCES articles(id),
                watchlist TEXT NOT NULL,
                created_at TEXT NOT NULL,
                UNIQUE (article_id, watchlist)
            );
        CREATE TABLE IF NOT EXISTS deliveries (
                id INTEGER PRIMARY KEY,
                alert_id INTEGER NOT NULL REFERENCES alerts(id),
                channel TEXT NOT NULL,
                state TEXT NOT NULL DEFAULT 'pending',
                attempts INTEGER NOT NULL DEFAULT 0,
                next_attempt_at TEXT NOT NULL,
                last_error TEXT,
                sent_at TEXT,
                UNIQUE (alert_id, channel)
            );
        CREATE INDEX IF NOT EXISTS deliveries_due ON deliveries(state, next_attempt_at);
        """,
    ),
    # Why each match happened: every hit (term, field, offsets), for alerts and `rules test`.
    (
        "0002_match_hits",
        r"""
        ALTER TABLE matches ADD COLUMN hits TEXT NOT NULL DEFAULT '[]';
        """,
    ),
    # Deliveries waiting for a digest (digest schedule, flood control, quiet hours).
    (
        "0003_digests",
        r"""
        ALTER TABLE deliveries ADD COLUMN digest INTEGER NOT NULL DEFAULT 0;
        CREATE INDEX IF NOT EXISTS deliveries_recent ON deliveries(channel, state, sent_at);
        """,
    ),
    # One alert per story and watchlist; updates of an alerted story marked.
    (
        "0004_alerts_per_story",
        r"""
        ALTER TABLE alerts ADD COLUMN story_id INTEGER REFERENCES stories(id);
        ALTER TABLE alerts ADD COLUMN is_update INTEGER NOT NULL DEFAULT 0;
        CREATE UNIQUE INDEX IF NOT EXISTS alerts_story_watchlist ON alerts(story_id, watchlist);
        """,
    ),
    # A watchlist's matches from an index starting with the watchlist: its count and its rare
    # matches without reading every match (bench/reader.py).
    (
        "0018_matches_by_watchlist",
        r"""
        CREATE INDEX IF NOT EXISTS matches_watchlist ON matches(watchlist, id);
        """,
    ),
    # How many matches each watchlist has, kept by triggers on matches: the home and watchlist
    # pages read one row per watchlist instead of counting every match (11.6 ms at 100,000
    # articles, growing with them).
    (
        "0021_watchlist_counts",
        r"""
        CREATE TABLE IF NOT EXISTS watchlist_counts (
                watchlist TEXT PRIMARY KEY,
                matches INTEGER NOT NULL
            );
        DELETE FROM watchlist_counts;
        INSERT INTO watchlist_counts(watchlist, matches)
            SELECT watchlist, count(*) FROM matches GROUP BY watchlist;
        CREATE TRIGGER IF NOT EXISTS matches_counted_ai AFTER INSERT ON matches BEGIN
            INSERT INTO watchlist_counts(watchlist, matches) VALUES (new.watchlist, 1)
                ON CONFLICT (watchlist) DO UPDATE SET matches = matches + 1;
        END;
        CREATE TRIGGER IF NOT EXISTS matches_counted_ad AFTER DELETE ON matches BEGIN
            UPDATE watchlist_counts SET matches = matches - 1 WHERE watchlist = old.watchlist;
        END;
        CREATE TRIGGER IF NOT EXISTS matches_counted_au AFTER UPDATE OF watchlist ON matches BEGIN
            UPDATE watchlist_counts SET matches = matches - 1 WHERE watchlist = old.watchlist;
            INSERT INTO watchlist_counts(watchlist, matches) VALUES (new.watchlist, 1)
                ON CONFLICT (watchlist) DO UPDATE SET matches = matches + 1;
        END;
        """,
    ),
    # The week's matches that raised no alert (`veille status`) from an index on their time,
    # not a pass over every match (87 ms to 13 ms at 100,000 articles).
    (
        "0023_matches_by_time",
        r"""
        CREATE INDEX IF NOT EXISTS matches_matched ON matches(matched_at);
        """,
    ),
    # One alert per story, watchlist and language for watchlists asking one per language
    # (alert_per_language): story_language is the article's language for them, '' otherwise.
    (
        "0024_alerts_per_language",
        r"""
        ALTER TABLE alerts ADD COLUMN story_language TEXT NOT NULL DEFAULT '';
        DROP INDEX IF EXISTS alerts_story_watchlist;
        CREATE UNIQUE INDEX IF NOT EXISTS alerts_story_watchlist_language
            ON alerts(story_id, watchlist, story_language);
        """,
    ),
    # The week's matches that raised no alert (`veille status`) read from the index alone: it
    # holds each match's watchlist and article, so the matches' rows (terms, snippet, hits) are
    # not read (19.3 to 13.7 ms at 100,000 articles, bench/reader.py's week of 22,000 matches).
    (
        "0028_matches_by_time_covering",
        r"""
        DROP INDEX IF EXISTS matches_matched;
        CREATE INDEX IF NOT EXISTS matches_matched_watchlist
            ON matches(matched_at, watchlist, article_id);
        """,
    ),
    # Why a match raised no alert, stored when the match step decides it (too old, or its story
    # already alerted the watchlist): `veille status`'s week of matches not alerted reads one
    # index, not each match's article and the story's alerts (24 to 2 ms at 100,000 articles,
    # bench/reader.py). Matches stored before are given the reason the status computed for them.
    (
        "0030_matches_not_alerted",
        r"""
        ALTER TABLE matches ADD COLUMN not_alerted TEXT;
        """
        + _NOT_ALERTED_BACKFILL
        + r"""
        DROP INDEX IF EXISTS matches_matched_watchlist;
        CREATE INDEX IF NOT EXISTS matches_not_alerted
            ON matches(matched_at, not_alerted) WHERE not_alerted IS NOT NULL;
        """,
    ),
    # Each match holds the date its watchlist's page is sorted by, its article's (published, else
    # fetched_at), with an index on (watchlist, date, id): every page of a watchlist reads its
    # rows from its key on. The pages walked the articles by date: the last pages of a watchlist
    # of more than 2,000 matches, all among the newest articles, read every older article. A
    # trigger dates each match written, whatever writes it (the match step, a copy, a test or a
    # bench); the match step dates an article's matches again when it matches the article again
    # (an article re-stored with a new date: crawler.storage.store.update_article). A step of
    # crawler.storage rewriting stored dates must be followed by one here doing the same.
    (
        "0033_matches_listed_when",
        r"""
        ALTER TABLE matches ADD COLUMN listed_when TEXT;
        """
        + _LISTED_WHEN_BACKFILL
        + r"""
        CREATE INDEX IF NOT EXISTS matches_listed ON matches(watchlist, listed_when, id);
        CREATE TRIGGER IF NOT EXISTS matches_listed_ai AFTER INSERT ON matches BEGIN
            UPDATE matches SET listed_when = (
                SELECT coalesce(a.published, a.fetched_at) FROM articles a
                WHERE a.id = new.article_id)
            WHERE id = new.id;
        END;
        CREATE TRIGGER IF NOT EXISTS matches_listed_au AFTER UPDATE OF article_id ON matches BEGIN
            UPDATE matches SET listed_when = (
                SELECT coalesce(a.published, a.fetched_at) FROM articles a
                WHERE a.id = new.article_id)
            WHERE id = new.id;
        END;
        """,
    ),
]

# The same tables on PostgreSQL (crawler.storage.postgres_schema), from the final shape of STEPS.
# A delivery's lease (claimed_by, claimed_at): several delivery processes share the outbox, each
# claiming rows with FOR UPDATE SKIP LOCKED; a crashed process's claims expire.
POSTGRES_STEPS: list[tuple[str, str]] = [
    (
        "0001_final_shape",
        r"""
        CREATE TABLE matches (
                id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
                article_id BIGINT NOT NULL REFERENCES articles(id),
                watchlist TEXT NOT NULL,
                terms TEXT NOT NULL,
                snippet TEXT NOT NULL,
                matched_at TEXT NOT NULL,
                hits TEXT NOT NULL DEFAULT '[]',
                UNIQUE (article_id, watchlist)
            );
        CREATE TABLE alerts (
                id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
                match_id BIGINT NOT NULL UNIQUE REFERENCES matches(id),
                article_id BIGINT NOT NULL REFERENCES articles(id),
                watchlist TEXT NOT NULL,
                created_at TEXT NOT NULL,
                story_id BIGINT REFERENCES stories(id),
                is_update INTEGER NOT NULL DEFAULT 0,
                UNIQUE (article_id, watchlist)
            );
        CREATE UNIQUE INDEX alerts_story_watchlist ON alerts(story_id, watchlist);
        CREATE TABLE deliveries (
                id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
                alert_id BIGINT NOT NULL REFERENCES alerts(id),
                channel TEXT NOT NULL,
                state TEXT NOT NULL DEFAULT 'pending',
                attempts INTEGER NOT NULL DEFAULT 0,
                next_attempt_at TEXT NOT NULL,
                last_error TEXT,
                sent_at TEXT,
                digest INTEGER NOT NULL DEFAULT 0,
                claimed_by TEXT,
                claimed_at TEXT,
                UNIQUE (alert_id, channel)
            );
        CREATE INDEX deliveries_due ON deliveries(state, next_attempt_at);
        CREATE INDEX deliveries_recent ON deliveries(channel, state, sent_at);
        """,
    ),
    # The same index as SQLite's 0018_matches_by_watchlist.
    (
        "0002_matches_by_watchlist",
        r"""
        CREATE INDEX matches_watchlist ON matches(watchlist, id);
        """,
    ),
    # The same counts as SQLite's 0021_watchlist_counts. The matcher's transactions take one
    # advisory lock (monitors.alerts.outbox.MATCHING_LOCK), so two of them never wait on each
    # other's counter rows in opposite orders.
    (
        "0003_watchlist_counts",
        r"""
        CREATE TABLE watchlist_counts (
                watchlist TEXT PRIMARY KEY,
                matches BIGINT NOT NULL
            );
        INSERT INTO watchlist_counts(watchlist, matches)
            SELECT watchlist, count(*) FROM matches GROUP BY watchlist;
        CREATE FUNCTION watchlist_counts_kept() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP IN ('DELETE', 'UPDATE') THEN
                UPDATE watchlist_counts SET matches = matches - 1 WHERE watchlist = OLD.watchlist;
            END IF;
            IF TG_OP IN ('INSERT', 'UPDATE') THEN
                INSERT INTO watchlist_counts(watchlist, matches) VALUES (NEW.watchlist, 1)
                    ON CONFLICT (watchlist) DO UPDATE SET matches = watchlist_counts.matches + 1;
            END IF;
            RETURN NULL;
        END $$;
        CREATE TRIGGER matches_counted AFTER INSERT OR DELETE OR UPDATE OF watchlist ON matches
            FOR EACH ROW EXECUTE FUNCTION watchlist_counts_kept();
        """,
    ),
    # The same index as SQLite's 0023_matches_by_time.
    (
        "0004_matches_by_time",
        r"""
        CREATE INDEX matches_matched ON matches(matched_at);
        """,
    ),
    # The same as SQLite's 0024_alerts_per_language.
    (
        "0005_alerts_per_language",
        r"""
        ALTER TABLE alerts ADD COLUMN story_language TEXT NOT NULL DEFAULT '';
        DROP INDEX alerts_story_watchlist;
        CREATE UNIQUE INDEX alerts_story_watchlist_language
            ON alerts(story_id, watchlist, story_language);
        """,
    ),
    # The same as SQLite's 0028_matches_by_time_covering.
    (
        "0006_matches_by_time_covering",
        r"""
        DROP INDEX matches_matched;
        CREATE INDEX matches_matched_watchlist ON matches(matched_at, watchlist, article_id);
        """,
    ),
    # The same as SQLite's 0030_matches_not_alerted.
    (
        "0007_matches_not_alerted",
        r"""
        ALTER TABLE matches ADD COLUMN not_alerted TEXT;
        """
        + _NOT_ALERTED_BACKFILL
        + r"""
        DROP INDEX matches_matched_watchlist;
        CREATE INDEX matches_not_alerted
            ON matches(matched_at, not_alerted) WHERE not_alerted IS NOT NULL;
        """,
    ),
    # The same as SQLite's 0033_matches_listed_when.
    (
        "0008_matches_listed_when",
        r"""
        ALTER TABLE matches ADD COLUMN listed_when TEXT;
        """
        + _LISTED_WHEN_BACKFILL
        + r"""
        CREATE INDEX matches_listed ON matches(watchlist, listed_when, id);
        CREATE FUNCTION matches_listed_when() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            NEW.listed_when := (SELECT coalesce(a.published, a.fetched_at) FROM articles a
                                WHERE a.id = NEW.article_id);
            RETURN NEW;
        END $$;
        CREATE TRIGGER matches_listed BEFORE INSERT OR UPDATE OF article_id ON matches
            FOR EACH ROW EXECUTE FUNCTION matches_listed_when();
        """,
    ),
]

"""SQLite storage: the connection (and the migrations of crawler.storage.schema), articles stored
once, crawl runs and errors per source.

Every writer (crawl processes, the matcher, the alert sender) opens its own connection through
`open_database`, which sets WAL mode and a busy timeout so they can work side by side.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import cast

import sqlite_utils

from crawler.canonical import is_variant_url, normalize_escapes, url_key
from crawler.core.errors import DatabaseError
from crawler.core.times import parse_timestamp, utcnow
from crawler.storage.engine import Database, SQLiteDatabase, is_postgres_location
from crawler.storage.schema import apply_migrations, schema_version
from crawler.stories.fingerprint import Fingerprint, fingerprint
from crawler.stories.grouping import (
    article_hour,
    assign_story,
    check_scheme,
    index_article,
    index_terms,
)
from crawler.stories.terms import LEAD_CHARACTERS as TERMS_LEAD
from crawler.stories.terms import story_terms


def explain_database_error(path: str | Path, exc: sqlite3.Error) -> DatabaseError:
    """What a user can do about an SQLite failure on the veille database."""
    text = str(exc)
    if "not a database" in text or "malformed" in text or "corrupt" in text:
        problem, fix = (
            "is damaged or not a veille database",
            ("restore a backup, or recover it: sqlite3 BROKEN.db .recover | sqlite3 NEW.db"),
        )
    elif "readonly" in text or "read-only" in text:
        problem, fix = (
            "is read-only",
            ("veille writes to the database and to its folder (WAL files): check permissions"),
        )
    elif "disk is full" in text or "full" in text:
        problem, fix = "cannot grow: the disk is full", "free space on the disk, then retry"
    elif "unable to open" in text:
        problem, fix = (
            "cannot be opened",
            "check the path (--db, VEILLE_DB) and its folder's permissions",
        )
    elif "locked" in text:
        problem, fix = (
            "is locked by another process",
            "retry; check no other tool holds a long write",
        )
    else:
        problem, fix = "cannot be used", "check the file and the disk"
    return DatabaseError(f"database {path} {problem} ({text}); {fix}")


def check_database(db: sqlite_utils.Database, path: str | Path) -> None:
    """PRAGMA quick_check, at the start of a daemon or a cycle: a damaged file is said at
    once, not used silently until a query fails."""
    try:
        rows = [row[0] for row in db.execute("PRAGMA quick_check(5)").fetchall()]
    except sqlite3.DatabaseError as exc:
        raise explain_database_error(path, exc) from None
    if rows != ["ok"]:
        raise DatabaseError(
            f"database {path} is damaged (quick_check: {'; '.join(rows)[:300]}); restore a "
            "backup, or recover it: sqlite3 BROKEN.db .recover | sqlite3 NEW.db"
        )


def open_database(path: str | Path) -> SQLiteDatabase:
    """Open (creating and migrating if needed) the veille database at `path`, a file or a
    postgresql://… location. Raises DatabaseError (a VeilleError saying what to do) when it
    cannot be used."""
    if is_postgres_location(path):
        from crawler.storage.postgres_schema import open_postgres

        # The owners take the Database protocol; callers still typed for SQLite move to it with
        # the storage boundary (issue 24).
        return cast(SQLiteDatabase, open_postgres(str(path)))
    try:
        return _open_database(path)
    except sqlite3.DatabaseError as exc:
        raise explain_database_error(path, exc) from None
    except PermissionError as exc:
        raise DatabaseError(
            f"database {path} cannot be created or opened ({exc.strerror}); check the folder's "
            "permissions or give another --db"
        ) from None


def _open_database(path: str | Path) -> SQLiteDatabase:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(str(path), timeout=30, check_same_thread=False)
    db = SQLiteDatabase(conn)
    conn.create_function("veille_normalize_escapes", 1, normalize_escapes, deterministic=True)
    conn.execute("PRAGMA busy_timeout = 30000")
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA synchronous = NORMAL")
    conn.execute("PRAGMA cache_size = -32000")  # 32 MB of page cache: the LSH index stays hot
    # Read the file through a memory map as large as SQLite allows (2 GB): a story lookup probes
    # 42 LSH keys spread over the whole index, and pages the map does not cover are copied into
    # the small page cache one by one (at 100k articles: 0.13 ms a lookup mapped, 0.23 ms not).
    # Mapped pages count in RSS once read, but they are file pages the kernel can reclaim.
    conn.execute("PRAGMA mmap_size = 2147418112")
    if db.journal_mode != "wal":
        db.enable_wal()
    migrate(db)
    return db


BACKFILLED_KEY = "backfilled_schema"


def is_up_to_date(db: sqlite_utils.Database) -> bool:
    """Every migration applied, the back-fills done, the fingerprint scheme ours and the narrow
    FTS trigger in place: what an open checks, with three small reads and no table scan."""
    if db.execute("PRAGMA user_version").fetchone()[0] != schema_version():
        return False
    try:
        marks = dict(
            db.execute(
                "SELECT key, value FROM meta WHERE key IN (?, 'fingerprint_scheme')",
                [BACKFILLED_KEY],
            ).fetchall()
        )
    except sqlite3.OperationalError:  # no meta table yet
        return False
    if marks.get(BACKFILLED_KEY) != str(schema_version()):
        return False
    check_scheme(db.conn)  # a database built with other fingerprints is refused, at every open
    trigger = db.execute(
        "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = 'articles_au'"
    ).fetchone()
    return trigger is not None and "UPDATE OF" in trigger[0]


def migrate(db: sqlite_utils.Database) -> None:
    """Bring the schema up to date: pending migrations (each once, atomically, one process at a
    time), the back-fills of articles stored before them, full-text search. An up-to-date
    database is only checked (its version and a meta row): no migration, no table scan."""
    if is_up_to_date(db):
        return
    apply_migrations(db)  # the owners' steps (crawler.storage.schema), each once
    with db.conn:
        check_scheme(db.conn)
        _backfill_story_terms(db)
        _backfill_stories(db)
    if "articles_fts" not in db.table_names():
        with db.conn:
            db.conn.execute("BEGIN IMMEDIATE")  # one connection creates it, the others wait
            if "articles_fts" not in db.table_names():
                db.table("articles").enable_fts(
                    ["title", "text"],
                    create_triggers=True,
                    tokenize="unicode61 remove_diacritics 2",
                )
    _narrow_fts_update_trigger(db)
    with db.conn:
        db.conn.execute(
            "INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)",
            (BACKFILLED_KEY, str(schema_version())),
        )


# sqlite-utils' update trigger re-indexes an article's title and text in FTS5 on any UPDATE of its
# row: marking it matched or assigning its story re-tokenised the whole text each time.
_FTS_UPDATE_TRIGGER = """
CREATE TRIGGER "articles_au" AFTER UPDATE OF "title", "text" ON "articles" BEGIN
  INSERT INTO "articles_fts" ("articles_fts", rowid, "title", "text")
    VALUES('delete', old.rowid, old."title", old."text");
  INSERT INTO "articles_fts" (rowid, "title", "text") VALUES (new.rowid, new."title", new."text");
END
"""


def _narrow_fts_update_trigger(db: sqlite_utils.Database) -> None:
    """Re-index an article in FTS5 only when its title or text changes."""
    row = db.conn.execute(
        "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = 'articles_au'"
    ).fetchone()
    if row and "UPDATE OF" in row[0]:
        return
    with db.conn:
        db.conn.execute("BEGIN IMMEDIATE")
        row = db.conn.execute(  # again, inside the lock: another connection may have done it
            "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = 'articles_au'"
        ).fetchone()
        if row and "UPDATE OF" in row[0]:
            return
        db.conn.execute('DROP TRIGGER IF EXISTS "articles_au"')
        db.conn.execute(_FTS_UPDATE_TRIGGER)


def _backfill_stories(db: sqlite_utils.Database) -> None:
    """Articles stored before stories existed get their fingerprint and story; articles whose
    LSH keys are missing (index layout changed) get them again."""
    # Checked once per database (it reads every article): recorded in meta when done.
    checked = db.conn.execute("SELECT 1 FROM meta WHERE key = 'lsh_keys_complete'").fetchone()
    missing = (
        not checked
        and db.conn.execute(
            "SELECT id, signature, shingles FROM articles WHERE signature IS NOT NULL "
            "AND NOT EXISTS (SELECT 1 FROM lsh_keys k WHERE k.article_id = articles.id) LIMIT 1"
        ).fetchone()
    )
    if missing:
        for article_id, signature, count in db.conn.execute(
            "SELECT id, signature, shingles FROM articles WHERE signature IS NOT NULL"
        ).fetchall():
            index_article(
                db.conn, article_id, Fingerprint.from_bytes(signature, count), replace=True
            )
    if not checked:
        db.conn.execute("INSERT OR IGNORE INTO meta(key, value) VALUES ('lsh_keys_complete', '1')")
    rows = db.conn.execute(
        "SELECT id, title, text, source, coalesce(published, fetched_at) FROM articles "
        "WHERE story_id IS NULL ORDER BY id"
    ).fetchall()
    for article_id, title, text, source, when in rows:
        assign_story(
            db.conn,
            article_id,
            fingerprint(text),
            title,
            utcnow(),
            source=source,
            text=text,
            when=when,
        )


def _backfill_story_terms(db: sqlite_utils.Database) -> None:
    """Articles stored before migration 12 get their hour and title-and-lead terms."""
    rows = db.conn.execute(
        f"SELECT id, title, substr(text, 1, {TERMS_LEAD}), published, fetched_at "
        "FROM articles WHERE story_hour IS NULL AND story_id IS NOT NULL"
    ).fetchall()
    for article_id, title, lead, published, fetched in rows:
        hour = article_hour(published, fetched)
        if hour is not None:
            index_terms(db.conn, article_id, story_terms(title, lead), hour)


@dataclass
class StoredArticle:
    """What the crawler hands to storage after extraction."""

    source: str
    url: str
    title: str | None
    author: str | None
    published: str | None
    language: str | None
    sitename: str | None
    description: str | None
    text: str
    content_hash: str
    seen_urls: tuple[str, ...] = ()
    fingerprint: Fingerprint | None = None
    published_origin: str | None = None  # crawler.extraction.dates: page markup, feed, page byline…
    original_source: str | None = None
    original_url: str | None = None


def register_sources(db: sqlite_utils.Database, sources: Iterable) -> None:
    """Make sure every configured source has a row (articles reference it)."""
    with db.conn:
        for s in sources:
            db.conn.execute(
                "INSERT INTO sources(name, title, homepage, languages) VALUES (?,?,?,?) "
                "ON CONFLICT(name) DO UPDATE SET title=excluded.title, "
                "homepage=excluded.homepage, languages=excluded.languages",
                (s.name, s.title, s.homepage, json.dumps(list(s.languages))),
            )


def is_known_url(db: sqlite_utils.Database, url: str) -> bool:
    """True when this URL (or a variant of it) already led to a stored article."""
    row = db.execute("SELECT 1 FROM article_urls WHERE url_key = ?", [url_key(url)]).fetchone()
    return row is not None


def stored_article(db: sqlite_utils.Database, url: str) -> tuple[int, str, str] | None:
    """(id, content hash, fetched_at) of the article this URL leads to, if stored."""
    return db.execute(
        "SELECT a.id, a.content_hash, a.fetched_at FROM article_urls u "
        "JOIN articles a ON a.id = u.article_id WHERE u.url_key = ?",
        [url_key(url)],
    ).fetchone()


def is_outdated(db: sqlite_utils.Database, url: str, modified: str | None) -> bool:
    """True when a feed or sitemap says a stored article changed after we fetched it."""
    if not modified:
        return False
    row = stored_article(db, url)
    if row is None:
        return False
    changed, fetched = parse_timestamp(modified), parse_timestamp(row[2])
    return changed is not None and fetched is not None and changed > fetched


def update_article(db: sqlite_utils.Database, article_id: int, article: StoredArticle) -> int:
    """Keep one article per URL with its history: the previous text becomes a revision, the
    article gets the new text and is matched again (a newly matching watchlist alerts once,
    as an update). Returns the new revision number."""
    fp = article.fingerprint or fingerprint(article.text)
    now = utcnow()
    with db.conn:
        db.conn.execute("BEGIN IMMEDIATE")
        revision, title, text, digest, fetched = db.conn.execute(
            "SELECT revision, title, text, content_hash, fetched_at FROM articles WHERE id = ?",
            (article_id,),
        ).fetchone()
        db.conn.execute(
            "INSERT OR IGNORE INTO article_revisions(article_id, revision, title, text, content_hash, "
            "fetched_at) VALUES (?,?,?,?,?,?)",
            (article_id, revision, title, text, digest, fetched),
        )
        db.conn.execute(
            "UPDATE articles SET title=?, author=?, published=coalesce(?, published), "
            "published_origin=CASE WHEN ? IS NULL THEN published_origin ELSE ? END, text=?, "
            "content_hash=?, fetched_at=?, matched_at=NULL, revision=?, signature=?, shingles=? "
            "WHERE id=?",
            (
                article.title,
                article.author,
                article.published,
                article.published,
                article.published_origin,
                article.text,
                article.content_hash,
                now,
                revision + 1,
                fp.to_bytes(),
                fp.shingles,
                article_id,
            ),
        )
        index_article(db.conn, article_id, fp)
        published, fetched = db.conn.execute(
            "SELECT published, fetched_at FROM articles WHERE id = ?", (article_id,)
        ).fetchone()
        hour = article_hour(published, fetched)
        if hour is not None:
            index_terms(db.conn, article_id, story_terms(article.title, article.text), hour)
    return revision + 1


def article_with_text(db: sqlite_utils.Database, digest: str) -> int | None:
    row = db.execute("SELECT id FROM articles WHERE content_hash = ?", [digest]).fetchone()
    return row[0] if row else None


def find_duplicate(
    conn: sqlite3.Connection, url: str, digest: str, seen_urls: Iterable[str] = ()
) -> int | None:
    """The id of an already stored article with this canonical URL, else with this exact body,
    else reached by one of `seen_urls`."""
    own_key = url_key(url)
    others = {url_key(u) for u in seen_urls} - {own_key}
    sql = (
        "SELECT article_id, 0 FROM article_urls WHERE url_key = ? "
        "UNION ALL SELECT id, 1 FROM articles WHERE content_hash = ? "
    )
    if others:
        sql += f"UNION ALL SELECT article_id, 2 FROM article_urls WHERE url_key IN ({','.join('?' * len(others))}) "
    row = conn.execute(sql + "ORDER BY 2 LIMIT 1", [own_key, digest, *others]).fetchone()
    return row[0] if row else None


def prefer_url(conn: sqlite3.Connection, article_id: int, url: str) -> bool:
    """Give an article the address `url` when it is stored under a print or AMP variant and
    `url` is not one (the slug page met after its print version): alerts and exports then link
    the page a reader expects. The old address still leads to the article."""
    row = conn.execute("SELECT url FROM articles WHERE id = ?", (article_id,)).fetchone()
    if row is None or not is_variant_url(row[0]) or is_variant_url(url):
        return False
    cursor = conn.execute(
        "UPDATE OR IGNORE articles SET url = ?, url_key = ? WHERE id = ?",
        (url, url_key(url), article_id),
    )
    conn.execute(
        "INSERT OR IGNORE INTO article_urls(url_key, article_id) VALUES (?, ?)",
        (url_key(row[0]), article_id),
    )
    return cursor.rowcount == 1


def remember_urls(db: sqlite_utils.Database, article_id: int, urls: Iterable[str]) -> None:
    """Record more URLs that lead to an already stored article, so they are never fetched again
    (and move the article off a print or AMP address if one of them is the real page)."""
    urls = list(urls)
    with db.conn:
        for url in urls:
            prefer_url(db.conn, article_id, url)
        db.conn.executemany(
            "INSERT OR IGNORE INTO article_urls(url_key, article_id) VALUES (?, ?)",
            [(url_key(u), article_id) for u in set(urls)],
        )


def store_article(db: sqlite_utils.Database, article: StoredArticle) -> tuple[int, bool]:
    """Store an article once. Returns (article id, True if it is new)."""
    return store_articles(db, [article])[0]


def store_articles(
    db: sqlite_utils.Database, articles: list[StoredArticle], matched_at: str | None = None
) -> list[tuple[int, bool]]:
    """Store a batch of articles, each once, in one transaction: all of them or none.

    Returns (article id, True if new) per article, in order. The canonical URL, every URL an
    article was reached by and its body hash are checked inside the transaction, so two feeds, a
    sitemap, a re-crawl and two copies within the same batch all land on the same row. One commit
    per batch rather than per article: each article touches some fifty pages (its LSH keys are
    spread over the index), and the commit is what writes them. With `matched_at`, the new
    articles are stored as already matched then (an import that must not alert), in the same
    transaction: no moment exists when they could be matched.
    """
    results: list[tuple[int, bool]] = []
    with db.conn:
        db.conn.execute("BEGIN IMMEDIATE")
        for article in articles:
            results.append(_store_one(db.conn, article))
        if matched_at is not None:
            db.conn.executemany(
                "UPDATE articles SET matched_at = ? WHERE id = ?",
                [(matched_at, article_id) for article_id, is_new in results if is_new],
            )
    return results


def _store_one(conn: sqlite3.Connection, article: StoredArticle) -> tuple[int, bool]:
    own_key = url_key(article.url)
    keys = {own_key, *(url_key(u) for u in article.seen_urls)}
    duplicate = find_duplicate(conn, article.url, article.content_hash, article.seen_urls)
    is_new = duplicate is None
    if duplicate is not None:
        existing = duplicate
        prefer_url(conn, existing, article.url)
    else:
        now = utcnow()
        existing = inserted_id(
            conn.execute(
                "INSERT INTO articles(source, url, url_key, title, author, published, language, "
                "sitename, description, text, content_hash, fetched_at, published_origin, "
                "original_source, original_url) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (
                    article.source,
                    article.url,
                    own_key,
                    article.title,
                    article.author,
                    article.published,
                    article.language,
                    article.sitename,
                    article.description,
                    article.text,
                    article.content_hash,
                    now,
                    article.published_origin,
                    article.original_source,
                    article.original_url,
                ),
            )
        )
        fp = article.fingerprint or fingerprint(article.text)
        assign_story(
            conn,
            existing,
            fp,
            article.title,
            now,
            source=article.source,
            text=article.text,
            when=article.published or now,
        )
    conn.executemany(
        "INSERT OR IGNORE INTO article_urls(url_key, article_id) VALUES (?, ?)",
        [(k, existing) for k in keys],
    )
    return existing, is_new


def start_run(db: sqlite_utils.Database, source_names: list[str]) -> int:
    with db.conn:
        cursor = db.conn.execute(
            "INSERT INTO crawl_runs(started_at, sources) VALUES (?, ?)",
            (utcnow(), json.dumps(source_names)),
        )
    return inserted_id(cursor)


def close_interrupted_runs(db: sqlite_utils.Database) -> int:
    """Runs still 'running' when no crawl can be running (a daemon or `run --once` starting,
    holding the one-runner lock) were killed with their process: mark them 'interrupted'."""
    with db.conn:
        cursor = db.conn.execute(
            "UPDATE crawl_runs SET status='interrupted', finished_at=? WHERE finished_at IS NULL",
            (utcnow(),),
        )
    return cursor.rowcount


def inserted_id(cursor: sqlite3.Cursor) -> int:
    """The rowid of the row an INSERT just wrote."""
    if cursor.lastrowid is None:
        raise DatabaseError("an INSERT returned no rowid")
    return cursor.lastrowid


def finish_run(
    db: sqlite_utils.Database, run_id: int, status: str, new_articles: int, errors: int, stats: dict
) -> None:
    with db.conn:
        db.conn.execute(
            "UPDATE crawl_runs SET finished_at=?, status=?, new_articles=?, errors=?, stats=? "
            "WHERE id=?",
            (utcnow(), status, new_articles, errors, json.dumps(stats, default=str), run_id),
        )


def record_error(
    db: sqlite_utils.Database,
    run_id: int | None,
    source: str,
    url: str | None,
    kind: str,
    message: str,
) -> None:
    """Record a fault against its source: the source's last error and count, plus a history row."""
    now = utcnow()
    message = message[:2000]
    with db.conn:
        db.conn.execute(
            "INSERT INTO crawl_errors(run_id, source, url, kind, message, at) VALUES (?,?,?,?,?,?)",
            (run_id, source, url, kind, message, now),
        )
        db.conn.execute(
            "UPDATE sources SET last_error=?, last_error_at=?, error_count=error_count+1 "
            "WHERE name=?",
            (f"{kind}: {message}" + (f" ({url})" if url else ""), now, source),
        )


def record_crawl(db: sqlite_utils.Database, source: str, succeeded: bool) -> None:
    """Stamp a source as crawled; a crawl that reached at least one entry point is a success."""
    now = utcnow()
    with db.conn:
        if succeeded:
            db.conn.execute(
                "UPDATE sources SET last_crawl_at=?, last_success_at=? WHERE name=?",
                (now, now, source),
            )
        else:
            db.conn.execute("UPDATE sources SET last_crawl_at=? WHERE name=?", (now, source))


# A crawl with fewer article links than this share of the source's usual count is a warning.
DARK_SHARE = 0.2


def record_link_counts(
    db: sqlite_utils.Database, source: str, candidates: int, skipped: dict[str, int]
) -> str | None:
    """Update the source's usual count of article links from a crawl whose entry points answered
    with content, and set or clear its warning. Returns the warning, if any.

    A source that quietly went dark (its pages changed, its links moved to another host, its
    article_pattern no longer matches) looks healthy otherwise: every fetch succeeds."""
    average, crawls = db.execute(
        "SELECT links_average, link_crawls FROM sources WHERE name = ?", [source]
    ).fetchone()
    dropped = sum(skipped.values())
    warning = None
    if candidates == 0 and dropped:
        reasons = ", ".join(f"{count} {reason}" for reason, count in sorted(skipped.items()))
        warning = (
            f"{dropped} links found, none taken as articles ({reasons}); "
            "check article_pattern, or add the site's other hosts to aliases"
        )
    elif average is not None and crawls >= 3 and average >= 5 and candidates < DARK_SHARE * average:
        warning = (
            f"only {candidates} article links in this crawl, usually about {average:.0f}: "
            "has the site changed its pages or feeds?"
        )
    with db.conn:
        if warning is None:  # a dark crawl does not lower the usual count
            average = candidates if average is None else 0.7 * average + 0.3 * candidates
            db.conn.execute(
                "UPDATE sources SET links_average = ?, link_crawls = link_crawls + 1, "
                "warning = NULL, warning_at = NULL WHERE name = ?",
                (average, source),
            )
        else:
            db.conn.execute(
                "UPDATE sources SET warning = ?, warning_at = ? WHERE name = ?",
                (warning, utcnow(), source),
            )
    return warning


def entry_validators(db: sqlite_utils.Database, url: str) -> dict[str, str]:
    """Conditional request headers for an entry point we fetched before (ETag, Last-Modified)."""
    row = db.execute("SELECT etag, last_modified FROM entry_state WHERE url = ?", [url]).fetchone()
    headers = {}
    if row and row[0]:
        headers["If-None-Match"] = row[0]
    if row and row[1]:
        headers["If-Modified-Since"] = row[1]
    return headers


def save_entry_state(
    db: sqlite_utils.Database, url: str, status: int, etag: str | None, last_modified: str | None
) -> None:
    with db.conn:
        if status == 304:
            db.conn.execute(
                "UPDATE entry_state SET last_status = 304, checked_at = ? WHERE url = ?",
                (utcnow(), url),
            )
        else:
            db.conn.execute(
                "INSERT INTO entry_state(url, etag, last_modified, last_status, checked_at) VALUES (?,?,?,?,?) "
                "ON CONFLICT(url) DO UPDATE SET etag=excluded.etag, last_modified=excluded.last_modified, "
                "last_status=excluded.last_status, checked_at=excluded.checked_at",
                (url, etag, last_modified, status, utcnow()),
            )


def save_entry_children(db: sqlite_utils.Database, url: str, children: list[str]) -> None:
    with db.conn:
        db.conn.execute(
            "UPDATE entry_state SET children = ? WHERE url = ?", (json.dumps(children), url)
        )


def entry_children(db: sqlite_utils.Database, url: str) -> list[str]:
    row = db.execute("SELECT children FROM entry_state WHERE url = ?", [url]).fetchone()
    return json.loads(row[0]) if row else []


# -- The match queue: articles not matched yet (matched_at IS NULL), taken by monitors.alerts ----


@dataclass(frozen=True)
class UnmatchedArticle:
    """An article waiting for the matcher, with what matching needs."""

    id: int
    title: str | None
    text: str
    language: str | None
    source: str
    published: str | None
    url: str


def unmatched_articles(db: Database, after_id: int, limit: int) -> list[UnmatchedArticle]:
    """The next `limit` articles not matched yet, in id order from `after_id` (exclusive)."""
    rows = db.execute(
        "SELECT id, title, text, language, source, published, url FROM articles "
        "WHERE matched_at IS NULL AND id > :after ORDER BY id LIMIT :limit",
        {"after": after_id, "limit": limit},
    ).fetchall()
    return [UnmatchedArticle(*row) for row in rows]


def mark_matched(db: Database, article_id: int, at: str) -> None:
    """Take an article off the match queue; called inside the transaction that records its
    matches, so that both happen or neither."""
    db.execute("UPDATE articles SET matched_at = :at WHERE id = :id", {"at": at, "id": article_id})


# -- Each source's pace (columns added by monitors.service, decided by monitors.service.pacing) --


def save_source_pace(
    db: Database, source: str, failures: int, quiet_cycles: int, next_due_at: str, pace: str
) -> None:
    """Record a source's next crawl and why (a statement of its own, committed at once)."""
    with db.transaction():
        db.execute(
            "UPDATE sources SET consecutive_failures = :failures, quiet_cycles = :quiet, "
            "next_due_at = :due, pace = :pace WHERE name = :name",
            {
                "failures": failures,
                "quiet": quiet_cycles,
                "due": next_due_at,
                "pace": pace,
                "name": source,
            },
        )

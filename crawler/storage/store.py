"""The storage of crawler.storage's tables: the connection (and the migrations of
crawler.storage.schema), articles stored once, the match queue, crawl runs and errors per source,
entry points' validators.

Every writer (crawl processes, the matcher, the alert sender) opens its own connection through
`open_database`, which sets WAL mode and a busy timeout so they can work side by side. Everything
else in veille calls the typed functions here (records in, records out) instead of writing SQL on
these tables (docs/storage.md).
"""

from __future__ import annotations

import json
import os
import sqlite3
import weakref
from collections.abc import Iterable, Sequence
from dataclasses import InitVar, dataclass
from datetime import timedelta
from pathlib import Path
from types import ModuleType
from typing import NamedTuple
from urllib.parse import quote

from crawler.core.canonical import is_variant_url, normalize_escapes, url_key
from crawler.core.errors import DatabaseError
from crawler.core.owners import alive_here, this_process
from crawler.core.times import iso, parse_timestamp, stored_date, utcnow
from crawler.storage import engine, schema
from crawler.storage.engine import (
    Cursor,
    Database,
    SQLiteDatabase,
    database_errors,
    is_busy,
    is_postgres_location,
    locked_error,
    switch_to_wal,
)
from crawler.storage.schema import apply_migrations
from crawler.stories.fingerprint import Fingerprint, fingerprint
from crawler.stories.grouping import (
    article_hour,
    assign_story,
    check_scheme,
    index_terms,
    refingerprint,
)
from crawler.stories.store import batch_window, keep_revision, leave_window, resume_window
from crawler.stories.terms import story_terms
from crawler.stories.window_setting import DEFAULT_WINDOW_HOURS


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
    elif "unable to open" in text and Path(path).is_file() and not _writable(Path(path)):
        # a read-only mount: SQLite opens the file but cannot make its WAL index beside it,
        # and its words sent people to check a path and permissions that were right
        problem, fix = (
            "cannot be written here (a read-only file system, or a file or folder of another user)",
            "veille writes to the database and to its folder (WAL files): mount it read-write "
            "or run veille as the user who owns them; `veille status`, `search` and `export` "
            "can read it as it is",
        )
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


def explain_error(location: str | Path, exc: BaseException) -> DatabaseError:
    """What a user can do about a database failure on either engine (an sqlite3 or a psycopg
    error), the PostgreSQL password never shown."""
    if isinstance(exc, sqlite3.Error):
        return explain_database_error(location, exc)
    from crawler.storage.postgres_schema import explain_postgres_error

    return explain_postgres_error(str(location), exc)


def database_location(db: Database) -> str:
    """Where the database is, for messages: its file on SQLite, its location (password masked)
    on PostgreSQL."""
    if isinstance(db, SQLiteDatabase):
        try:
            return str(db.execute("PRAGMA database_list").fetchone()[2])
        except sqlite3.Error:
            return "the database"
    return str(getattr(db, "location", "the database"))


def check_database(db: Database, path: str | Path) -> None:
    """PRAGMA quick_check, at the start of a daemon or a cycle: a damaged file is said at
    once, not used silently until a query fails. PostgreSQL checks its own pages; there the
    server is only asked to answer."""
    if db.engine == "postgresql":
        from crawler.storage.postgres_schema import explain_postgres_error

        try:
            db.execute("SELECT 1").fetchone()
        except database_errors() as exc:
            raise explain_postgres_error(str(path), exc) from None
        return
    try:
        rows = [row[0] for row in db.execute("PRAGMA quick_check(5)").fetchall()]
    except sqlite3.DatabaseError as exc:
        raise explain_database_error(path, exc) from None
    if rows != ["ok"]:
        raise DatabaseError(
            f"database {path} is damaged (quick_check: {'; '.join(rows)[:300]}); restore a "
            "backup, or recover it: sqlite3 BROKEN.db .recover | sqlite3 NEW.db"
        )


def open_database(
    path: str | Path, owners: Sequence[ModuleType] | None = None, *, create: bool = True
) -> Database:
    """Open (creating and migrating if needed) the veille database at `path`, with the tables of
    `owners` (default: every owner known to this process, crawler.storage.schema.owners()).
    `path` is a file or a postgresql://… location. Raises DatabaseError (a VeilleError saying
    what to do) when it cannot be used. Without `create`, a SQLite file that is not there is
    such an error: a running daemon's database moved away or deleted is not made again empty."""
    modules = schema.owners() if owners is None else tuple(owners)
    if is_postgres_location(path):
        from crawler.storage.postgres_schema import open_postgres

        return open_postgres(str(path), modules)
    if Path(path).is_dir():
        raise DatabaseError(
            f"database {path} is a folder: give a file (--db, VEILLE_DB), e.g. "
            f"{Path(path) / 'veille.db'}"
        )
    if not create and not Path(path).is_file():
        raise DatabaseError(
            f"database {path} is gone (moved or deleted while veille runs): put it back, or "
            "stop veille and start it again to begin a new one"
        )
    try:
        return _open_database(path, modules)
    except sqlite3.DatabaseError as exc:
        if is_busy(exc):  # another process kept a write for the whole busy timeout
            raise locked_error(path, exc, engine.BUSY_TIMEOUT_SECONDS) from None
        raise explain_database_error(path, exc) from None
    except PermissionError as exc:
        raise DatabaseError(
            f"database {path} cannot be created or opened ({exc.strerror}); check the folder's "
            "permissions or give another --db"
        ) from None
    except (FileExistsError, NotADirectoryError) as exc:  # its folder's name is a file's
        raise DatabaseError(
            f"database {path}: its folder cannot be made ({exc.strerror}: {exc.filename}), a "
            "file has its name or a name on its way; give another --db"
        ) from None


def open_database_to_read(path: str | Path) -> Database:
    """The database for a command that only reads it (`veille status`, `veille search`): as
    `open_database` opens it, or, when this user cannot write the SQLite file or its folder (a
    read-only mount, a daemon's database owned by another user), a read-only connection (no WAL
    switch, no migration) to a file an up-to-date veille already migrated: such a reader was
    refused as if it had to write ('attempt to write a readonly database')."""
    if is_postgres_location(path) or _writable(Path(path)):
        return open_database(path)
    modules = schema.owners()
    timeout = engine.BUSY_TIMEOUT_SECONDS
    # Without a WAL file (no writer since the last clean close), SQLite cannot read the file
    # read-only where it may not create its WAL index ('attempt to write a readonly
    # database'), and the file holds everything: read it as immutable. With one, a writer may
    # be at work: read it as an ordinary reader (its WAL index exists then).
    wal = Path(f"{path}-wal")
    mode = "mode=ro" if wal.is_file() and wal.stat().st_size else "immutable=1"
    signature = _file_signature(Path(path))
    try:  # the path quoted: a '#', '?' or '%' in it is the file's, not the URI's
        conn = sqlite3.connect(
            f"file:{quote(str(path))}?{mode}", uri=True, timeout=timeout, check_same_thread=False
        )
    except sqlite3.DatabaseError as exc:
        raise explain_database_error(path, exc) from None
    db = SQLiteDatabase(conn)
    try:
        conn.create_function("veille_normalize_escapes", 1, normalize_escapes, deterministic=True)
        schema.refuse_newer(db, modules)
        up_to_date = is_up_to_date(db, modules)
    except BaseException as exc:
        db.close()
        if isinstance(exc, sqlite3.DatabaseError):
            raise explain_database_error(path, exc) from None
        raise
    if not up_to_date:
        db.close()
        raise DatabaseError(
            f"database {path} is read-only for this user and an older veille made it: its "
            "tables must be brought up to date once by a user who can write it (any veille "
            "command run as that user, e.g. the daemon), then it can be read here"
        )
    if mode == "immutable=1":
        _READ_AS_IMMUTABLE[db] = (Path(path), signature)
    return db


# The databases read as immutable, with the file as it was when opened (see check_not_written).
_READ_AS_IMMUTABLE: weakref.WeakKeyDictionary[Database, tuple[Path, tuple[int, ...] | None]] = (
    weakref.WeakKeyDictionary()
)


def _file_signature(path: Path) -> tuple[int, ...] | None:
    try:
        info = path.stat()
    except OSError:
        return None
    return (info.st_ino, info.st_size, info.st_mtime_ns)


def check_not_written(db: Database) -> None:
    """Raise a DatabaseError when `db`, read as immutable by open_database_to_read (this user
    may not make SQLite's WAL index beside it, and none was there), was written since it was
    opened: SQLite then reads its pages as they come, some from before a write and some from
    after (a daemon's job that ends folds its changes into the file), and what was read may mix
    the two. A reader that can use the WAL index reads one state of the database; this one
    cannot, so it is told to read again."""
    opened = _READ_AS_IMMUTABLE.get(db)
    if opened is None:
        return
    path, signature = opened
    if _file_signature(path) != signature:
        raise DatabaseError(
            f"database {path} was written while it was read (by its owner's veille: the "
            "daemon, a crawl), and this user, who may not write its folder, reads it without "
            "SQLite's WAL index, so what was read may mix the database before and after: run "
            "the command again, or as the database's owner"
        )


def _writable(path: Path) -> bool:
    """This user may write the SQLite file and its folder (where SQLite keeps the WAL files);
    False on a read-only mount too."""
    effective = os.access in os.supports_effective_ids  # this process's user, as SQLite's
    return all(os.access(p, os.W_OK, effective_ids=effective) for p in (path, path.parent))


def _open_database(path: str | Path, owners: tuple[ModuleType, ...]) -> SQLiteDatabase:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    # The busy timeout: each statement waits that long for a lock another process holds.
    timeout = engine.BUSY_TIMEOUT_SECONDS
    conn = sqlite3.connect(str(path), timeout=timeout, check_same_thread=False)
    try:
        return _prepare(SQLiteDatabase(conn), owners, timeout)
    except BaseException:
        conn.close()
        raise


def _prepare(db: SQLiteDatabase, owners: tuple[ModuleType, ...], timeout: float) -> SQLiteDatabase:
    """The connection's settings, WAL mode and the owners' pending migrations."""
    conn = db.conn
    conn.create_function("veille_normalize_escapes", 1, normalize_escapes, deterministic=True)
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA synchronous = NORMAL")
    conn.execute("PRAGMA cache_size = -32000")  # 32 MB of page cache: the LSH index stays hot
    # Read the file through a memory map as large as SQLite allows (2 GB): a story lookup probes
    # 42 LSH keys spread over the whole index, and pages the map does not cover are copied into
    # the small page cache one by one (at 100k articles: 0.13 ms a lookup mapped, 0.23 ms not).
    # Mapped pages count in RSS once read, but they are file pages the kernel can reclaim.
    conn.execute("PRAGMA mmap_size = 2147418112")
    switch_to_wal(conn, timeout)  # waits for another process's switch (or write) to end
    migrate(db, owners)
    return db


def read_through_page_cache(db: Database) -> None:
    """Stop reading an SQLite file through the memory map `_open_database` sets up, for a
    process that reads a whole growing file once (`veille import`): every mapped page it
    touches stays in its resident set, while SQLite's page cache is bounded by cache_size.
    PostgreSQL has no such map: nothing to do there."""
    if db.engine == "sqlite":
        db.execute("PRAGMA mmap_size = 0")


# The page cache of one connection of a long-lived crawl process (SQLite's default size).
CRAWL_PAGE_CACHE_KB = 2048


def read_through_small_cache(db: Database, kb: int = CRAWL_PAGE_CACHE_KB) -> None:
    """Bound what one connection of a long-lived crawl process (a crawl worker's crawl, the
    daemon's crawl job) keeps of the file: no memory map, and a page cache of `kb` kB.

    Each connection maps the file on its own, and Linux maps the cached pages around each page
    read (fault-around), so a crawl that loaded the story window or looked up stories had most
    of the file counted in its process's resident set until it closed, once per crawl at once:
    in the daemon-memory bench, one crawl connection of a worker held 5.8 MB of a 12.4 MB file
    mapped and the worker's resident set rose with the file. The pool recycles workers by
    their resident set, and the daemon's own footprint is judged by it. Read through a small
    page cache, a connection holds at most `kb` kB whatever the file's size; the pages come
    from the kernel's cache, which all processes share. PostgreSQL has no such map: nothing to
    do there."""
    read_through_page_cache(db)
    if db.engine == "sqlite":
        db.execute(f"PRAGMA cache_size = -{int(kb)}")


# WAL pages between two checkpoints of a bulk writer (SQLite's default: 1,000 pages, 4 MB).
BULK_CHECKPOINT_PAGES = 10_000


def checkpoint_less_often(db: Database) -> None:
    """For a process that writes batch after batch (`veille import`): SQLite copies the WAL into
    the database file every BULK_CHECKPOINT_PAGES pages (40 MB) instead of every 1,000, so a page
    the batches keep rewriting (the LSH and story-term indexes, the FTS index) is copied once per
    checkpoint, not once per few batches: over 5,000 imported articles the commits took 0.27
    CPU-s instead of 0.38, the system time 0.56 s instead of 0.63. Durability is unchanged: each batch is
    committed as before, and a killed process loses no committed batch. PostgreSQL: nothing to
    do."""
    if db.engine == "sqlite":
        db.execute(f"PRAGMA wal_autocheckpoint = {BULK_CHECKPOINT_PAGES}")


def is_up_to_date(db: SQLiteDatabase, owners: Sequence[ModuleType] | None = None) -> bool:
    """Every step of the owners (default: every known owner) applied, and the fingerprint scheme
    ours: what an open checks, with two small reads and no table scan."""
    if schema.pending_steps(db, schema.owners() if owners is None else owners):
        return False
    check_scheme(db)  # a database built with other fingerprints is refused, at every open
    return True


def migrate(db: SQLiteDatabase, owners: Sequence[ModuleType] | None = None) -> None:
    """Bring the schema up to date: the owners' pending steps (each once, atomically, one
    process at a time), back-fills and full-text search included. An up-to-date database is
    only checked (its recorded steps and a meta row): no migration, no table scan. A database
    a newer veille migrated is refused (schema.refuse_newer)."""
    schema.refuse_newer(db, schema.owners() if owners is None else owners)
    if is_up_to_date(db, owners):
        return
    apply_migrations(db, owners)  # the owners' steps (crawler.storage.schema), each once
    check_scheme(db)


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
    # `published` is in veille's own spelling (an import of its export): see stored_date
    published_in_own_spelling: InitVar[bool] = False

    def __post_init__(self, published_in_own_spelling: bool) -> None:
        # every writer stores one spelling of a date: a moment in UTC, or a day (stored_date)
        self.published = stored_date(self.published, own_spelling=published_in_own_spelling)


# Writers of articles and stories take this lock (PostgreSQL: an advisory lock; SQLite's single
# writer needs nothing more), so that two processes cannot both decide that an article is new.
STORE_LOCK = "veille:store"


def returned_id(cursor: Cursor) -> int:
    """The id an `INSERT … RETURNING id` gave back (every row read, so the statement is done)."""
    rows = cursor.fetchall()
    if not rows:
        raise DatabaseError("an INSERT … RETURNING id returned no row")
    return int(rows[0][0])


def register_sources(db: Database, sources: Iterable) -> None:
    """Make sure every configured source has a row (articles reference it)."""
    with db.transaction():
        db.executemany(
            "INSERT INTO sources(name, title, homepage, languages) VALUES (?,?,?,?) "
            "ON CONFLICT(name) DO UPDATE SET title=excluded.title, "
            "homepage=excluded.homepage, languages=excluded.languages",
            [(s.name, s.title, s.homepage, json.dumps(list(s.languages))) for s in sources],
        )


def source_names(db: Database) -> set[str]:
    """The names of every source with a row."""
    return {row[0] for row in db.execute("SELECT name FROM sources")}


def add_sources(db: Database, names: Iterable[str]) -> None:
    """Give each of these sources a row titled with its name, when it has none yet."""
    with db.transaction():
        db.executemany(
            "INSERT INTO sources(name, title) VALUES (?, ?) ON CONFLICT (name) DO NOTHING",
            [(name, name) for name in names],
        )


def is_known_url(db: Database, url: str) -> bool:
    """True when this URL (or a variant of it) already led to a stored article."""
    row = db.execute("SELECT 1 FROM article_urls WHERE url_key = ?", [url_key(url)]).fetchone()
    return row is not None


def stored_article(db: Database, url: str) -> tuple[int, str, str] | None:
    """(id, content hash, fetched_at) of the article this URL leads to, if stored."""
    return db.execute(
        "SELECT a.id, a.content_hash, a.fetched_at FROM article_urls u "
        "JOIN articles a ON a.id = u.article_id WHERE u.url_key = ?",
        [url_key(url)],
    ).fetchone()


def is_outdated(db: Database, url: str, modified: str | None) -> bool:
    """True when a feed or sitemap says a stored article changed after we fetched it."""
    if not modified:
        return False
    row = stored_article(db, url)
    if row is None:
        return False
    changed, fetched = parse_timestamp(modified), parse_timestamp(row[2])
    return changed is not None and fetched is not None and changed > fetched


def update_article(db: Database, article_id: int, article: StoredArticle) -> int:
    """Keep one article per URL with its history: the previous text becomes a revision, the
    article gets the new text and is matched again (a newly matching watchlist alerts once,
    as an update). Returns the new revision number."""
    fp = article.fingerprint or fingerprint(article.text)
    now = utcnow()
    with db.transaction(lock=STORE_LOCK):
        revision = keep_revision(db, article_id)  # the current text, kept (crawler.stories)
        db.execute(
            "UPDATE articles SET title=?, author=?, published=coalesce(?, published), "
            "published_origin=CASE WHEN CAST(? AS TEXT) IS NULL THEN published_origin ELSE ? END, "
            "text=?, content_hash=?, fetched_at=?, matched_at=NULL WHERE id=?",
            (
                article.title,
                article.author,
                article.published,
                article.published,
                article.published_origin,
                article.text,
                article.content_hash,
                now,
                article_id,
            ),
        )
        published, fetched = db.execute(
            "SELECT published, fetched_at FROM articles WHERE id = ?", (article_id,)
        ).fetchone()
        hour = article_hour(published, fetched)
        refingerprint(db, article_id, fp, hour)
        if hour is not None:
            index_terms(db, article_id, story_terms(article.title, article.text), hour)
    return revision


def article_with_text(db: Database, digest: str) -> int | None:
    row = db.execute("SELECT id FROM articles WHERE content_hash = ?", [digest]).fetchone()
    return row[0] if row else None


def find_duplicate(
    db: Database, url: str, digest: str, seen_urls: Iterable[str] = ()
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
    row = db.execute(sql + "ORDER BY 2 LIMIT 1", [own_key, digest, *others]).fetchone()
    return row[0] if row else None


def prefer_url(db: Database, article_id: int, url: str) -> bool:
    """Give an article the address `url` when it is stored under a print or AMP variant and
    `url` is not one (the slug page met after its print version): alerts and exports then link
    the page a reader expects. The old address still leads to the article. Inside the caller's
    transaction."""
    row = db.execute("SELECT url FROM articles WHERE id = ?", (article_id,)).fetchone()
    if row is None or not is_variant_url(row[0]) or is_variant_url(url):
        return False
    key = url_key(url)
    cursor = db.execute(  # left alone when another article already has that address
        "UPDATE articles SET url = ?, url_key = ? WHERE id = ? "
        "AND NOT EXISTS (SELECT 1 FROM articles o WHERE o.url_key = ? AND o.id != ?)",
        (url, key, article_id, key, article_id),
    )
    db.execute(
        "INSERT INTO article_urls(url_key, article_id) VALUES (?, ?) "
        "ON CONFLICT (url_key) DO NOTHING",
        (url_key(row[0]), article_id),
    )
    return cursor.rowcount == 1


def remember_urls(db: Database, article_id: int, urls: Iterable[str]) -> None:
    """Record more URLs that lead to an already stored article, so they are never fetched again
    (and move the article off a print or AMP address if one of them is the real page)."""
    urls = list(urls)
    with db.transaction(lock=STORE_LOCK):
        for url in urls:
            prefer_url(db, article_id, url)
        db.executemany(
            "INSERT INTO article_urls(url_key, article_id) VALUES (?, ?) "
            "ON CONFLICT (url_key) DO NOTHING",
            [(url_key(u), article_id) for u in set(urls)],
        )


def store_article(
    db: Database, article: StoredArticle, *, window_hours: int = DEFAULT_WINDOW_HOURS
) -> tuple[int, bool]:
    """Store an article once. Returns (article id, True if it is new)."""
    return store_articles(db, [article], window_hours=window_hours)[0]


def store_articles(
    db: Database,
    articles: list[StoredArticle],
    matched_at: str | None = None,
    *,
    window_hours: int = DEFAULT_WINDOW_HOURS,
) -> list[tuple[int, bool]]:
    """Store a batch of articles, each once, in one transaction: all of them or none.

    Returns (article id, True if new) per article, in order. The canonical URL, every URL an
    article was reached by and its body hash are checked inside the transaction, so two feeds, a
    sitemap, a re-crawl and two copies within the same batch all land on the same row. One commit
    per batch rather than per article: each article touches some fifty pages (its LSH keys are
    spread over the index), and the commit is what writes them. With `matched_at`, the new
    articles are stored as already matched then (an import that must not alert), in the same
    transaction: no moment exists when they could be matched. A new article joins a story
    begun within `window_hours` of it (VEILLE_STORY_WINDOW_HOURS, read by the caller).
    """
    results: list[tuple[int, bool]] = []
    # A batch reads the story window once, not once per article, and keeps it for the next
    # (crawler.stories.window): the store lock keeps every other writer out until the commit.
    # Entered before the transaction, so that it is left after the commit: a window is kept
    # for the next batch only once what it holds is committed.
    with batch_window(db, len(articles)) as held, db.transaction(lock=STORE_LOCK):
        resume_window(db, held)  # under the lock: no other writer until the commit
        for article in articles:
            results.append(_store_one(db, article, window_hours, matched_at))
        # Still under the lock: after the commit another process may write before the
        # mark is taken, and its write would then pass for the batch's own state.
        leave_window(db, held)
    return results


def _store_one(
    db: Database, article: StoredArticle, window_hours: int, matched_at: str | None = None
) -> tuple[int, bool]:
    """Store one article of a batch; a new one is written already matched at `matched_at`, if
    given (its row written once, not updated for it)."""
    own_key = url_key(article.url)
    keys = {own_key, *(url_key(u) for u in article.seen_urls)}
    duplicate = find_duplicate(db, article.url, article.content_hash, article.seen_urls)
    is_new = duplicate is None
    if duplicate is not None:
        existing = duplicate
        prefer_url(db, existing, article.url)
    else:
        now = utcnow()
        existing = returned_id(
            db.execute(
                "INSERT INTO articles(source, url, url_key, title, author, published, language, "
                "sitename, description, text, content_hash, fetched_at, published_origin, "
                "original_source, original_url, matched_at) "
                "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?) RETURNING id",
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
                    matched_at,
                ),
            )
        )
        fp = article.fingerprint or fingerprint(article.text)
        assign_story(
            db,
            existing,
            fp,
            article.title,
            now,
            source=article.source,
            text=article.text,
            when=article.published or now,
            window_hours=window_hours,
            just_stored=True,
        )
    db.executemany(
        "INSERT INTO article_urls(url_key, article_id) VALUES (?, ?) "
        "ON CONFLICT (url_key) DO NOTHING",
        [(k, existing) for k in keys],
    )
    return existing, is_new


# -- crawl runs, faults and the state of sources and entry points --------------------------------


def start_run(db: Database, source_names: list[str]) -> int:
    with db.transaction():
        return returned_id(
            db.execute(
                "INSERT INTO crawl_runs(started_at, sources, started_by) VALUES (?, ?, ?) "
                "RETURNING id",
                (utcnow(), json.dumps(source_names), this_process()),
            )
        )


# No crawl run lasts this long (its time limit stops it within minutes): a run of another crawl
# machine still 'running' after it is taken for dead.
STALE_RUN_SECONDS = 24 * 3600


def close_interrupted_runs(db: Database, now: str | None = None) -> int:
    """Runs still 'running' that no process will finish (killed with it): mark them
    'interrupted'; how many.

    On SQLite one runner holds the database (a daemon or `run --once` starting, with the
    one-runner lock), so every running run is a dead one. On PostgreSQL several crawl machines
    share it: only the runs of this host whose process is gone, runs recorded without an owner
    (before runs had one), and any host's runs started over STALE_RUN_SECONDS ago."""
    moment = now or utcnow()
    with db.transaction():
        if db.engine != "postgresql":
            cursor = db.execute(
                "UPDATE crawl_runs SET status='interrupted', finished_at=? "
                "WHERE finished_at IS NULL",
                (moment,),
            )
            return cursor.rowcount
        at = parse_timestamp(moment)
        if at is None:
            raise ValueError(f"not a timestamp: {moment!r}")
        stale = iso(at - timedelta(seconds=STALE_RUN_SECONDS))
        rows = db.execute(
            "SELECT id, started_by, started_at FROM crawl_runs WHERE finished_at IS NULL "
            "FOR UPDATE SKIP LOCKED"
        ).fetchall()
        dead = [
            run_id
            for run_id, owner, started in rows
            if owner is None or not alive_here(owner) or started < stale
        ]
        for run_id in dead:
            db.execute(
                "UPDATE crawl_runs SET status='interrupted', finished_at=? WHERE id=?",
                (moment, run_id),
            )
        return len(dead)


def finish_run(
    db: Database, run_id: int, status: str, new_articles: int, errors: int, stats: dict
) -> None:
    with db.transaction():
        db.execute(
            "UPDATE crawl_runs SET finished_at=?, status=?, new_articles=?, errors=?, stats=? "
            "WHERE id=?",
            (utcnow(), status, new_articles, errors, json.dumps(stats, default=str), run_id),
        )


class RunRecord(NamedTuple):
    """A crawl run as recorded: finished_at is None while (or if) it never finished."""

    status: str
    new_articles: int
    errors: int
    stats: dict
    finished_at: str | None


def run_record(db: Database, run_id: int) -> RunRecord:
    """The crawl run `run_id` as the crawl recorded it."""
    row = db.execute(
        "SELECT status, new_articles, errors, stats, finished_at FROM crawl_runs WHERE id=?",
        [run_id],
    ).fetchone()
    if row is None:
        raise DatabaseError(f"crawl run {run_id} is not recorded in the database")
    status, new_articles, errors, stats, finished_at = row
    return RunRecord(status, new_articles, errors, json.loads(stats) if stats else {}, finished_at)


def record_error(
    db: Database,
    run_id: int | None,
    source: str,
    url: str | None,
    kind: str,
    message: str,
) -> None:
    """Record a fault against its source: the source's last error and count, plus a history row."""
    now = utcnow()
    message = message[:2000]
    with db.transaction():
        db.execute(
            "INSERT INTO crawl_errors(run_id, source, url, kind, message, at) VALUES (?,?,?,?,?,?)",
            (run_id, source, url, kind, message, now),
        )
        db.execute(
            "UPDATE sources SET last_error=?, last_error_at=?, error_count=error_count+1 "
            "WHERE name=?",
            (f"{kind}: {message}" + (f" ({url})" if url else ""), now, source),
        )


def record_crawl(db: Database, source: str, succeeded: bool) -> None:
    """Stamp a source as crawled; a crawl that reached at least one entry point is a success."""
    now = utcnow()
    with db.transaction():
        if succeeded:
            db.execute(
                "UPDATE sources SET last_crawl_at=?, last_success_at=? WHERE name=?",
                (now, now, source),
            )
        else:
            db.execute("UPDATE sources SET last_crawl_at=? WHERE name=?", (now, source))


# A crawl with fewer article links than this share of the source's usual count is a warning.
DARK_SHARE = 0.2


def record_link_counts(
    db: Database, source: str, candidates: int, skipped: dict[str, int]
) -> str | None:
    """Update the source's usual count of article links from a crawl whose entry points answered
    with content, keep the links it did not take by reason, and set or clear its warning.
    Returns the warning, if any.

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
    not_taken = json.dumps(dict(sorted(skipped.items())), ensure_ascii=False) if dropped else None
    with db.transaction():
        db.execute("UPDATE sources SET links_not_taken = ? WHERE name = ?", (not_taken, source))
        if warning is None:  # a dark crawl does not lower the usual count
            average = candidates if average is None else 0.7 * average + 0.3 * candidates
            db.execute(
                "UPDATE sources SET links_average = ?, link_crawls = link_crawls + 1, "
                "warning = NULL, warning_at = NULL WHERE name = ?",
                (average, source),
            )
        else:
            db.execute(
                "UPDATE sources SET warning = ?, warning_at = ? WHERE name = ?",
                (warning, utcnow(), source),
            )
    return warning


def entry_validators(db: Database, url: str) -> dict[str, str]:
    """Conditional request headers for an entry point we fetched before (ETag, Last-Modified)."""
    row = db.execute("SELECT etag, last_modified FROM entry_state WHERE url = ?", [url]).fetchone()
    headers = {}
    if row and row[0]:
        headers["If-None-Match"] = row[0]
    if row and row[1]:
        headers["If-Modified-Since"] = row[1]
    return headers


def save_entry_state(
    db: Database, url: str, status: int, etag: str | None, last_modified: str | None
) -> None:
    with db.transaction():
        if status == 304:
            db.execute(
                "UPDATE entry_state SET last_status = 304, checked_at = ? WHERE url = ?",
                (utcnow(), url),
            )
        else:
            db.execute(
                "INSERT INTO entry_state(url, etag, last_modified, last_status, checked_at) VALUES (?,?,?,?,?) "
                "ON CONFLICT(url) DO UPDATE SET etag=excluded.etag, last_modified=excluded.last_modified, "
                "last_status=excluded.last_status, checked_at=excluded.checked_at",
                (url, etag, last_modified, status, utcnow()),
            )


def save_entry_children(db: Database, url: str, children: list[str]) -> None:
    with db.transaction():
        db.execute("UPDATE entry_state SET children = ? WHERE url = ?", (json.dumps(children), url))


def entry_children(db: Database, url: str) -> list[str]:
    row = db.execute("SELECT children FROM entry_state WHERE url = ?", [url]).fetchone()
    return json.loads(row[0]) if row else []


# -- robots.txt kept a day per site (crawler.middlewares) ----------------------------------------


def cached_robots(db: Database, netloc: str) -> tuple[bytes, str] | None:
    """(body, fetched_at) of the site's robots.txt as last fetched, if kept."""
    row = db.execute(
        "SELECT body, fetched_at FROM robots_cache WHERE netloc = ?", [netloc]
    ).fetchone()
    return (bytes(row[0]), row[1]) if row else None


def save_robots(db: Database, netloc: str, body: bytes) -> None:
    """Keep the site's robots.txt, fetched now."""
    with db.transaction():
        db.execute(
            "INSERT INTO robots_cache(netloc, body, fetched_at) VALUES (?,?,?) "
            "ON CONFLICT(netloc) DO UPDATE SET body=excluded.body, fetched_at=excluded.fetched_at",
            (netloc, body, utcnow()),
        )


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

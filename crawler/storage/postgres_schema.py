"""PostgreSQL: opening a database, its schema, and what its failures mean to a user.

The schema is every owner's POSTGRES_STEPS (name, SQL), applied in the order of
the owners (crawler.storage.schema.owners(), or those given) (a table before the tables and views that refer to it), each step once.
A step may also be a function of the database (a back-fill, as on SQLite): it runs through the
owners' typed functions, in the step's transaction.

A step runs in a transaction with the record of it (PostgreSQL's DDL is transactional: a step
that fails leaves nothing behind), and one process migrates at a time: the others wait on an
advisory lock, then find nothing pending. They wait as long as SQLite's busy timeout
(crawler.storage.engine.BUSY_TIMEOUT_SECONDS), then stop saying so: a migrating process that
hangs does not hang every other open with it. `veille_migrations` records (owner, step, when).
An up-to-date database costs one small read at open.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC
from types import ModuleType
from typing import Any

from crawler.core.errors import DatabaseError
from crawler.core.times import utcnow
from crawler.storage import engine
from crawler.storage.engine import (
    Database,
    PostgresDatabase,
    location_fault,
    mask_location,
    mask_password,
)
from crawler.storage.schema import newer_database_error, unknown_steps
from crawler.stories.grouping import check_scheme

MIGRATIONS_TABLE = "veille_migrations"
# The advisory lock of migrations (a fixed 64-bit key: no other lock of veille's uses it).
MIGRATIONS_LOCK = 0x7665696C6C65  # "veille"
# The class (first int4 key) of the sources' locks, each held by the session of the daemon or
# `run --once` crawling that source (monitors.service.daemon): a source is crawled by one
# runner at a time, wherever the second one starts, while runners of other sources share the
# database (docs/scaling.md, "Several crawl machines").
SOURCE_LOCKS = 0x76656973  # "veis"

_CREATE_TABLE = f"""
CREATE TABLE IF NOT EXISTS {MIGRATIONS_TABLE} (
    seq BIGINT GENERATED ALWAYS AS IDENTITY,
    owner TEXT NOT NULL,
    name TEXT NOT NULL,
    applied_at TEXT NOT NULL,
    PRIMARY KEY (owner, name)
)
"""


def owner_modules() -> list[ModuleType]:
    """The `tables` modules of every owner known to this process, in the order their
    migrations apply (crawler.storage.schema.owners)."""
    from crawler.storage.schema import owners

    return list(owners())


# A step: SQL, or a function of the database (a back-fill).
Step = str | Callable[[Database], None]


def all_steps(modules: Sequence[ModuleType]) -> list[tuple[str, str, Step]]:
    """(owner, step, SQL) of every PostgreSQL step, in order."""
    return [
        (module.OWNER, name, script)
        for module in modules
        for name, script in getattr(module, "POSTGRES_STEPS", [])
    ]


def applied(conn: Any) -> list[tuple[str, str]]:
    """(owner, step) of every step the database has run, in the order it ran them."""
    exists = conn.execute("SELECT to_regclass(%s)", (MIGRATIONS_TABLE,)).fetchone()[0]
    if exists is None:
        return []
    return [
        (owner, name)
        for owner, name in conn.execute(
            f"SELECT owner, name FROM {MIGRATIONS_TABLE} ORDER BY seq"
        ).fetchall()
    ]


def pending(conn: Any, modules: Sequence[ModuleType]) -> list[tuple[str, str, Step]]:
    done = set(applied(conn))
    return [step for step in all_steps(modules) if (step[0], step[1]) not in done]


class MigrationsLocked(Exception):
    """Another process held the migrations' lock for the whole wait: `seconds`."""

    def __init__(self, seconds: float, detail: str) -> None:
        super().__init__(detail)
        self.seconds = seconds


def lock_migrations(conn: Any, seconds: float) -> None:
    """Take the migrations' advisory lock, waiting at most `seconds` for the process that holds
    it (lock_timeout, for this statement only); raises MigrationsLocked past that."""
    from psycopg import errors

    conn.execute(
        "SELECT set_config('lock_timeout', %s, false)", (f"{max(1, int(seconds * 1000))}ms",)
    )
    try:
        conn.execute("SELECT pg_advisory_lock(%s)", (MIGRATIONS_LOCK,))
    except errors.LockNotAvailable as exc:
        raise MigrationsLocked(seconds, " ".join(str(exc).split())) from None
    finally:
        conn.execute("RESET lock_timeout")


# Advisory locks are a database's own: the sessions of pg_locks holding one of this database.
_THIS_DATABASE = "l.database = (SELECT oid FROM pg_database WHERE datname = current_database())"


def source_lock_key(name: str) -> int:
    """The second int4 key of a source's lock: a digest of its name, the same in every process
    (Python's hash() is salted per process)."""
    digest = hashlib.blake2b(name.encode(), digest_size=4).digest()
    return int.from_bytes(digest, "big", signed=True)


def take_source_locks(conn: Any, who: str, names: Iterable[str]) -> dict[str, str]:
    """Hold the locks of these sources for the life of this session (an autocommit
    connection), naming it `who` (its application_name, at most 63 bytes): all of them, or
    none. Returns {} when taken; else each source held by another session, with that
    session's name as pg_stat_activity shows it ('' when hidden from this user)."""
    conn.execute("SELECT set_config('application_name', %s, false)", (who,))
    taken: list[str] = []
    held: dict[str, str] = {}
    for name in sorted(set(names)):
        key = source_lock_key(name)
        if conn.execute("SELECT pg_try_advisory_lock(%s, %s)", (SOURCE_LOCKS, key)).fetchone()[0]:
            taken.append(name)
            continue
        row = conn.execute(  # this database's holder: another's lock of the name is no bar
            "SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
            "WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 2 "
            f"AND l.classid::bigint = %s AND l.objid::bigint = %s AND {_THIS_DATABASE}",
            (SOURCE_LOCKS, key & 0xFFFFFFFF),
        ).fetchone()
        held[name] = (row[0] or "") if row else ""
    if held:
        release_source_locks(conn, taken)
    return held


def release_source_locks(conn: Any, names: Iterable[str]) -> None:
    """Let go of these sources' locks held by this session (a source left out of a reloaded
    sources file may then be crawled by another runner)."""
    for name in names:
        conn.execute("SELECT pg_advisory_unlock(%s, %s)", (SOURCE_LOCKS, source_lock_key(name)))


def held_source_locks(conn: Any) -> set[int]:
    """The keys (source_lock_key) of the sources' locks this session holds: what a runner
    checks to find its locks gone with a session the server ended."""
    rows = conn.execute(
        "SELECT objid::bigint FROM pg_locks WHERE locktype = 'advisory' AND granted "
        "AND objsubid = 2 AND classid::bigint = %s AND pid = pg_backend_pid()",
        (SOURCE_LOCKS,),
    ).fetchall()
    return {int.from_bytes(int(row[0]).to_bytes(4, "big"), "big", signed=True) for row in rows}


def source_lock_sessions(conn: Any) -> list[tuple[str, int, str]]:
    """Every source's lock held on this database, by whom: (the holding session's name, the
    source's key as source_lock_key gives it, when that session opened, ISO-8601 UTC); the name is
    '' where PostgreSQL hides it from this user. What `veille status` reads to say which
    sources each runner crawls."""
    rows = conn.execute(
        "SELECT coalesce(a.application_name, ''), l.objid::bigint, a.backend_start "
        "FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
        "WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 2 "
        f"AND l.classid::bigint = %s AND {_THIS_DATABASE}",
        (SOURCE_LOCKS,),
    ).fetchall()
    return [
        (
            str(name),
            int.from_bytes(int(key).to_bytes(4, "big"), "big", signed=True),
            started.astimezone(UTC).isoformat(timespec="seconds") if started is not None else "",
        )
        for name, key, started in rows
    ]


def keep_session_open(conn: Any) -> None:
    """No idle_session_timeout for this session (PostgreSQL 14 and later): the sources' locks
    are held by a session that waits, idle, for the runner's life, and a server ending idle
    sessions ended it and let go of every lock without a word."""
    conn.execute(
        "SELECT set_config(name, '0', false) FROM pg_settings WHERE name = 'idle_session_timeout'"
    )


def apply_postgres_migrations(conn: Any, modules: Sequence[ModuleType] | None = None) -> int:
    """Run every pending step on a psycopg connection (autocommit), one process at a time
    (waiting at most engine.BUSY_TIMEOUT_SECONDS for another process's migrations). Returns
    how many steps ran."""
    modules = owner_modules() if modules is None else modules
    if not pending(conn, modules):
        return 0
    lock_migrations(conn, engine.BUSY_TIMEOUT_SECONDS)
    try:
        conn.execute(_CREATE_TABLE)
        ran = 0
        for owner, name, script in pending(conn, modules):  # again, inside the lock
            with conn.transaction():
                if callable(script):
                    script(PostgresDatabase(conn.info.dsn, connection=conn))
                else:
                    conn.execute(script)  # no parameters: several statements in one go
                conn.execute(
                    f"INSERT INTO {MIGRATIONS_TABLE} (owner, name, applied_at) VALUES (%s, %s, %s)",
                    (owner, name, utcnow()),
                )
            ran += 1
        return ran
    finally:
        conn.execute("SELECT pg_advisory_unlock(%s)", (MIGRATIONS_LOCK,))


def explain_postgres_error(location: str, exc: BaseException) -> DatabaseError:
    """What a user can do about a PostgreSQL failure, the password never shown."""
    text = " ".join(str(exc).split())
    state = getattr(exc, "sqlstate", None) or ""
    lowered = text.lower()
    if "password authentication failed" in lowered or "no password supplied" in lowered:
        problem, fix = (
            "refused the user or password",
            "check the user and password in --db / VEILLE_DB (or ~/.pgpass)",
        )
    elif state == "3D000" or ("database" in lowered and "does not exist" in lowered):
        problem, fix = (
            "has no such database",
            "create it (createdb NAME, or CREATE DATABASE NAME) or fix the name in --db",
        )
    elif "connection" in lowered and (
        "refused" in lowered
        or "no such file" in lowered
        or "could not" in lowered
        or "failed" in lowered
        or "timeout" in lowered
        or "translate host" in lowered
    ):
        problem, fix = (
            "cannot be reached",
            "check that PostgreSQL runs and the host, port or socket folder in --db / VEILLE_DB",
        )
    elif state == "42501" or "permission denied" in lowered or "must be owner" in lowered:
        problem, fix = (
            "refused an operation to this user",
            "give the user CREATE rights on the database and its schema (GRANT CREATE ON "
            "DATABASE … / ON SCHEMA public …), or have an administrator run the migrations once",
        )
    elif "unaccent" in lowered and ("not available" in lowered or "control file" in lowered):
        problem, fix = (
            "lacks the unaccent extension",
            "install PostgreSQL's contrib package on the server (Debian: postgresql-contrib)",
        )
    elif state == "53100" or "could not extend file" in lowered or "no space" in lowered:
        problem, fix = (
            "cannot grow: the disk is full",
            "free space on the server's disk, then retry",
        )
    elif state.startswith("53") or "disk full" in lowered:
        problem, fix = "is out of resources", "free disk space or connections on the server"
    elif state == "57P01" or "terminating connection" in lowered or "server closed" in lowered:
        problem, fix = "closed the connection", "check the server's log; retry once it is back"
    else:
        problem, fix = "cannot be used", "check the server's log and the location in --db"
    masked = mask_location(location)
    return DatabaseError(
        mask_password(f"PostgreSQL database {masked} {problem} ({text[:500]}); {fix}", location)
    )


def open_postgres(location: str, modules: Sequence[ModuleType] | None = None) -> PostgresDatabase:
    """Connect to the PostgreSQL database at `location` (postgresql://…) and bring its schema
    up to date. Raises DatabaseError saying what to do when it cannot be used."""
    try:
        import psycopg
    except ImportError:
        raise DatabaseError(
            "PostgreSQL support is not installed; install it with: pip install 'veille[postgres]'"
        ) from None
    fault = location_fault(location)
    if fault:
        raise DatabaseError(
            f"PostgreSQL database {mask_location(location)} is not written as meant: {fault} "
            "in --db / VEILLE_DB"
        )
    try:
        db = PostgresDatabase(location)
    except psycopg.Error as exc:
        raise explain_postgres_error(location, exc) from None
    try:
        known: dict[str, set[str]] = {}
        for owner, name, _ in all_steps(owner_modules() if modules is None else modules):
            known.setdefault(owner, set()).add(name)
        unknown = unknown_steps(applied(db.conn), known)
        if unknown:  # a newer veille migrated it
            raise newer_database_error(mask_location(location), unknown)
        apply_postgres_migrations(db.conn, modules)
        check_scheme(db)
    except MigrationsLocked as exc:
        db.close()
        raise DatabaseError(
            mask_password(
                f"PostgreSQL database {mask_location(location)} is locked by another veille "
                f"process for {exc.seconds:g} s: it was migrating the schema all that time "
                f"({exc}); retry once it is done, or stop the process that holds it",
                location,
            )
        ) from None
    except psycopg.Error as exc:
        db.close()
        raise explain_postgres_error(location, exc) from None
    except BaseException:
        db.close()
        raise
    return db

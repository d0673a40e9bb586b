"""The database schema: declared by the packages that own the tables, applied here.

Each owner keeps its tables' migrations in a `tables.py` module (OWNER: its name; STEPS: name and
SQL, or name and a function of the database for what SQL alone cannot do, such as a back-fill);
here they become sqlite-utils `Migrations` sets, applied in the order of the owners (a table
before the tables and views that refer to it), each step once, in a transaction with the record
of it, one process at a time.

Which owners: the crawler's own (CRAWLER_OWNERS) and those registered by the layers above it at
start-up (`register_owners`: the monitors package registers its tables when it loads), so that
crawler code never names them. `owners()` is that list; `store.open_database(path)` applies it
unless given another. A crawl process, which loads only the crawler, finds the other owners'
steps already applied by the service that started it, and checks only its own.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from types import ModuleType
from typing import TYPE_CHECKING, Any, cast

from crawler.core.errors import DatabaseError
from crawler.core.times import utcnow
from crawler.storage import tables as storage_tables
from crawler.stories import tables as stories_tables

if TYPE_CHECKING:  # sqlite-utils (and numpy, which it loads) only once a database is opened:
    # the monitors package registers its owners here when `veille --help` loads it
    from sqlite_utils.migrations import Migrations

    from crawler.storage.engine import SQLiteDatabase

# A step: its name and its SQL script, or a function applying it (a back-fill, an FTS index).
Step = tuple[str, "str | Callable[[SQLiteDatabase], None]"]

# The crawler's owners, in the order their migrations apply; registered owners come after.
CRAWLER_OWNERS: tuple[ModuleType, ...] = (storage_tables, stories_tables)
_registered: list[ModuleType] = []


def register_owners(*modules: ModuleType) -> None:
    """Add owners (their `tables` modules: OWNER and STEPS) after the crawler's, in this order;
    an owner registered twice counts once."""
    for module in modules:
        if module not in CRAWLER_OWNERS and module not in _registered:
            _registered.append(module)


def owners() -> tuple[ModuleType, ...]:
    """Every owner known to this process: the crawler's, then the registered ones."""
    return (*CRAWLER_OWNERS, *_registered)


# Before migrations had owners, they were numbered 1 to 12 in one set (recorded as PRAGMA
# user_version, then for a while as set "veille", names 0001_… to 0012_…): what each became.
HISTORY: dict[int, list[tuple[str, str]]] = {
    1: [
        ("crawler.storage", "0001_sources_articles_crawl_runs"),
        ("monitors.alerts", "0001_matches_alerts_deliveries"),
    ],
    2: [("monitors.alerts", "0002_match_hits")],
    3: [("monitors.alerts", "0003_digests")],
    4: [("crawler.stories", "0004_stories"), ("monitors.alerts", "0004_alerts_per_story")],
    5: [("monitors.web", "0005_matched_articles_view")],
    6: [("crawler.stories", "0006_lsh_keys")],
    7: [("crawler.storage", "0007_entry_state")],
    8: [("crawler.storage", "0008_sitemap_children")],
    9: [("monitors.service", "0009_pacing")],
    10: [("crawler.storage", "0010_dates_and_origin")],
    11: [("crawler.storage", "0011_retries_and_link_counts")],
    12: [("crawler.stories", "0012_story_terms")],
}
_OLD_SET = "veille"
_TABLE = "_sqlite_migrations"  # sqlite-utils' Migrations.migrations_table


def sql_statements(script: str) -> list[str]:
    """The statements of an SQL script, split where SQLite says a statement is complete (a `;`
    inside a string or a trigger body does not end one)."""
    import sqlite3

    statements, current = [], ""
    for line in script.splitlines(keepends=True):
        current += line
        if sqlite3.complete_statement(current):
            if current.strip().strip(";").strip():
                statements.append(current.strip())
            current = ""
    if current.strip():
        statements.append(current.strip())
    return statements


def _sql_step(script: str) -> Callable[[SQLiteDatabase], None]:
    def step(db: SQLiteDatabase) -> None:
        for statement in sql_statements(script):
            db.conn.execute(statement)

    return step


def migration_sets(modules: Sequence[ModuleType] | None = None) -> tuple[Migrations, ...]:
    """One Migrations set per owner (default: every known owner), in their order."""
    return _migration_sets(owners() if modules is None else tuple(modules))


@functools.cache
def _migration_sets(modules: tuple[ModuleType, ...]) -> tuple[Migrations, ...]:
    from sqlite_utils.migrations import Migrations

    sets = []
    for module in modules:
        migrations = Migrations(module.OWNER)
        for name, step in module.STEPS:
            apply: Callable[[SQLiteDatabase], None] = (
                _sql_step(step) if isinstance(step, str) else step
            )
            migrations(name=name)(cast(Any, apply))  # sqlite-utils types steps loosely
        sets.append(migrations)
    return tuple(sets)


def schema_version(modules: Sequence[ModuleType] | None = None) -> int:
    """How many steps the owners (default: every known owner) have: the PRAGMA user_version of
    a database they are all applied to."""
    return sum(len(module.STEPS) for module in (owners() if modules is None else modules))


def _recorded(db: SQLiteDatabase) -> list[tuple[str, str]]:
    if _TABLE not in db.table_names():
        return []
    return [
        (row[0], row[1])
        for row in db.execute(f"SELECT migration_set, name FROM {_TABLE} ORDER BY rowid")
    ]


def _adopt_history(db: SQLiteDatabase) -> None:
    """A database migrated before migrations had owners: record the steps it ran under their
    owners' names, once (from its set "veille", or else from its PRAGMA user_version)."""
    recorded = _recorded(db)
    if any(owner != _OLD_SET for owner, _ in recorded):
        return
    numbers = sorted(int(name[:4]) for owner, name in recorded if owner == _OLD_SET)
    if not numbers:
        version = db.execute("PRAGMA user_version").fetchone()[0]
        numbers = list(range(1, min(version, max(HISTORY)) + 1))
    if not numbers:
        return
    from sqlite_utils.migrations import Migrations

    Migrations(_OLD_SET).ensure_migrations_table(db)
    now = utcnow()
    for number in numbers:
        for owner, name in HISTORY[number]:
            db.conn.execute(
                f"INSERT INTO {_TABLE} (migration_set, name, applied_at) SELECT ?, ?, ? "
                f"WHERE NOT EXISTS (SELECT 1 FROM {_TABLE} WHERE migration_set = ? AND name = ?)",
                (owner, name, now, owner, name),
            )


def pending_steps(db: SQLiteDatabase, modules: Sequence[ModuleType]) -> list[tuple[str, str]]:
    """(owner, step) of every step of these owners the database has not run: one small read."""
    done = set(_recorded(db))
    return [
        (module.OWNER, name)
        for module in modules
        for name, _ in module.STEPS
        if (module.OWNER, name) not in done
    ]


def unknown_steps(
    recorded: Sequence[tuple[str, str]], known: dict[str, set[str]]
) -> list[tuple[str, str]]:
    """(owner, step) of the steps a database ran, of owners this code knows (`known`: each
    owner's step names), that this code does not have: a newer veille migrated it (a column
    renamed, a table split), and this one would write to it as if it were its own."""
    return [(owner, name) for owner, name in recorded if name not in known.get(owner, {name})]


def newer_database_error(location: str, unknown: Sequence[tuple[str, str]]) -> DatabaseError:
    """What to do with a database a newer veille migrated."""
    owner, name = unknown[0]
    return DatabaseError(
        f"database {location} was migrated by a newer version of veille ({len(unknown)} "
        f"step(s) this version does not have, the first: {owner} {name}); run that version "
        "of veille (or a later one) on it, or give this version a database of its own (--db)"
    )


def refuse_newer(db: SQLiteDatabase, modules: Sequence[ModuleType]) -> None:
    """Raise newer_database_error when the database ran steps of these owners this code does
    not have; one small read."""
    known = {module.OWNER: {name for name, _ in module.STEPS} for module in modules}
    unknown = unknown_steps(_recorded(db), known)
    if unknown:
        location = db.execute("PRAGMA database_list").fetchone()[2]
        raise newer_database_error(location, unknown)


def apply_migrations(db: SQLiteDatabase, modules: Sequence[ModuleType] | None = None) -> None:
    """Run every pending step of the owners (default: every known owner), one process at a time
    (the others wait on the lock, then find nothing pending), and stamp the version: how many
    steps the database has run."""
    with db.transaction():
        _adopt_history(db)
        for migrations in migration_sets(modules):
            migrations.apply(db)
        db.conn.execute(f"PRAGMA user_version = {len(applied(db))}")


def historic_script(number: int) -> str:
    """The SQL of what was migration `number` before migrations had owners (its steps, joined):
    how older databases were built, for tests of their upgrade (every owner known must be
    registered)."""
    scripts: dict[tuple[str, str], str] = {}
    for module in owners():
        scripts |= {
            (module.OWNER, name): step for name, step in module.STEPS if isinstance(step, str)
        }
    return "\n".join(scripts[step] for step in HISTORY[number])


def applied(db: SQLiteDatabase) -> list[tuple[str, str]]:
    """(owner, step) of every step the database has run, in the order it ran them."""
    return [(owner, name) for owner, name in _recorded(db) if owner != _OLD_SET]

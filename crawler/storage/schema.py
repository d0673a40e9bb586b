"""The database schema: declared by the packages that own the tables, applied here.

Each owner (OWNERS) keeps its tables' migrations in a `tables.py` (STEPS: name and SQL); here
they become sqlite-utils `Migrations` sets, applied in the order of OWNERS (a table before the
tables and views that refer to it), each step once, in a transaction with the record of it,
one process at a time. PRAGMA user_version holds how many steps a database has run, so that
opening an up-to-date database costs a version check (see store.is_up_to_date).
"""

from __future__ import annotations

import functools
import importlib
import sqlite3

import sqlite_utils
from sqlite_utils.migrations import Migrations

# Who declares tables, in the order their migrations apply.
OWNERS = (
    "crawler.storage.tables",
    "crawler.stories.tables",
    "monitors.alerts.tables",
    "monitors.service.tables",
    "monitors.web.tables",
)

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
_TABLE = Migrations.migrations_table


def sql_statements(script: str) -> list[str]:
    """The statements of an SQL script, split where SQLite says a statement is complete (a `;`
    inside a string or a trigger body does not end one)."""
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


def _sql_step(script: str):
    def step(db: sqlite_utils.Database) -> None:
        for statement in sql_statements(script):
            db.conn.execute(statement)

    return step


@functools.cache
def migration_sets() -> tuple[Migrations, ...]:
    """One Migrations set per owner, in the order of OWNERS."""
    sets = []
    for module_name in OWNERS:
        module = importlib.import_module(module_name)
        migrations = Migrations(module.OWNER)
        for name, script in module.STEPS:
            migrations(name=name)(_sql_step(script))
        sets.append(migrations)
    return tuple(sets)


@functools.cache
def schema_version() -> int:
    """How many steps an up-to-date database has run (its PRAGMA user_version)."""
    return sum(len(importlib.import_module(m).STEPS) for m in OWNERS)


def _recorded(db: sqlite_utils.Database) -> list[tuple[str, str]]:
    if _TABLE not in db.table_names():
        return []
    return [
        (row[0], row[1])
        for row in db.execute(f"SELECT migration_set, name FROM {_TABLE} ORDER BY rowid")
    ]


def _adopt_history(db: sqlite_utils.Database) -> None:
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
    migration_sets()[0].ensure_migrations_table(db)
    for number in numbers:
        for owner, name in HISTORY[number]:
            db.conn.execute(
                f"INSERT OR IGNORE INTO {_TABLE} (migration_set, name, applied_at) "
                "VALUES (?, ?, datetime('now'))",
                (owner, name),
            )


def apply_migrations(db: sqlite_utils.Database) -> None:
    """Run every pending step of every owner, one process at a time (the others wait on the
    lock, then find nothing pending), and stamp the version."""
    with db.conn:
        db.conn.execute("BEGIN IMMEDIATE")
        _adopt_history(db)
        for migrations in migration_sets():
            migrations.apply(db)
        db.conn.execute(f"PRAGMA user_version = {schema_version()}")


def historic_script(number: int) -> str:
    """The SQL of what was migration `number` before migrations had owners (its steps, joined):
    how older databases were built, for tests of their upgrade."""
    scripts: dict[tuple[str, str], str] = {}
    for module_name in OWNERS:
        module = importlib.import_module(module_name)
        scripts |= {(module.OWNER, name): script for name, script in module.STEPS}
    return "\n".join(scripts[step] for step in HISTORY[number])


def applied(db: sqlite_utils.Database) -> list[tuple[str, str]]:
    """(owner, step) of every step the database has run, in the order it ran them."""
    return [(owner, name) for owner, name in _recorded(db) if owner != _OLD_SET]

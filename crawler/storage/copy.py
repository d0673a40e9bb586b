"""`veille db copy`: move a SQLite database to PostgreSQL, every table, verified by counts.

The copy is one PostgreSQL transaction: the target gets all of it or nothing. Tables go in the
order of their foreign keys (a table after those it refers to), through COPY; ids are kept (the
identity columns are BY DEFAULT) and each identity sequence is moved past the largest id, so
new rows never collide. A target already holding veille's data is refused unless `replace` is
given; then its tables are emptied first, in the same transaction. The full-text search vector
is computed by PostgreSQL as each article arrives (its trigger). The summary tables an
owner keeps by triggers (its `KEPT_BY_TRIGGERS`) are emptied with the rest, not copied: their
table is copied with the counting trigger off, then they are counted once, in the same
transaction. Left on, the trigger added one to the same few rows for every match or article in
one transaction, where each such update walks every version of its row made before it: the copy
of 100,000 articles and 314,000 matches had not ended after 35 minutes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from crawler.core.errors import DatabaseError
from crawler.storage.postgres_schema import (
    MIGRATIONS_TABLE,
    explain_postgres_error,
    open_postgres,
    owner_modules,
)

# Rows read from SQLite and written to PostgreSQL per round.
BATCH = 2000


@dataclass(frozen=True)
class CopiedTable:
    table: str
    source_rows: int
    target_rows: int


def target_tables(pg: Any) -> list[str]:
    """PostgreSQL's base tables of veille, each after the tables its foreign keys refer to."""
    tables = [
        name
        for (name,) in pg.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' "
            "AND table_type = 'BASE TABLE' AND table_name <> ? ORDER BY table_name",
            (MIGRATIONS_TABLE,),
        ).fetchall()
    ]
    refers: dict[str, set[str]] = {name: set() for name in tables}
    for child, parent in pg.execute(
        "SELECT c.conrelid::regclass::text, c.confrelid::regclass::text FROM pg_constraint c "
        "JOIN pg_namespace n ON n.oid = c.connamespace "
        "WHERE c.contype = 'f' AND n.nspname = 'public'"
    ).fetchall():
        if child in refers and parent in refers and parent != child:
            refers[child].add(parent)
    ordered: list[str] = []
    while refers:
        ready = sorted(name for name, parents in refers.items() if not parents - set(ordered))
        if not ready:
            raise DatabaseError(f"foreign keys form a cycle between {sorted(refers)}")
        for name in ready:
            ordered.append(name)
            del refers[name]
    return ordered


def kept_by_triggers() -> dict[str, tuple[str, str, str]]:
    """The summary tables every owner keeps by triggers on its other tables: for each, its
    owner's statements that turn the counting trigger off, count the table once, and turn the
    trigger on again."""
    return {
        name: kept
        for module in owner_modules()
        for name, kept in getattr(module, "KEPT_BY_TRIGGERS", {}).items()
    }


def _copied_columns(lite: Any, pg: Any, table: str) -> tuple[list[str], set[str]]:
    """The columns both engines have (PostgreSQL's generated ones excepted), and which of them
    are BYTEA on PostgreSQL."""
    lite_columns = [row[1] for row in lite.execute(f'PRAGMA table_info("{table}")').fetchall()]
    pg_columns = {
        name: kind
        for name, kind, generated in pg.execute(
            "SELECT column_name, data_type, is_generated FROM information_schema.columns "
            "WHERE table_schema = 'public' AND table_name = ?",
            (table,),
        ).fetchall()
        if generated != "ALWAYS"
    }
    columns = [c for c in lite_columns if c in pg_columns]
    return columns, {c for c in columns if pg_columns[c] == "bytea"}


def _count(db: Any, table: str) -> int:
    return int(db.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0])


def copy_database(
    source: str | Path,
    target: str,
    replace: bool = False,
    progress: Callable[[str, int], None] | None = None,
) -> list[CopiedTable]:
    """Copy the veille database at `source` (a SQLite file) into the PostgreSQL database at
    `target` (postgresql://…). Returns the rows per table on both sides (equal, or nothing is
    committed and DatabaseError says which table differs)."""
    try:
        import psycopg
    except ImportError:  # said as every other command given a postgresql:// location says it
        raise DatabaseError(
            "PostgreSQL support is not installed; install it with: pip install 'veille[postgres]'"
        ) from None

    from crawler.storage.store import open_database

    if not Path(source).is_file():
        raise DatabaseError(f"no SQLite database at {source}: give the path of veille's file")
    lite = open_database(source)  # brought up to date (migrations, back-fills) first
    pg = open_postgres(target)
    try:
        tables = target_tables(pg)
        lite_tables = {
            name for (name,) in lite.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        }
        missing = [t for t in tables if t not in lite_tables]
        if missing:
            raise DatabaseError(f"the SQLite database lacks tables {missing}: is it veille's?")
        # meta holds what every open writes (the fingerprint scheme): not the user's data.
        filled = [
            t
            for t in tables
            if t != "meta" and pg.execute(f'SELECT 1 FROM "{t}" LIMIT 1').fetchone()
        ]
        if filled and not replace:
            raise DatabaseError(
                f"the target database already holds data (tables {', '.join(filled)}); "
                "copy into an empty database, or give --replace to empty it first"
            )
        copied: list[CopiedTable] = []
        with pg.transaction():
            pg.execute("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY")
            kept = kept_by_triggers()
            for trigger_off, _, _ in kept.values():
                pg.execute(trigger_off)
            for table in tables:
                if table not in kept:
                    copied.append(_copy_table(lite, pg, table, progress))
            for _, count_once, trigger_on in kept.values():
                pg.execute(count_once)
                pg.execute(trigger_on)
            wrong = [c for c in copied if c.source_rows != c.target_rows]
            if wrong:
                raise DatabaseError(
                    "the copy does not match the source, nothing was kept: "
                    + "; ".join(f"{c.table}: {c.source_rows} → {c.target_rows}" for c in wrong)
                )
            _move_identities(pg, tables)
        # The planner's statistics of a freshly filled database are empty until autovacuum
        # comes round: searches and list pages would be planned for empty tables meanwhile.
        pg.execute("ANALYZE")
        return copied
    except psycopg.Error as exc:
        raise explain_postgres_error(target, exc) from None
    finally:
        pg.close()
        lite.close()


def _copy_table(
    lite: Any, pg: Any, table: str, progress: Callable[[str, int], None] | None
) -> CopiedTable:
    columns, binary = _copied_columns(lite, pg, table)
    names = ", ".join(f'"{c}"' for c in columns)
    rows = lite.execute(f'SELECT {names} FROM "{table}"')
    written = 0
    with pg.conn.cursor() as cursor, cursor.copy(f'COPY "{table}" ({names}) FROM STDIN') as copy:
        while batch := rows.fetchmany(BATCH):
            for row in batch:
                if binary:
                    row = tuple(
                        v.encode() if isinstance(v, str) and c in binary else v
                        for c, v in zip(columns, row, strict=True)
                    )
                copy.write_row(row)
            written += len(batch)
            if progress:
                progress(table, written)
    return CopiedTable(table, _count(lite, table), _count(pg, table))


def _move_identities(pg: Any, tables: list[str]) -> None:
    """Each identity sequence past the largest copied id: the next row gets a new one."""
    for table, column in pg.execute(
        "SELECT table_name, column_name FROM information_schema.columns "
        "WHERE table_schema = 'public' AND is_identity = 'YES'"
    ).fetchall():
        if table in tables:
            pg.execute(
                f"SELECT setval(pg_get_serial_sequence(?, ?), "
                f'coalesce((SELECT max("{column}") FROM "{table}"), 0) + 1, false)',
                (table, column),
            )

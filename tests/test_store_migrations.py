"""The schema's migrations by name (sqlite-utils' Migrations): each runs once; an up-to-date
database is opened with a version check only; a database migrated before migrations had names
is adopted; an old database holding percent-escaped URLs upgrades."""

from __future__ import annotations

import sqlite3
import threading

import pytest

import monitors  # noqa: F401 (registers its tables: the full schema)
from crawler.storage import schema, store
from crawler.storage import tables as storage_tables
from crawler.stories import backfill


def every_step() -> list[tuple[str, str]]:
    return [(m.name, step.name) for m in schema.migration_sets() for step in m.pending(_empty())]


def _empty():
    import sqlite_utils

    return sqlite_utils.Database(memory=True)


def test_a_new_database_records_every_step_under_its_owner(tmp_path):
    db = store.open_database(tmp_path / "v.db")
    assert schema.applied(db) == every_step()
    owners = [owner for owner, _ in schema.applied(db)]
    assert owners == sorted(owners, key=[m.OWNER for m in schema.owners()].index)
    assert {"monitors.alerts", "crawler.storage", "crawler.stories"} <= set(owners)
    assert db.execute("PRAGMA user_version").fetchone()[0] == schema.schema_version() == 34
    assert store.is_up_to_date(db) and not any(m.pending(db) for m in schema.migration_sets())


def test_opening_an_up_to_date_database_runs_no_migration_and_no_scan(tmp_path, monkeypatch):
    store.open_database(tmp_path / "v.db").conn.close()

    def refuse(*_args, **_kwargs):
        raise AssertionError("an up-to-date database ran a migration or a back-fill")

    for name in ("backfill_stories", "backfill_story_terms", "rebuild_story_terms"):
        monkeypatch.setattr(backfill, name, refuse)
    monkeypatch.setattr(storage_tables, "full_text_search", refuse)
    monkeypatch.setattr(store, "apply_migrations", refuse)
    statements: list[str] = []
    real_connect = sqlite3.connect

    def traced(*args, **kwargs):
        conn = real_connect(*args, **kwargs)
        conn.set_trace_callback(statements.append)
        return conn

    monkeypatch.setattr(store.sqlite3, "connect", traced)
    db = store.open_database(tmp_path / "v.db")
    assert db.execute("SELECT count(*) FROM articles").fetchone()[0] == 0
    reads = [s for s in statements if "FROM articles" in s or "lsh_keys" in s]
    assert reads == ["SELECT count(*) FROM articles"]  # only the test's own query


def test_concurrent_first_opens_migrate_once(tmp_path):
    errors: list[BaseException] = []

    def open_it() -> None:
        try:
            store.open_database(tmp_path / "v.db").conn.close()
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=open_it) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    db = store.open_database(tmp_path / "v.db")
    assert schema.applied(db) == every_step()


def _old_database(path, version: int, named: bool = False) -> None:
    """A database as veille left it when migrations were numbered by PRAGMA user_version."""
    conn = sqlite3.connect(path)
    conn.create_function("veille_normalize_escapes", 1, store.normalize_escapes)
    for number in range(1, version + 1):
        for statement in schema.sql_statements(schema.historic_script(number)):
            conn.execute(statement)
    conn.execute(f"PRAGMA user_version = {version}")
    if named:  # as this version recorded them for a while: set "veille", 0001_… to 0012_…
        conn.execute(
            "CREATE TABLE _sqlite_migrations (id INTEGER PRIMARY KEY, migration_set TEXT, "
            "name TEXT, applied_at TEXT)"
        )
        conn.executemany(
            "INSERT INTO _sqlite_migrations (migration_set, name, applied_at) VALUES (?, ?, '')",
            [("veille", f"{n:04d}_old") for n in range(1, version + 1)],
        )
    conn.execute("INSERT INTO sources(name) VALUES ('le360')")
    conn.execute(
        "INSERT INTO articles(source, url, url_key, text, content_hash, fetched_at) VALUES "
        "('le360', 'https://le360.ma/a%2fb', 'le360.ma/a%2fb', 'texte', 'h1', "
        "'2026-11-01T00:00:00Z')"
    )
    conn.execute("INSERT INTO article_urls(url_key, article_id) VALUES ('le360.ma/a%2fb', 1)")
    conn.commit()
    conn.close()


@pytest.mark.parametrize("version, named", [(3, False), (10, False), (12, False), (12, True)])
def test_an_older_database_is_adopted_and_upgraded(tmp_path, version, named):
    _old_database(tmp_path / "old.db", version, named)
    db = store.open_database(tmp_path / "old.db")
    assert sorted(schema.applied(db)) == sorted(every_step())
    assert store.is_up_to_date(db)
    keys = [row[0] for row in db.execute("SELECT url_key FROM article_urls")]
    # Migration 11 spells percent-escapes one way; it used to stop on its own LIKE … ESCAPE.
    assert keys == (["le360.ma/a%2Fb"] if version < 11 else ["le360.ma/a%2fb"])
    assert db.execute("SELECT count(*) FROM articles_fts").fetchone()[0] == 1


def test_sql_statements_split_where_sqlite_says_a_statement_ends():
    script = """
    CREATE TABLE t (a TEXT DEFAULT 'x;y');
    CREATE TRIGGER tr AFTER INSERT ON t BEGIN
      UPDATE t SET a = 'z;' WHERE rowid = new.rowid;
    END;
    INSERT INTO t(a) VALUES ('semi;colon');
    """
    statements = schema.sql_statements(script)
    assert len(statements) == 3 and statements[1].rstrip().endswith("END;")

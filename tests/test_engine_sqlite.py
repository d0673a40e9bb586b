"""SQLiteDatabase keeps the owners' protocol: named parameters in any mapping, and a write outside
a transaction committed at once (what PostgreSQL's autocommit does)."""

from __future__ import annotations

import sqlite3
from types import MappingProxyType

from crawler.storage.engine import SQLiteDatabase


def test_named_parameters_may_come_in_any_mapping_and_a_lone_write_commits(tmp_path):
    path = tmp_path / "engine.db"
    db = SQLiteDatabase(sqlite3.connect(path))
    db.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT)")
    db.execute("INSERT INTO t(name) VALUES (:name)", MappingProxyType({"name": "one"}))
    other = sqlite3.connect(path)
    assert other.execute("SELECT name FROM t").fetchall() == [("one",)]
    assert db.execute("SELECT name FROM t WHERE id = :id", {"id": 1}).fetchone() == ("one",)
    other.close()
    db.close()

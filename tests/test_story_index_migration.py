"""Each article's story terms and LSH keys moved from a row a term (story_terms) and a row a key
(lsh_keys) into one story_index row (SQLite step 0029_story_index, PostgreSQL 0007_story_index):
a database as the previous version left it migrates with every article's terms and keys, and
goes on grouping new articles exactly as a database that never had the old tables."""

from __future__ import annotations

import pytest

import monitors  # noqa: F401 (the full schema)
from crawler.storage import postgres_schema, schema, store
from crawler.stories.window import pack_keys, split_terms, unpack_keys
from tests.story_corpus import prepared_week, story_partition


def _index(db) -> dict[str, tuple[int, frozenset[str], frozenset[int]]]:
    """Each article's (by URL) story index: hour, terms, band keys."""
    return {
        url: (hour, frozenset(split_terms(terms)), frozenset(unpack_keys(bytes(keys or b""))))
        for url, hour, terms, keys in db.execute(
            "SELECT a.url, s.hour, s.terms, s.keys FROM story_index s "
            "JOIN articles a ON a.id = s.article_id"
        ).fetchall()
    }


def _as_before(db, engine: str) -> None:
    """The database as the version before story_index left it: story_terms and lsh_keys
    (their last shapes: steps 0012 and 0027 on SQLite, 0001 and 0005 on PostgreSQL), the step
    not run."""
    rows = db.execute("SELECT article_id, hour, terms, keys FROM story_index").fetchall()
    terms = [(t, hour, a) for a, hour, joined, _ in rows for t in split_terms(joined)]
    keys = [(k, hour, a) for a, hour, _, packed in rows if packed for k in unpack_keys(packed)]
    if engine == "sqlite":
        conn = db.conn
        conn.execute(
            "CREATE TABLE story_terms (term TEXT NOT NULL, hour INTEGER NOT NULL, article_id "
            "INTEGER NOT NULL, PRIMARY KEY (term, hour, article_id)) WITHOUT ROWID"
        )
        conn.execute(
            "CREATE TABLE lsh_keys (key INTEGER NOT NULL, hour INTEGER NOT NULL, article_id "
            "INTEGER NOT NULL, PRIMARY KEY (key, hour, article_id)) WITHOUT ROWID"
        )
        conn.executemany("INSERT INTO story_terms VALUES (?, ?, ?)", terms)
        conn.executemany("INSERT INTO lsh_keys VALUES (?, ?, ?)", keys)
        conn.execute("DROP TABLE story_index")
        conn.execute("DELETE FROM _sqlite_migrations WHERE name = '0029_story_index'")
        conn.execute(f"PRAGMA user_version = {schema.schema_version() - 1}")
        conn.commit()
    else:
        with db.transaction():
            db.execute(
                "CREATE TABLE story_terms (term TEXT NOT NULL, hour BIGINT NOT NULL, "
                "article_id BIGINT NOT NULL, PRIMARY KEY (term, hour, article_id))"
            )
            db.execute(
                "CREATE TABLE lsh_keys (key BIGINT NOT NULL, hour BIGINT NOT NULL, "
                "article_id BIGINT NOT NULL, PRIMARY KEY (key, hour, article_id))"
            )
            db.executemany("INSERT INTO story_terms VALUES (?, ?, ?)", terms)
            db.executemany("INSERT INTO lsh_keys VALUES (?, ?, ?)", keys)
            db.execute("DROP TABLE story_index")
            db.execute(
                f"DELETE FROM {postgres_schema.MIGRATIONS_TABLE} "
                "WHERE owner = 'crawler.stories' AND name = '0007_story_index'"
            )
    assert len(terms) > 1000 and len(keys) > 1000


@pytest.fixture
def two_databases(engine, tmp_path, request) -> tuple[str, str]:
    if engine == "sqlite":
        return str(tmp_path / "migrated.db"), str(tmp_path / "never.db")
    cluster = request.getfixturevalue("postgres_cluster")
    return cluster.new_database(), cluster.new_database()


def test_an_old_database_migrates_its_terms_and_keys_and_keeps_every_story_decision(
    engine, two_databases
):
    prepared = prepared_week(160)
    first, later = prepared[:100], prepared[100:]
    migrated_at, never_at = two_databases
    migrated, never = store.open_database(migrated_at), store.open_database(never_at)
    for db in (migrated, never):
        store.add_sources(db, sorted({a.source for a in prepared}))
        for at in range(0, len(first), 25):
            store.store_articles(db, first[at : at + 25])
    before = _index(migrated)
    _as_before(migrated, engine)
    migrated.close()
    migrated = store.open_database(migrated_at)
    assert _index(migrated) == before  # every article's hour, terms and keys
    assert not {"story_terms", "lsh_keys"} & set(_tables(migrated, engine))
    for db in (migrated, never):
        for at in range(0, len(later), 25):
            store.store_articles(db, later[at : at + 25])
    assert story_partition(migrated) == story_partition(never)
    assert len(story_partition(never)) < len(prepared)  # stories did form
    assert _index(migrated) == _index(never)
    migrated.close()
    never.close()


def _tables(db, engine: str) -> list[str]:
    if engine == "sqlite":
        sql = "SELECT name FROM sqlite_master WHERE type = 'table'"
    else:
        sql = "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'"
    return [row[0] for row in db.execute(sql).fetchall()]


def test_packed_keys_are_what_postgresql_int8send_gives():
    """The migration on PostgreSQL packs keys with int8send; storing packs them in Python: the
    same bytes (big-endian, signed)."""
    assert pack_keys([1, -1, 2**63 - 1]) == (
        b"\x00\x00\x00\x00\x00\x00\x00\x01" + b"\xff" * 8 + b"\x7f" + b"\xff" * 7
    )
    assert unpack_keys(pack_keys([-(2**63), 5])) == (-(2**63), 5)

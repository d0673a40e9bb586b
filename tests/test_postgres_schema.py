"""PostgreSQL as the second engine: its schema (every owner's POSTGRES_STEPS) matches SQLite's
final shape, migrates once even when processes open it together, and its failures are said
without ever showing the password."""

from __future__ import annotations

import threading

import pytest

from crawler.core.errors import DatabaseError
from crawler.storage import engine, postgres_schema, store
from crawler.storage.engine import mask_location, mask_password, postgres_sql

pytestmark = pytest.mark.slow  # end-to-end: real processes (README, "Development")

# Columns PostgreSQL has and SQLite does not: the stored search vector (SQLite keeps its FTS5
# index in tables of its own) and the outbox lease of several delivery processes.
POSTGRES_ONLY = {("articles", "search"), ("deliveries", "claimed_by"), ("deliveries", "claimed_at")}
# SQLite's own tables, and the FTS5 index's.
SQLITE_ONLY_TABLES = ("_sqlite_migrations", "articles_fts")

TYPES = {  # SQLite declared type -> PostgreSQL type
    "TEXT": {"text"},
    "INTEGER": {"integer", "bigint"},
    "REAL": {"double precision"},
    "BLOB": {"bytea"},
}


def sqlite_shape(tmp_path) -> dict[str, dict[str, tuple[str, bool]]]:
    db = store.open_database(tmp_path / "v.db")
    shape: dict[str, dict[str, tuple[str, bool]]] = {}
    for (name,) in db.execute(
        "SELECT name FROM sqlite_master WHERE type IN ('table', 'view') ORDER BY name"
    ).fetchall():
        if name.startswith(SQLITE_ONLY_TABLES):
            continue
        shape[name] = {
            row[1]: (row[2].upper(), bool(row[3]) or bool(row[5]))
            for row in db.execute(f"PRAGMA table_info({name})").fetchall()
        }
    return shape


def postgres_shape(url: str) -> dict[str, dict[str, tuple[str, bool]]]:
    db = store.open_database(url)
    shape: dict[str, dict[str, tuple[str, bool]]] = {}
    for table, column, kind, nullable in db.execute(
        "SELECT table_name, column_name, data_type, is_nullable FROM information_schema.columns "
        "WHERE table_schema = 'public' AND table_name <> ? ORDER BY table_name, ordinal_position",
        (postgres_schema.MIGRATIONS_TABLE,),
    ).fetchall():
        shape.setdefault(table, {})[column] = (kind, nullable == "NO")
    return shape


def test_postgres_has_the_tables_columns_and_constraints_of_sqlite(tmp_path, postgres_url):
    lite, pg = sqlite_shape(tmp_path), postgres_shape(postgres_url)
    assert sorted(pg) == sorted(lite)
    for table, columns in lite.items():
        extra = {c for c in pg[table] if (table, c) not in POSTGRES_ONLY}
        assert extra == set(columns), table
        for column, (declared, not_null) in columns.items():
            kind, pg_not_null = pg[table][column]
            if declared:  # a view's columns have no declared type on SQLite
                assert kind in TYPES[declared], (table, column, declared, kind)
                assert pg_not_null == not_null, (table, column)


def test_postgres_keeps_the_unique_constraints_and_indexes_of_sqlite(tmp_path, postgres_url):
    lite = store.open_database(tmp_path / "v.db")
    lite_indexes = {
        name
        for (name,) in lite.execute(
            "SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
        ).fetchall()
        if "_sqlite_migrations" not in name
    }
    pg = store.open_database(postgres_url)
    pg_indexes = {
        name
        for (name,) in pg.execute("SELECT indexname FROM pg_indexes WHERE schemaname = 'public'")
    }
    assert lite_indexes <= pg_indexes
    assert "articles_search" in pg_indexes
    # The unique keys that deduplication and the outbox rely on, enforced by PostgreSQL too.
    pg.execute("INSERT INTO sources(name) VALUES ('s')")
    insert = (
        "INSERT INTO articles(source, url, url_key, text, content_hash, fetched_at) "
        "VALUES ('s', ?, ?, 'x', ?, '2026-11-01T00:00:00Z') RETURNING id"
    )
    first = pg.execute(insert, ("u1", "k1", "h1")).fetchone()[0]
    with pytest.raises(Exception, match="url_key"):
        pg.execute(insert, ("u2", "k1", "h2"))
    with pytest.raises(Exception, match="content_hash"):
        pg.execute(insert, ("u3", "k3", "h1"))
    assert pg.execute(insert, ("u4", "k4", "h4")).fetchone()[0] > first


def test_every_step_runs_once_and_an_up_to_date_database_runs_none(postgres_cluster):
    url = postgres_cluster.empty_database()
    db = store.open_database(url)
    expected = [
        (owner, name)
        for owner, name, _ in postgres_schema.all_steps(postgres_schema.owner_modules())
    ]
    assert postgres_schema.applied(db.conn) == expected
    assert {owner for owner, _ in expected} == {
        "crawler.storage",
        "crawler.stories",
        "monitors.alerts",
        "monitors.service",
        "monitors.web",
        "monitors.people",
    }
    assert postgres_schema.apply_postgres_migrations(db.conn) == 0
    db.close()
    again = store.open_database(url)
    assert postgres_schema.applied(again.conn) == expected
    assert again.execute("SELECT value FROM meta WHERE key = 'fingerprint_scheme'").fetchone()


def test_a_database_a_newer_veille_migrated_is_refused(postgres_cluster):
    url = postgres_cluster.empty_database()
    db = store.open_database(url)
    db.conn.execute(
        f"INSERT INTO {postgres_schema.MIGRATIONS_TABLE} (owner, name, applied_at) "
        "VALUES ('crawler.storage', '0099_articles_split', '2027-03-01T00:00:00Z')"
    )
    db.close()
    with pytest.raises(DatabaseError) as caught:
        store.open_database(url)
    message = str(caught.value)
    assert "newer version of veille" in message and "crawler.storage 0099_articles_split" in message
    # the daemon, one cycle, the reader and status refuse it before anything writes to it
    from click.testing import CliRunner

    from monitors.cli import cli

    for command in (["run", "--once"], ["run"], ["serve", "--port", "1"], ["status"]):
        result = CliRunner().invoke(cli, ["--db", url, *command])
        assert result.exit_code == 2, (command, result.output)
        assert "newer version of veille" in result.output, (command, result.output)
    db = store.open_database(url, owners=())
    try:
        assert db.execute("SELECT count(*) FROM crawl_runs").fetchone()[0] == 0
    finally:
        db.close()


def test_concurrent_first_opens_migrate_once(postgres_cluster):
    url = postgres_cluster.empty_database()
    errors: list[BaseException] = []
    opened = []

    def open_it() -> None:
        try:
            opened.append(store.open_database(url))
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=open_it) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert errors == [] and len(opened) == 4
    steps = postgres_schema.applied(opened[0].conn)
    assert (
        len(steps)
        == len(set(steps))
        == len(postgres_schema.all_steps(postgres_schema.owner_modules()))
    )


def test_an_open_waits_for_the_migrations_lock_then_gives_up_saying_so(
    postgres_cluster, monkeypatch
):
    """Another process migrating holds the migrations' advisory lock (a lock of that database):
    an open waits for it (here 0.3 s) and migrates; held past the wait, the open says so
    instead of waiting on (it used to wait for as long as the lock was held, with no end)."""
    import psycopg

    def hold(url: str, seconds: float) -> tuple[threading.Timer, threading.Event]:
        holder = psycopg.connect(url, autocommit=True)
        holder.execute("SELECT pg_advisory_lock(%s)", (postgres_schema.MIGRATIONS_LOCK,))
        released = threading.Event()

        def release() -> None:
            released.set()
            holder.close()  # the session's locks go with it

        timer = threading.Timer(seconds, release)
        timer.start()
        return timer, released

    url = postgres_cluster.empty_database()
    timer, released = hold(url, 0.3)
    db = store.open_database(url)
    timer.join()
    assert released.is_set()  # it waited for the lock
    steps = postgres_schema.all_steps(postgres_schema.owner_modules())
    assert len(postgres_schema.applied(db.conn)) == len(steps)
    db.close()

    monkeypatch.setattr(engine, "BUSY_TIMEOUT_SECONDS", 0.2)
    url = postgres_cluster.empty_database()
    timer, released = hold(url, 5)  # where the old code's wait ended
    try:
        with pytest.raises(DatabaseError) as raised:
            store.open_database(url)
        assert not released.is_set()
    finally:
        timer.cancel()
        timer.join()
        if not released.is_set():
            timer.function()
    message = str(raised.value)
    assert f"PostgreSQL database {mask_location(url)} is locked by another veille process " in (
        message
    )
    assert "for 0.2 s" in message and "lock timeout" in message
    db = store.open_database(url)  # the lock released: migrated, nothing half-done before
    assert len(postgres_schema.applied(db.conn)) == len(steps)
    db.close()


def test_a_failing_step_leaves_nothing_behind(postgres_cluster):
    url = postgres_cluster.empty_database()

    class Broken:
        OWNER = "broken"
        POSTGRES_STEPS = [("0001_half", "CREATE TABLE half (x INTEGER); SELECT no_such_column")]

    with pytest.raises(DatabaseError, match="no_such_column"):
        postgres_schema.open_postgres(url, [Broken])  # type: ignore[list-item]
    db = store.open_database(url)
    assert db.execute("SELECT to_regclass('half')").fetchone()[0] is None
    assert ("broken", "0001_half") not in postgres_schema.applied(db.conn)


def test_an_unreachable_server_is_said_without_the_password(tmp_path):
    url = f"postgresql://veille:s3cret-pw@/veille?host={tmp_path}/nowhere"
    with pytest.raises(DatabaseError) as raised:
        store.open_database(url)
    message = str(raised.value)
    assert "s3cret-pw" not in message and "veille:***@" in message
    assert "cannot be reached" in message and "--db" in message


def test_a_missing_database_says_how_to_create_it(postgres_cluster):
    url = postgres_cluster.url("no_such_db").replace("postgres@", "postgres:hunter22@")
    with pytest.raises(DatabaseError) as raised:
        store.open_database(url)
    message = str(raised.value)
    assert "hunter22" not in message and "createdb" in message


def test_passwords_are_masked_in_locations_and_messages():
    url = "postgresql://team:p%40ss:word@db.example:5432/veille?sslmode=require"
    assert mask_location(url) == "postgresql://team:***@db.example:5432/veille?sslmode=require"
    query = "postgresql://team@db/veille?password=hunter22&sslmode=require"
    assert mask_location(query) == "postgresql://team@db/veille?password=***&sslmode=require"
    assert mask_location("postgresql://team@db/veille") == "postgresql://team@db/veille"
    assert "hunter22" not in mask_password("failed for hunter22 at " + query, query)


@pytest.mark.parametrize(
    ("location", "said", "secret"),
    [
        ("postgresql://team:p%zzSecret9@/veille", "its password holds a '%' not", "zzSecret9"),
        ("postgresql://team:p@ss9word@/veille", "its password holds '@'", "ss9word"),
        ("postgresql://team:pa/ss9word@db/veille", "its password holds '/'", "ss9word"),
        ("postgresql://team:pa ss9word@/veille", "its password holds a space", "ss9word"),
        ("postgresql://te%zzam:pw9word@/veille", "its user name holds a '%'", "pw9word"),
        ("postgresql://team:pw9word@/vei%zzlle", "its database name holds a '%'", "pw9word"),
        ("postgresql://team@/veille?password=a%zz9word", "its password holds a '%'", "zz9word"),
    ],
)
def test_a_location_libpq_would_misread_is_said_with_how_to_write_it(location, said, secret):
    """A password's '@' or '/' ends it early, and a '%' must start an escape: libpq's own
    words (« invalid percent-encoded token », « failed to resolve host 'ss9word@' ») came with
    « check the server's log », and the password past its first '@' was shown."""
    with pytest.raises(DatabaseError) as raised:
        store.open_database(location)
    message = str(raised.value)
    assert said in message and "%25" in message and "%40" in message and "--db" in message
    assert secret not in message and "server's log" not in message


def test_an_at_sign_past_the_host_is_no_password_of_the_location(postgres_url):
    """libpq ends a URL's user part at its first '@' and its host at the first '/': an '@' in
    the query (an application_name, an Azure login « veille@corp » given as ?user=) is read
    as written. Such a location was refused, « its password holds '@' » (or '/'), the
    password taken to run to that '@'."""
    named = postgres_url.replace("postgres@/", "postgres:pw9word@/") + "&application_name=v@vm"
    store.open_database(named).close()  # trust: the password is not checked
    for location in (
        named,
        "postgresql://db.example.ma:5432/veille?user=veille@corp&password=S3cretpw9",
        "postgresql://veille:pw9word@db.example.ma/veille?application_name=veille@vm",
    ):
        assert engine.location_fault(location) is None, location


def test_a_database_name_holding_an_at_sign_is_read_as_libpq_reads_it(postgres_cluster):
    """libpq ends a URL's user part at its first '@' and reads the database name up to the '?':
    « postgresql://team:pw@db/my@db » names the database « my@db ». With a password, the
    password was taken to run to the name's '@' and the location refused (« its password
    holds '@' »), the host and part of the name masked as the password."""
    with postgres_cluster.admin() as conn:
        conn.execute('CREATE DATABASE "veille@corp" TEMPLATE veille_template')
    folder = postgres_cluster.folder
    for location in (
        f"postgresql://postgres:pw9word@/veille@corp?host={folder}",
        f"postgresql://postgres:pw9word@/veille%40corp?host={folder}",
        f"postgresql://postgres@/veille@corp?host={folder}",
    ):
        assert engine.location_fault(location) is None, location
        store.open_database(location).close()  # trust: the password is not checked
    location = "postgresql://team:pw9word@db.example.ma:5432/veille@corp?sslmode=require"
    assert engine.location_password(location) == "pw9word"
    assert mask_location(location) == (
        "postgresql://team:***@db.example.ma:5432/veille@corp?sslmode=require"
    )
    assert "pw9word" not in mask_password(f"failed for pw9word ({location})", location)
    # a password's '@' is still one libpq would misread, and refused masked
    misread = "postgresql://team:p@ss9word@db.example.ma/veille@corp"
    assert "its password holds '@'" in (engine.location_fault(misread) or "")
    assert "ss9word" not in mask_location(misread)


def test_a_query_password_beside_an_at_sign_in_the_query_is_the_one_masked():
    """With a port and an '@' in the query (an Azure login given as ?user=), the URL's password
    was taken to run from the port to that '@': the password of ?password= was neither masked
    in messages nor remembered as a secret, the port and database name were; they still were
    in every location shown (« postgresql://db.example.ma:***@corp&password=*** »), and with
    no password at all the port and database name were remembered as one."""
    location = "postgresql://db.example.ma:5432/veille?user=veille@corp&password=S3cretpw9"
    assert engine.location_password(location) == "S3cretpw9"
    assert "S3cretpw9" not in mask_password("auth failed: password=S3cretpw9", location)
    assert mask_location(location) == (
        "postgresql://db.example.ma:5432/veille?user=veille@corp&password=***"
    )
    several = "postgresql://h1:5432,h2.ma:5433/veille?sslmode=require&user=v@corp&password=S3c9"
    assert mask_location(several) == (
        "postgresql://h1:5432,h2.ma:5433/veille?sslmode=require&user=v@corp&password=***"
    )
    none = "postgresql://db.example.ma:5432/veille?user=veille@corp"
    assert mask_location(none) == none
    assert engine.location_password(none) is None
    # a password of the user part holding '/' and '?' is still one, masked whole
    for password in ("12/34", "12/pa?user=s3cret9"):
        location = f"postgresql://team:{password}@db.example.ma/veille?sslmode=require"
        assert (
            mask_location(location) == "postgresql://team:***@db.example.ma/veille?sslmode=require"
        )
        assert engine.location_password(location) == password


@pytest.mark.parametrize("password", ["pa?ss9word", "pa#ss9word", "pa/ss9word", "p@ss9word"])
def test_a_password_with_a_urls_own_characters_is_masked_whole(password):
    """libpq takes '?' and '#' in a password as they are; the masker stopped at them and showed
    the location whole, in messages and on a crawl process's command line."""
    location = f"postgresql://team:{password}@db.example:5432/veille?sslmode=require"
    masked = "postgresql://team:***@db.example:5432/veille?sslmode=require"
    assert mask_location(location) == masked
    assert engine.location_password(location) == password
    assert "ss9word" not in mask_password(f"failed for {password} ({location})", location)


@pytest.mark.parametrize(
    ("password", "message", "masked"),
    [
        # a one-letter password masked everywhere made the message unreadable
        ("p", "password authentication failed for user postgres", None),
        ("ab", "connection to server on socket failed: ab is wrong", None),
        # three characters: where it stands alone, not inside a word
        ("k2p", "failed: k2p is wrong for k2pass", "failed: *** is wrong for k2pass"),
        ("hunter22", "failed for hunter22 here", "failed for *** here"),
    ],
)
def test_a_short_password_is_masked_as_the_secrets_masker_does(password, message, masked):
    location = f"postgresql://team:{password}@db.example/veille"
    said = mask_password(f"{message} ({location})", location)
    assert said == f"{masked or message} (postgresql://team:***@db.example/veille)"


def test_parameters_are_translated_outside_quotes_only():
    assert postgres_sql("SELECT ? , :name, '?:x%', 5 % 2, a::text") == (
        "SELECT %s , %(name)s, '?:x%%', 5 %% 2, a::text"
    )


def test_a_cluster_left_by_a_killed_test_process_is_stopped_and_removed(postgres_cluster):
    """A test run killed before its teardown leaves its server running; the next run's start
    stops it and removes its folder (never a live run's: postgres_cluster is one)."""
    import subprocess
    import sys
    from pathlib import Path

    from .conftest import TESTS
    from .postgres import reap_stale_clusters

    leaver = (
        "import os, sys; sys.path.insert(0, sys.argv[1]); from tests.postgres import Cluster; "
        "print(Cluster().start().folder, flush=True); os._exit(0)"
    )
    left = subprocess.run(
        [sys.executable, "-c", leaver, str(TESTS.parent)],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    ).stdout.strip()
    assert Path(left, "data", "postmaster.pid").exists()
    reaped = reap_stale_clusters()
    assert Path(left) in reaped and not Path(left).exists()
    assert postgres_cluster.folder not in reaped and postgres_cluster.folder.exists()


def test_stored_articles_get_their_story_terms_folded_again_as_on_sqlite(postgres_url):
    """SQLite's back-fill steps that recompute story terms when their folding changed
    (0016_story_terms_folding, 0020_story_terms_places) have a PostgreSQL step: a database
    whose articles were stored with an older vocabulary gets every article's terms again."""
    from bench.storage import articles

    prepared = articles(40)
    db = store.open_database(postgres_url)
    store.add_sources(db, sorted({a.source for a in prepared}))
    store.store_articles(db, prepared)
    terms = "SELECT article_id, hour, terms FROM story_index ORDER BY 1"
    expected = db.execute(terms).fetchall()
    assert len(expected) == 40 and all(row[2] for row in expected)
    # The database as an older veille left it: terms of the old vocabulary, step not run.
    db.execute("UPDATE story_index SET terms = 'ال' || article_id")
    db.execute(
        f"DELETE FROM {postgres_schema.MIGRATIONS_TABLE} "
        "WHERE owner = 'crawler.stories' AND name = '0003_story_terms_folding'"
    )
    db.close()
    reopened = store.open_database(postgres_url)
    assert reopened.execute(terms).fetchall() == expected


def test_both_passwords_of_a_location_that_writes_two_are_masked_and_remembered(monkeypatch):
    """A location may write a password in its user part and another in ?password= (libpq uses
    the query's): only the first was masked in messages and remembered as a secret, so the other
    could reach a log line."""
    from crawler.core import secrets
    from monitors.service.config import load_settings

    location = "postgresql://team:Us3rPart9@db.example.ma:5432/veille?password=Qu3ryPart9"
    assert engine.location_passwords(location) == ["Us3rPart9", "Qu3ryPart9"]
    said = mask_password(f"auth failed: Us3rPart9 then Qu3ryPart9 ({location})", location)
    assert "Us3rPart9" not in said and "Qu3ryPart9" not in said
    assert mask_location(location) == (
        "postgresql://team:***@db.example.ma:5432/veille?password=***"
    )
    monkeypatch.setenv("VEILLE_DB", location)
    load_settings()
    assert {"Us3rPart9", "Qu3ryPart9"} <= secrets._KNOWN_SECRETS
    # a user part's password holding '?' is one still (it ran into no query: no '=' after it)
    location = "postgresql://team:Us3r?Part9@db.example.ma/veille?password=Qu3ryPart9"
    assert engine.location_passwords(location) == ["Us3r?Part9", "Qu3ryPart9"]
    assert "Us3r?Part9" not in mask_password(f"auth failed: Us3r?Part9 ({location})", location)

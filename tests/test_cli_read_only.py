"""The commands that only read the database read one this user may not write: a database on a
read-only mount, or the daemon's, owned by the user it runs as, that another user may read."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from crawler.storage import store
from crawler.storage.importer import ImportRecord, import_records
from monitors.cli import cli

pytestmark = pytest.mark.skipif(
    not hasattr(os, "geteuid") or os.geteuid() != 0, reason="needs root, to read as nobody"
)

READING = [
    ["status"],
    ["search", "souverain"],
    ["stories"],
    ["export", "--format", "jsonl"],
    ["alerts", "list"],
]


@pytest.fixture
def readable_folder(monkeypatch):
    """A folder of root's (mode 755) that nobody may read but not write, as HOME too (no
    configuration of root's is looked in)."""
    folder = Path(tempfile.mkdtemp(prefix="veille-ro-", dir="/tmp"))
    folder.chmod(0o755)
    monkeypatch.setenv("HOME", str(folder))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(folder))
    yield folder
    shutil.rmtree(folder)


def _database(path: Path) -> Path:
    db = store.open_database(path)
    import_records(
        db,
        [
            ImportRecord(
                1,
                "https://fr.le360.ma/tech/cloud-souverain_1/",
                "Le cloud souverain marocain accueillera les données des administrations, "
                "annonce le ministère de la Transition numérique dans un communiqué.",
                "le360",
                "Cloud souverain",
                "2020-01-15T10:00:00Z",
                "fr",
            )
        ],
    )
    db.close()  # a clean close: no WAL file is left beside it
    path.chmod(0o644)
    return path


def _as_nobody(args: list[str]):
    os.setegid(65534)
    os.seteuid(65534)
    try:
        return CliRunner().invoke(cli, args)
    finally:
        os.seteuid(0)
        os.setegid(0)


@pytest.mark.parametrize("command", READING, ids=lambda c: " ".join(c[:2]))
def test_a_database_this_user_may_read_but_not_write_is_read(readable_folder, command):
    """It was refused: 'database … is read-only (attempt to write a readonly database)'."""
    path = _database(readable_folder / "veille.db")
    copy = readable_folder / "copy" / "veille.db"
    copy.parent.mkdir()
    shutil.copy(path, copy)
    warm = CliRunner().invoke(cli, ["--db", str(copy), *command])  # imports made as root
    assert warm.exit_code == 0, warm.output
    before = sorted(p.name for p in readable_folder.iterdir())
    assert "veille.db-wal" not in before  # the daemon stopped: SQLite's WAL index is to make
    result = _as_nobody(["--db", str(path), *command])
    assert result.exit_code == 0, result.output
    assert result.output == warm.output
    assert sorted(p.name for p in readable_folder.iterdir()) == before


def test_it_is_read_while_a_writer_has_its_wal_open(readable_folder):
    path = _database(readable_folder / "veille.db")
    writer = store.open_database(path)
    with writer.transaction():
        writer.execute("UPDATE articles SET title = 'Cloud souverain national'")
    try:
        result = _as_nobody(["--db", str(path), "search", "souverain"])
    finally:
        writer.close()
    assert result.exit_code == 0, result.output
    assert "Cloud souverain national" in result.output


def test_one_an_older_veille_made_is_said_to_need_its_owner(readable_folder):
    path = _database(readable_folder / "veille.db")
    db = store.open_database(path)
    with db.transaction():  # the last step undone, as if made before it
        db.execute(
            "DELETE FROM _sqlite_migrations WHERE rowid = (SELECT max(rowid) FROM _sqlite_migrations)"
        )
    db.close()
    result = _as_nobody(["--db", str(path), "status"])
    assert result.exit_code == 2, result.output
    assert "read-only for this user and an older veille made it" in result.output


def test_the_reader_which_writes_is_refused_a_database_it_may_not_write(readable_folder):
    """`veille serve` records marks, logins and edited watchlists: it says at its start that it
    cannot write the database, as before, rather than start and fail each page that writes."""
    path = _database(readable_folder / "veille.db")
    copy = readable_folder / "copy" / "veille.db"
    copy.parent.mkdir()
    shutil.copy(path, copy)
    CliRunner().invoke(cli, ["--db", str(copy), "status"])  # imports made as root
    import logging.config  # noqa: F401  (what `veille serve` loads before its database)

    import uvicorn  # noqa: F401

    import monitors.people.passwords  # noqa: F401
    import monitors.people.store  # noqa: F401
    import monitors.web.app  # noqa: F401
    import monitors.web.hosts  # noqa: F401

    result = _as_nobody(["--db", str(path), "serve", "--port", "1"])
    assert result.exit_code == 2, result.output
    assert f"database {path} is read-only" in result.output


def test_a_read_the_owners_veille_writes_through_is_said_to_be_done_again(
    readable_folder, monkeypatch
):
    """Read by another user with no WAL file beside it (the daemon between two jobs), the
    database is opened as immutable, which SQLite reads without any lock or snapshot: a job
    that began meanwhile and ended folded its changes into the file under the reader, and
    `veille export` printed what it read, pages from before and after, with exit 0 (SQLite
    cannot read it otherwise: a read-only connection that may not make the WAL index beside it
    is refused). It is now said, exit 2, with what to do."""
    from monitors.service import lookback

    path = _database(readable_folder / "veille.db")
    copy = readable_folder / "copy" / "veille.db"
    copy.parent.mkdir()
    shutil.copy(path, copy)
    assert CliRunner().invoke(cli, ["--db", str(copy), "export"]).exit_code == 0  # imports
    export_matches = lookback.export_matches

    def written_meanwhile(*args, **kwargs):
        os.seteuid(0)
        os.setegid(0)
        try:  # the daemon's job: it writes, and its last connection folds the WAL in
            writer = store.open_database(path, create=False)
            with writer.transaction():
                writer.execute("UPDATE articles SET title = 'Cloud souverain national'")
            writer.close()
        finally:
            os.setegid(65534)
            os.seteuid(65534)
        return export_matches(*args, **kwargs)

    monkeypatch.setattr(lookback, "export_matches", written_meanwhile)
    result = _as_nobody(["--db", str(path), "export", "--format", "jsonl"])
    assert result.exit_code == 2, result.output
    assert f"database {path} was written while it was read" in result.output
    assert "run the command again, or as the database's owner" in result.output
    monkeypatch.setattr(lookback, "export_matches", export_matches)
    assert _as_nobody(["--db", str(path), "export", "--format", "jsonl"]).exit_code == 0


@pytest.fixture
def read_only_mount():
    """A small file system mounted read-only, holding a database veille made: a container's
    read-only volume, a snapshot. Skipped where this root may not mount one."""
    import subprocess

    folder = Path(tempfile.mkdtemp(prefix="veille-rofs-", dir="/tmp"))
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", str(folder)], capture_output=True
    )
    if mounted.returncode != 0:
        folder.rmdir()
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.decode().strip()}")
    made = Path(tempfile.mkdtemp(prefix="veille-made-", dir="/tmp"))
    try:
        _database(made / "veille.db")
        CliRunner().invoke(cli, ["--db", str(made / "veille.db"), "status"])  # every owner's
        shutil.copy(made / "veille.db", folder / "veille.db")  # no file left open on it
        subprocess.run(["mount", "-o", "remount,ro", str(folder)], check=True)
        yield folder
    finally:
        shutil.rmtree(made)
        subprocess.run(["umount", "--lazy", str(folder)], check=False)
        folder.rmdir()


@pytest.mark.parametrize(
    "command", [["users", "add", "ana", "--no-password"], ["alerts", "retry", "--unconfirmed"]]
)
def test_a_command_that_writes_says_a_read_only_mount_is_one(read_only_mount, command):
    """On a read-only file system SQLite cannot make the WAL index beside the file, and the
    commands that write said « cannot be opened (unable to open database file); check the path
    (--db, VEILLE_DB) and its folder's permissions » of a path that was right, as root."""
    path = read_only_mount / "veille.db"
    result = CliRunner().invoke(cli, ["--db", str(path), *command])
    assert result.exit_code == 2, result.output
    assert f"database {path} cannot be written here (a read-only file system" in result.output
    assert "mount it read-write or run veille as the user who owns them" in result.output
    reading = CliRunner().invoke(cli, ["--db", str(path), "status"])
    assert reading.exit_code == 0, reading.output  # as the message says

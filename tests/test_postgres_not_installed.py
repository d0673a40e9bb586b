"""Without the PostgreSQL extra (psycopg), every command given a postgresql:// location says
what to install, `veille db copy` too: docs/scaling.md's first step is that install."""

from __future__ import annotations

import sys

from click.testing import CliRunner

from crawler.storage.store import open_database
from monitors.cli import cli

LOCATION = "postgresql://veille:PASSWORD@db.example/veille"


def test_db_copy_without_psycopg_says_what_to_install(tmp_path, monkeypatch):
    sqlite_file = tmp_path / "veille.db"
    open_database(sqlite_file).close()
    monkeypatch.setitem(sys.modules, "psycopg", None)  # `import psycopg` raises ImportError

    copied = CliRunner().invoke(cli, ["db", "copy", str(sqlite_file), LOCATION])
    status = CliRunner().invoke(cli, ["--db", LOCATION, "status"])

    for result in (copied, status):
        assert result.exit_code == 2, result.output
        assert "pip install 'veille[postgres]'" in result.output
        assert "Traceback" not in result.output and "PASSWORD" not in result.output

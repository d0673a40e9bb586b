"""`veille users list` says which followed watchlists the watchlists file no longer defines (one
deleted in the reader, say): they were listed as followed like any other, though they alert
nobody any more."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from crawler.storage import store
from monitors.cli import cli
from monitors.people import accounts


def test_a_followed_watchlist_deleted_since_is_said_so(tmp_path):
    db = store.open_database(tmp_path / "v.db")
    accounts.add_user(db, "salma", None, "salma@example.ma", ("cloud", "dell-maroc"))
    db.close()
    rules = tmp_path / "w.yaml"
    rules.write_text("watchlists:\n  - name: cloud\n    terms: [cloud]\n", encoding="utf-8")
    base = ["--db", str(tmp_path / "v.db"), "--watchlists", str(rules), "users", "list"]
    listed = CliRunner().invoke(cli, base)
    assert listed.exit_code == 0, listed.output
    assert "cloud, dell-maroc (not in the watchlists file)" in listed.stdout
    as_json = CliRunner().invoke(cli, [*base, "--json"])
    assert json.loads(as_json.stdout)[0]["follows"] == ["cloud", "dell-maroc"]  # as stored


@pytest.mark.slow  # end-to-end: a daemon in its own process
def test_the_daemon_says_who_follows_a_watchlist_the_file_no_longer_has(db_location, tmp_path):
    """A watchlist renamed or deleted by hand in the file, with people following it: they get
    none of its alerts any more, and nothing said so where the administrator looks (the log of
    the daemon, or of `run --once`, as it starts). Now it names the watchlist and who follows
    it (both engines)."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    db = store.open_database(db_location)
    accounts.add_user(db, "salma", None, "salma@example.ma", ("cloud", "dell-maroc"))
    accounts.add_user(db, "karim", None, "karim@example.ma", ("dell-maroc",))
    db.close()
    rules = tmp_path / "w.yaml"
    rules.write_text("watchlists:\n  - name: cloud\n    terms: [cloud]\n", encoding="utf-8")
    sources = tmp_path / "s.yaml"
    sources.write_text(  # nothing listens there: a crawl that fails at once
        "sources:\n  - name: absente\n    homepage: http://127.0.0.1:9/\n"
        "    feeds: [http://127.0.0.1:9/feed]\n",
        encoding="utf-8",
    )
    env = dict(
        os.environ,
        VEILLE_DB=str(db_location),
        VEILLE_SOURCES=str(sources),
        VEILLE_WATCHLISTS=str(rules),
        VEILLE_CRAWL_LOG=str(tmp_path / "crawl.log"),
        PYTHONPATH=str(Path(__file__).resolve().parents[1]),
    )
    done = subprocess.run(
        [sys.executable, "-m", "monitors.cli", "run", "--once"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert (
        "watchlist 'dell-maroc' is followed by karim, salma but the watchlists file has no "
        "such watchlist: they get none of its alerts" in done.stderr
    ), done.stderr
    assert "'cloud' is followed" not in done.stderr

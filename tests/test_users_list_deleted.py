"""`veille users list` says which followed watchlists the watchlists file no longer defines (one
deleted in the reader, say): they were listed as followed like any other, though they alert
nobody any more."""

from __future__ import annotations

import json

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

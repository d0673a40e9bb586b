"""`veille alerts list --watchlist NAME` knows every watchlist the watchlists file defines, as
`veille export` and `veille search` do: one with no alert yet lists none (exit 0); it was refused
as unknown, the known ones named being only those that had alerted."""

from __future__ import annotations

import json

from click.testing import CliRunner

from crawler.core.normalize import content_hash
from crawler.storage import store
from monitors.alerts.outbox import match_pending
from monitors.cli import cli
from monitors.service.watchlists import load_watchlists

RULES = """
watchlists:
  - name: cloud
    terms: [cloud]
  - name: pas-encore
    terms: [supercalculateur]
"""


def test_a_defined_watchlist_without_alerts_is_known_to_alerts_list(tmp_path):
    rules = tmp_path / "w.yaml"
    rules.write_text(RULES, encoding="utf-8")
    db = store.open_database(tmp_path / "v.db")
    db.execute("INSERT INTO sources(name) VALUES ('presse')")
    text = "Le cloud national avance. " + " ".join(f"mot{i}" for i in range(60)) + "."
    store.store_articles(
        db,
        [store.StoredArticle("presse", "https://presse.example.ma/1", "Le cloud national", None,
                             "2026-11-20T10:00:00Z", "fr", None, None, text, content_hash(text))],
    )  # fmt: skip
    match_pending(db, *load_watchlists(rules), max_age=None)
    db.close()
    base = ["--db", str(tmp_path / "v.db"), "--watchlists", str(rules), "alerts", "list"]
    alerted = CliRunner().invoke(cli, [*base, "--watchlist", "cloud", "--json"])
    assert alerted.exit_code == 0 and len(json.loads(alerted.stdout)) == 1
    defined = CliRunner().invoke(cli, [*base, "--watchlist", "pas-encore", "--json"])
    assert defined.exit_code == 0, defined.output
    assert json.loads(defined.stdout) == []
    unknown = CliRunner().invoke(cli, [*base, "--watchlist", "nope"])
    assert unknown.exit_code == 2
    assert "unknown watchlist 'nope' (known: cloud, pas-encore)" in unknown.output

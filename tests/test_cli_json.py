"""Scripting veille: every command that prints data prints JSON with --json, and exit codes
mean the same everywhere (0 done, 1 nothing found or checks failed, 2 usage or configuration
error)."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from crawler.storage import store
from crawler.storage.importer import ImportRecord, import_records
from monitors.alerts.outbox import match_pending
from monitors.cli import cli
from monitors.service.watchlists import load_watchlists

from .story_corpus import labelled_articles

pytestmark = pytest.mark.slow  # end-to-end: real processes (README, "Development")

RULES = "watchlists:\n  - name: chomage\n    title: Chômage\n    terms: [chômage]\n"


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    folder = tmp_path_factory.mktemp("json")
    db = store.open_database(folder / "v.db")
    records = [r for r in labelled_articles() if r["story"] in ("chomage-t3", "far-fus")]
    import_records(
        db,
        [
            ImportRecord(
                i, r["url"], r["text"], r["source"], r["title"], r["published"], r["language"]
            )
            for i, r in enumerate(records)
        ],
    )
    rules = folder / "watchlists.yaml"
    rules.write_text(RULES, encoding="utf-8")
    match_pending(db, *load_watchlists(rules), max_age=None)
    sources = folder / "sources.yaml"
    sources.write_text(
        "sources:\n  - name: le360\n    homepage: https://fr.le360.ma/\n"
        "    feeds: [https://fr.le360.ma/rss]\n",
        encoding="utf-8",
    )
    return ["--db", str(folder / "v.db"), "--watchlists", str(rules), "--sources", str(sources)]


DATA_COMMANDS = [
    ["status", "--json"],
    ["stories", "--json"],
    ["search", "chômage", "--json"],
    ["alerts", "list", "--json"],
    ["rules", "check", "--json"],
    ["rules", "test", "--text", "Le taux de chômage recule.", "--json"],
    ["rules", "backtest", "chomage", "--json"],
    ["sources", "check", "--offline", "--json"],
]


@pytest.mark.parametrize("command", DATA_COMMANDS, ids=lambda c: " ".join(c[:2]))
def test_every_data_command_prints_valid_json(setup, command):
    result = CliRunner().invoke(cli, [*setup, *command])
    assert result.exit_code == 0, result.output
    json.loads(result.stdout)


def test_the_json_shapes_hold_what_scripts_need(setup):
    def run(*args):
        return json.loads(CliRunner().invoke(cli, [*setup, *args]).stdout)

    backtest = run("rules", "backtest", "chomage", "--json")
    assert backtest["matched"] == 6 and backtest["matches"][0]["url"].startswith("https://")
    tested = run("rules", "test", "--text", "Le taux de chômage recule.", "--json")
    assert tested["matches"][0]["watchlist"] == "chomage"
    alerts = run("alerts", "list", "--json")
    assert alerts and {"id", "watchlist", "title", "source", "deliveries"} <= set(alerts[0])
    check = run("rules", "check", "--json")
    assert check["valid"] and check["watchlists"][0]["name"] == "chomage"


@pytest.mark.parametrize(
    "args, code",
    [
        (["rules", "test", "--text", "Le taux de chômage recule."], 0),
        (["rules", "test", "--text", "Rien à signaler."], 1),
        (["rules", "test", "--text", "Rien à signaler.", "--json"], 1),
        (["search", "chômage", "--source", "inconnu"], 2),
        (["search", "(chômage"], 2),
        (["export", "--since", "hier"], 2),
        (["rules", "backtest", "inconnue"], 2),
        (["status", "--nope"], 2),
    ],
)
def test_exit_codes_mean_the_same_everywhere(setup, args, code):
    result = CliRunner().invoke(cli, [*setup, *args])
    assert result.exit_code == code, result.output


def test_a_missing_database_and_a_bad_rules_file_are_configuration_errors(tmp_path):
    assert CliRunner().invoke(cli, ["--db", str(tmp_path / "x.db"), "status"]).exit_code == 2
    bad = tmp_path / "bad.yaml"
    bad.write_text("watchlists:\n  - name: X Y\n    terms: [a]\n", encoding="utf-8")
    assert CliRunner().invoke(cli, ["--watchlists", str(bad), "rules", "check"]).exit_code == 2


def test_sources_check_shows_progress_on_a_terminal_only(tmp_path):
    import os
    import pty
    import subprocess
    import sys

    sources = tmp_path / "sources.yaml"
    sources.write_text(
        "sources:\n  - name: eteint\n    homepage: http://127.0.0.1:9/\n"
        "    feeds: [http://127.0.0.1:9/feed, http://127.0.0.1:9/rss]\n",
        encoding="utf-8",
    )
    command = [sys.executable, "-m", "monitors.cli", "--sources", str(sources), "sources", "check"]
    env = dict(os.environ, VEILLE_CRAWL_SETTINGS='{"VEILLE_ALLOWED_NETWORKS": ["127.0.0.0/8"]}')
    piped = subprocess.run(command, capture_output=True, text=True, env=env, timeout=60)
    assert "checking entry points" not in piped.stderr
    main, secondary = pty.openpty()
    try:
        run = subprocess.run(command, stdout=subprocess.PIPE, stderr=secondary, env=env, timeout=60)
        os.close(secondary)
        shown = b""
        while True:
            try:
                chunk = os.read(main, 4096)
            except OSError:
                break
            if not chunk:
                break
            shown += chunk
    finally:
        os.close(main)
    assert run.returncode == 1  # no source answered
    assert b"checking entry points" in shown

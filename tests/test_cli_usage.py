"""Small usage points of the `veille` command: --version, global options placed after the
command, JSON on failure, watchlists defined but not matched yet."""

from __future__ import annotations

import json
from importlib.metadata import version
from xml.etree import ElementTree

import click
import pytest
from click.testing import CliRunner

from crawler.storage import store
from monitors.cli import cli
from seeds import BUNDLED_WATCHLISTS

pytestmark = pytest.mark.slow  # end-to-end: real processes (README, "Development")


def invoke(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_version_prints_the_installed_version():
    result = invoke("--version")
    assert result.exit_code == 0, result.output
    assert result.output.strip().endswith(version("veille"))


def test_a_global_option_after_the_command_is_taken(tmp_path):
    missing = tmp_path / "x.db"
    for args in (("status", "--db", str(missing)), ("status", f"--db={missing}")):
        result = CliRunner().invoke(cli, list(args))
        assert result.exit_code == 2, result.output
        assert f"no database at {missing}" in result.output  # the --db given, not the default
    # In a nested group, mixed with the command's own options, and a flag-like global.
    watchlists = tmp_path / "w.yaml"
    watchlists.write_text((BUNDLED_WATCHLISTS).read_text(encoding="utf-8"))
    result = CliRunner().invoke(
        cli, ["rules", "check", "--json", "--watchlists", str(watchlists), "--log-level", "ERROR"]
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["path"] == str(watchlists)
    # Given both before and after the command, the one after wins (the last, as click does).
    result = CliRunner().invoke(
        cli, ["--db", str(tmp_path / "a.db"), "status", "--db", str(missing)]
    )
    assert f"no database at {missing}" in result.output


def test_no_subcommand_reuses_a_global_option_name():
    """Global options after the command are moved before it: a subcommand option of the same
    name would be taken from its command."""
    global_names = {name for param in cli.params for name in param.opts}

    def walk(command: click.Command, path: str) -> None:
        for param in command.params:
            assert not set(param.opts) & global_names, f"{path} reuses a global option"
        if isinstance(command, click.Group):
            for name, sub in command.commands.items():
                walk(sub, f"{path} {name}")

    for name, command in cli.commands.items():
        walk(command, name)


def test_rules_check_json_answers_on_an_invalid_file(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "watchlists:\n"
        "  - name: one\n"
        "    query: 'maroc AND ('\n"
        "  - name: two\n"
        "    channels: [nowhere]\n"
        "    terms: [x]\n",
        encoding="utf-8",
    )
    without = CliRunner().invoke(cli, ["--watchlists", str(bad), "rules", "check"])
    result = CliRunner().invoke(cli, ["--watchlists", str(bad), "rules", "check", "--json"])
    assert result.exit_code == without.exit_code == 2, result.output
    answer = json.loads(result.stdout)
    assert answer["ok"] is False and answer["path"] == str(bad)
    assert len(answer["errors"]) >= 2
    for error in answer["errors"]:
        assert error["file"] == str(bad) and isinstance(error["line"], int), error
        assert error["message"]
    # A missing file is an answer too.
    missing = tmp_path / "missing.yaml"
    result = CliRunner().invoke(cli, ["--watchlists", str(missing), "rules", "check", "--json"])
    assert result.exit_code == 2
    answer = json.loads(result.stdout)
    assert answer["ok"] is False and answer["errors"][0]["message"]


def test_rules_check_json_says_ok_on_a_valid_file():
    result = CliRunner().invoke(cli, ["rules", "check", "--json"])
    assert result.exit_code == 0, result.output
    answer = json.loads(result.stdout)
    assert answer["ok"] is True and answer["errors"] == []


def test_rules_check_json_strict_with_warnings_answers_not_ok(tmp_path):
    rules = tmp_path / "w.yaml"
    rules.write_text("watchlists:\n  - name: one\n    query: 'maroc or tech'\n", encoding="utf-8")
    args = ["--watchlists", str(rules), "rules", "check", "--strict"]
    result = CliRunner().invoke(cli, [*args, "--json"])
    assert result.exit_code == CliRunner().invoke(cli, args).exit_code == 2
    answer = json.loads(result.stdout)
    assert answer["ok"] is False and answer["warnings"][0]["line"] == 3


def test_export_of_a_defined_watchlist_with_no_match_yet_is_empty(tmp_path):
    store.open_database(tmp_path / "v.db").close()
    rules = tmp_path / "w.yaml"
    rules.write_text("watchlists:\n  - name: pas-encore\n    terms: [cloud]\n", encoding="utf-8")
    base = ["--db", str(tmp_path / "v.db"), "--watchlists", str(rules), "export"]
    jsonl = CliRunner().invoke(cli, [*base, "--format", "jsonl", "--watchlist", "pas-encore"])
    assert jsonl.exit_code == 0, jsonl.output
    assert jsonl.stdout == ""
    csv = CliRunner().invoke(cli, [*base, "--format", "csv", "--watchlist", "pas-encore"])
    assert csv.exit_code == 0, csv.output
    assert len(csv.stdout.splitlines()) <= 1  # the header at most, no row
    atom = CliRunner().invoke(cli, [*base, "--format", "atom", "--watchlist", "pas-encore"])
    assert atom.exit_code == 0, atom.output
    feed = ElementTree.fromstring(atom.stdout_bytes)
    assert feed.findall("{http://www.w3.org/2005/Atom}entry") == []
    # A name defined nowhere is still refused, with the known ones.
    nope = CliRunner().invoke(cli, [*base, "--watchlist", "nope"])
    assert nope.exit_code == 2
    assert "unknown watchlist 'nope' (known: pas-encore)" in nope.output

"""Rule authoring: slips that parse but mean something else are warned about (with line and
column), --strict makes them errors, and one `rules check` reports every problem of a file."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from crawler.core.errors import ConfigError
from monitors.cli import cli
from monitors.rules.watchlists import validate_sources_referenced
from monitors.service.watchlists import load_watchlists


def _file(tmp_path, body: str):
    path = tmp_path / "watchlists.yaml"
    path.write_text(body, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    "query, column, words",
    [
        ("cloud or datacenter", 19, "'or' is a word to find, not the operator OR"),
        ("cloud and not AWS", 19, "'and' is a word to find, not the operator AND"),
        ("souveraineté NEAR5 numérique", 26, "write NEAR/5"),
        ("souveraineté near/3 numérique", 26, "write NEAR/3"),
        ("titre:cloud", 13, "use title:"),
        ("contenu:datacenter", 13, "use text:"),
    ],
)
def test_slips_are_warned_with_line_and_column(tmp_path, query, column, words):
    path = _file(tmp_path, f"watchlists:\n  - name: w\n    query: '{query}'\n")
    result = CliRunner().invoke(cli, ["--watchlists", str(path), "rules", "check"])
    assert result.exit_code == 0, result.output
    line = next(line for line in result.output.splitlines() if "warning:" in line)
    assert f"{path}:3:{column}: warning:" in line and words in line, line
    strict = CliRunner().invoke(cli, ["--watchlists", str(path), "rules", "check", "--strict"])
    assert strict.exit_code == 2


def test_an_unused_entity_is_warned(tmp_path):
    path = _file(
        tmp_path,
        "entities:\n  - id: bam\n    name: Bank Al-Maghrib\n    aliases: [BAM]\n"
        "watchlists:\n  - name: w\n    terms: [cloud]\n",
    )
    result = CliRunner().invoke(cli, ["--watchlists", str(path), "rules", "check", "--json"])
    assert result.exit_code == 0
    (warning,) = json.loads(result.stdout)["warnings"]
    assert "entity 'bam' is defined but no watchlist uses it" in warning["message"]


def test_a_clean_file_has_no_warning():
    result = CliRunner().invoke(cli, ["rules", "check", "--strict"])
    assert result.exit_code == 0 and "warning:" not in result.output


def test_every_problem_of_a_file_is_reported_in_one_run(tmp_path):
    path = _file(
        tmp_path,
        "watchlists:\n"
        "  - name: un\n    query: '(cloud'\n"
        "  - name: deux\n    terms: [cloud]\n    notify: [pigeon]\n"
        "  - name: trois\n    terms: [data]\n    digest: '0 25 * * *'\n"
        "  - name: quatre\n    terms: [x]\n"
        "  - name: quatre\n    terms: [y]\n",
    )
    with pytest.raises(ConfigError) as caught:
        load_watchlists(path)
    message = str(caught.value)
    assert message.startswith("4 problems:")
    for line in (3, 6, 9, 12):
        assert f"{path}:{line}" in message, message


def test_a_yaml_error_has_its_column_and_the_quoting_advice(tmp_path):
    path = _file(tmp_path, 'watchlists:\n  - name: w\n    query: "cloud" OR data\n')
    with pytest.raises(ConfigError) as caught:
        load_watchlists(path)
    assert caught.value.line == 3 and caught.value.column
    assert "quote values" in str(caught.value)


def test_an_unknown_source_names_the_valid_ones(tmp_path):
    path = _file(tmp_path, "watchlists:\n  - name: w\n    terms: [a]\n    sources: [le36O]\n")
    with pytest.raises(ConfigError) as caught:
        validate_sources_referenced(load_watchlists(path).rules, {"le360", "medias24"})
    assert "unknown source 'le36O'" in str(caught.value)
    assert "le360, medias24" in str(caught.value)


def test_a_term_that_folds_to_a_lone_letter_is_warned(tmp_path):
    path = _file(tmp_path, 'watchlists:\n  - name: w\n    terms: ["l\'", cloud]\n')
    result = CliRunner().invoke(cli, ["--watchlists", str(path), "rules", "check", "--strict"])
    assert result.exit_code == 2
    assert "'l'' folds to 'l'" in result.output and "can never match" in result.output


def test_a_broken_channel_is_reported_once_not_at_every_watchlist_naming_it(tmp_path):
    path = _file(
        tmp_path,
        "channels:\n  revue:\n    url: 'mailto://127.0.0.1:25?to=a@example.ma'\n"
        "    digest: '0 8 * * *'\n    language: de\n"
        "watchlists:\n  - name: a\n    terms: [x]\n    notify: [revue]\n"
        "  - name: b\n    terms: [y]\n    notify: [revue]\n",
    )
    with pytest.raises(ConfigError) as caught:
        load_watchlists(path)
    assert "alert language 'de' is not available" in str(caught.value)
    assert "unknown channel" not in str(caught.value)

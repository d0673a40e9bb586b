"""The documentation's examples, run: the rule language page (its watchlists file, every query of
its table, the matches it promises) and the configuration page (every environment variable it
lists is read, with the values it shows). A page that drifts from the code fails here."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from crawler.core.errors import VeilleError
from monitors.rules.matcher import ArticleText, Matcher
from monitors.rules.query import parse_query
from monitors.service.config import load_settings
from monitors.service.watchlists import load_watchlists

DOCS = Path(__file__).resolve().parent.parent / "docs"
RULES_PAGE = (DOCS / "watch-rules.md").read_text(encoding="utf-8")
CONFIG_PAGE = (DOCS / "configuration.md").read_text(encoding="utf-8")


def code_blocks(page: str, language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", page, flags=re.S)


@pytest.fixture(scope="module")
def documented_rules(tmp_path_factory):
    """The rule page's own watchlists file, loaded as veille loads any."""
    path = tmp_path_factory.mktemp("docs") / "watchlists.yaml"
    path.write_text(code_blocks(RULES_PAGE, "yaml")[0], encoding="utf-8")
    return load_watchlists(path).rules


def test_the_rule_page_example_file_loads(documented_rules):
    assert [w.name for w in documented_rules.watchlists] == ["um6p-supercalculateur", "ministre"]
    assert set(documented_rules.entities) == {"seghrouchni", "dell", "um6p"}


def test_every_query_of_the_language_table_parses():
    table = RULES_PAGE.split("## The query language", 1)[1].split("\n\n", 2)[1]
    queries = [
        span
        for row in table.splitlines()[2:]
        for span in re.findall(r"`([^`]+)`", row.split("|")[1])
        if "…" not in span and not span.startswith("NOT ")  # alone, NOT is refused (documented)
    ]
    assert len(queries) >= 10
    for query in queries:
        parse_query(query)


def _matches(tmp_path: Path, query: str, text: str) -> bool:
    """Whether a watchlist with `query`, beside the page's entities, matches `text`."""
    page_file = code_blocks(RULES_PAGE, "yaml")[0]
    entities = page_file.split("entities:", 1)[1].split("watchlists:", 1)[0]
    quoted = query.replace("'", "''")
    path = tmp_path / "probe.yaml"
    path.write_text(
        f"entities:{entities}watchlists:\n  - name: probe\n    query: '{quoted}'\n",
        encoding="utf-8",
    )
    rules = load_watchlists(path).rules
    return bool(Matcher.for_rules(rules).match(ArticleText("", text)))


# What the page promises, quoted from it (each quote must still be on the page).
PROMISES = [
    ("@dell", "Dell renforce sa présence au Maroc", True),
    ("@dell", "le romancier Jean Dell", False),
    ('"السيادة الرقمية"', "بالسيادة الرقمية", True),
    ('"السيادة الرقمية"', "للسيادة الرقمية", True),
    ("État", "l'État", True),
    ("numérique", "numériques", True),
    ("national", "nationaux", True),
    ("startup", "startups", True),
    ("@seghrouchni", "Amal El Fallah Seghrouchny", True),
    ('"الذكاء الاصطناعي"', "ذكاء اصطناعي", True),
    ('"ذكاء اصطناعي"', "والذكاء الاصطناعي", True),
    ("له", "الله", False),
    ('"Al Fallah"', "Amal El-Fallah Seghrouchni", True),
    ('"El Fallah"', "Amal Ben Fallah", False),
]


@pytest.mark.parametrize("query, text, expected", PROMISES)
def test_the_rule_page_promises_hold(tmp_path, query, text, expected):
    assert text in " ".join(RULES_PAGE.split()), f"the page no longer quotes {text!r}"
    assert _matches(tmp_path, query, text) is expected


def test_precedence_is_as_documented(tmp_path):
    assert "`a OR b c` is `a OR (b AND c)`" in RULES_PAGE
    assert _matches(tmp_path, "alpha OR beta gamma", "alpha")
    assert not _matches(tmp_path, "alpha OR beta gamma", "beta")
    assert _matches(tmp_path, "alpha OR beta gamma", "gamma beta")


def _configuration_rows() -> list[tuple[str, str]]:
    rows = []
    for line in CONFIG_PAGE.split("## Where things are", 1)[1].split("\n\n")[2].splitlines()[2:]:
        cells = [c.strip() for c in line.strip("|").split("|")]
        for variable in re.findall(r"`(VEILLE_[A-Z_]+)`", cells[2]):
            rows.append((variable, cells[1]))
    return rows


VALID = {  # a value each documented variable accepts (the page's own where it gives one)
    "VEILLE_DB": "/tmp/x.db",
    "VEILLE_SOURCES": "/tmp/s.yaml",
    "VEILLE_WATCHLISTS": "/tmp/w.yaml",
    "VEILLE_SECRETS": "/tmp/secrets.env",
    "VEILLE_CRAWL_TIME_LIMIT": "900",
    "VEILLE_CRAWL_LOG": "/tmp/crawl.log",
    "VEILLE_CRAWL_SETTINGS": '{"DOWNLOAD_DELAY": 2}',
    "VEILLE_CRAWL_WORKERS": "2",
    "VEILLE_WORKER_MAX_ACTIVE": "16",
    "VEILLE_WORKER_MAX_CRAWLS": "500",
    "VEILLE_WORKER_MAX_RSS_MB": "600",
    "VEILLE_ALERT_MAX_AGE_DAYS": "off",
    "VEILLE_STORY_WINDOW_HOURS": "72",
    "VEILLE_DELIVER_EVERY_SECONDS": "60",
    "VEILLE_WEB_PUBLIC_NAMES": "veille.example.ma, 192.168.1.20",
    "VEILLE_READER_URL": "https://veille.example.ma/",
    "VEILLE_PEOPLE_MAIL": "mailtos://veille:${SMTP_PASSWORD}@smtp.example.ma?from=veille@example.ma",
    "VEILLE_WEB_EDITORS": "samira, youssef@example.ma",
    "VEILLE_WEB_TIMEZONE": "Africa/Casablanca",
    "VEILLE_LOG_FORMAT": "json",
}


def _check_log_format_variable(monkeypatch) -> None:
    from click.testing import CliRunner

    from monitors.cli import cli

    monkeypatch.setenv("VEILLE_LOG_FORMAT", VALID["VEILLE_LOG_FORMAT"])
    assert CliRunner().invoke(cli, ["rules", "check"]).exit_code == 0
    monkeypatch.setenv("VEILLE_LOG_FORMAT", "not-a-valid-value{")
    refused = CliRunner().invoke(cli, ["rules", "check"])
    assert refused.exit_code == 2 and "VEILLE_LOG_FORMAT" in refused.output
    monkeypatch.delenv("VEILLE_LOG_FORMAT")


def test_every_variable_of_the_configuration_page_is_read(monkeypatch):
    rows = _configuration_rows()
    assert {v for v, _ in rows} == set(VALID), "the page and this test list different variables"
    for variable, _default in rows:
        if variable == "VEILLE_LOG_FORMAT":  # read by the command line, before any setting
            _check_log_format_variable(monkeypatch)
            continue
        monkeypatch.setenv(variable, VALID[variable])
        load_settings()  # accepted
        monkeypatch.setenv(variable, "not-a-valid-value{")
        if variable in (
            "VEILLE_DB",
            "VEILLE_SOURCES",
            "VEILLE_WATCHLISTS",
            "VEILLE_SECRETS",
            "VEILLE_CRAWL_LOG",
        ):
            monkeypatch.delenv(variable)
            continue  # paths: any text is a path
        with pytest.raises(VeilleError) as caught:
            load_settings()
        assert variable in str(caught.value)
        monkeypatch.delenv(variable)


def test_the_configuration_page_json_examples_are_valid(monkeypatch):
    examples = re.findall(r"`(\{\"[^`]+\})`", CONFIG_PAGE)
    assert len(examples) >= 3
    for example in examples:
        monkeypatch.setenv("VEILLE_CRAWL_SETTINGS", example)
        assert load_settings().crawl_settings == json.loads(example)


def test_the_people_pages_account_commands_run_on_the_bundled_watchlists(tmp_path):
    """docs/people.md's commands, as a newcomer runs them after the README's quick start (the
    bundled watchlists): they followed watchlists the bundled file does not have (cloud, um6p),
    and the first one stopped with « no watchlist named 'cloud', 'um6p' »."""
    from click.testing import CliRunner

    from monitors.cli import cli
    from seeds import BUNDLED_WATCHLISTS

    page = (DOCS / "people.md").read_text(encoding="utf-8")
    accounts = page[page.index("## Accounts") :]
    block = code_blocks(accounts, "sh")[0]
    lines = [line.split("#")[0].strip() for line in block.splitlines()]
    commands = [re.sub(r"\[(--\w+)\]", r"\1", line) for line in lines if line]
    assert len(commands) == 7 and all(c.startswith("veille users ") for c in commands)
    options = ["--db", str(tmp_path / "team.db"), "--watchlists", str(BUNDLED_WATCHLISTS)]
    password = "un mot de passe assez long\n" * 2
    for command in commands:
        done = CliRunner().invoke(cli, options + command.split()[1:], input=password)
        assert done.exit_code == 0, (command, done.output)

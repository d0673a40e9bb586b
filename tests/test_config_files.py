"""Bad configuration gives file, line, what is wrong and a fix; good configuration loads whole."""

import logging
from pathlib import Path

import pytest

from crawler.core.errors import ConfigError
from crawler.core.secrets import load_secrets_file
from crawler.discovery.sources import load_sources
from monitors.alerts.channels import CONSOLE
from monitors.rules.query import atoms
from monitors.service.watchlists import load_watchlists
from seeds import BUNDLED_SOURCES, BUNDLED_WATCHLISTS


def write(tmp_path: Path, text: str, name: str = "f.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_bundled_seeds_are_valid_and_large_enough():
    sources = load_sources(BUNDLED_SOURCES)
    assert len(sources.enabled()) >= 20
    languages = {lang for s in sources.sources for lang in s.languages}
    assert {"fr", "ar", "en", "es"} <= languages
    rules = load_watchlists(BUNDLED_WATCHLISTS).rules
    souverainete = rules.by_name("souverainete-numerique")
    assert {
        "souveraineté numérique",
        "السيادة الرقمية",
        "digital sovereignty",
        "soberanía digital",
    } <= {a.text for a in atoms(souverainete.query)}
    minister = rules.entities[rules.by_name("ministre-transition-numerique").entities[0]]
    assert len(minister.aliases) >= 4 and minister.fuzzy


def test_blocked_entry_points_are_never_fetched():
    sources = load_sources(BUNDLED_SOURCES)
    hespress = sources.by_name("hespress-ar")
    assert "https://www.hespress.com/rss" not in [e.url for e in hespress.active_entry_points()]


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        (
            "sources:\n  - name: ok\n    homepage: https://a.ma/\n    feeds: [https://a.ma/feed]\n  - name: Bad Name\n    homepage: https://b.ma/\n",
            5,
            "invalid",
        ),
        (
            "sources:\n  - name: a\n    homepage: https://a.ma/\n    feeds: [ftp://a.ma/feed]\n",
            4,
            "not an http(s) URL",
        ),
        (
            "sources:\n  - name: a\n    homepage: https://a.ma/\n    feed: [https://a.ma/feed]\n",
            4,
            "unknown key 'feed'",
        ),
        (
            "sources:\n  - name: a\n    homepage: https://a.ma/\n",
            2,
            "no feeds, sitemaps or listings",
        ),
        (
            "sources:\n  - name: a\n    homepage: https://a.ma/\n    feeds: [https://a.ma/f]\n  - name: a\n    homepage: https://a.ma/\n    feeds: [https://a.ma/f]\n",
            5,
            "already used on line 2",
        ),
        (
            "sources:\n  - name: a\n    homepage: https://a.ma/\n    feeds: [https://a.ma/f]\n    article_pattern: '(['\n",
            5,
            "not a valid regex",
        ),
        (
            "sources:\n  - name: a\n    homepage: https://a.ma/\n    feeds: [https://a.ma/f]\n    prune_xpath: ['//div[@class=']\n",
            5,
            "not a valid XPath expression",
        ),
        ("sources:\n  - name: a\n   homepage: x\n", 3, "invalid YAML"),
        # a tab: the fix said « check indentation », of a line whose indentation looks right
        (
            "sources:\n  - name: a\n\thomepage: https://a.ma/\n",
            3,
            "found character '\\t' that cannot start any token (fix: replace the tab with spaces",
        ),
        (
            "sources:\n  - name: a\n    homepage: https://a.ma/\n    feeds:\n      - {url: https://a.ma/f, status: maybe}\n",
            5,
            "status 'maybe' is unknown",
        ),
    ],
)
def test_bad_sources_name_file_line_and_problem(tmp_path, text, line, words):
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as caught:
        load_sources(path)
    assert caught.value.line == line
    assert words in str(caught.value)
    assert str(path) in str(caught.value)


def test_invalid_yaml_in_a_sources_file_is_shown_a_sources_file_value_to_quote(tmp_path):
    """The fix of invalid YAML quotes a value of the file's own kind: a sources file was shown a
    watchlist's query (« query: '"cloud souverain" OR datacenter' »), a key it has no use for."""
    path = write(tmp_path, "sources:\n  - name: m24\n    title: Médias24: économie: x\n")
    with pytest.raises(ConfigError) as caught:
        load_sources(path)
    assert "title: 'Médias24 : économie'" in str(caught.value)
    assert "query" not in str(caught.value)


WATCHLIST = """channels:
  team:
    url: "mailto://127.0.0.1:2525?from=veille@example.ma&to=team@example.ma"
watchlists:
  - name: wl
    terms: [cloud]
    notify: [team]
"""


def test_rules_load_and_route_to_channels(tmp_path):
    delivery = load_watchlists(write(tmp_path, WATCHLIST)).delivery
    assert delivery.channels_for("wl") == ["team"]


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        (WATCHLIST.replace("notify: [team]", "notify: [equipe]"), 7, "unknown channel 'equipe'"),
        (WATCHLIST.replace("terms: [cloud]", "terms: []"), 6, "has empty 'terms'"),
        (WATCHLIST.replace("    terms: [cloud]\n", ""), 5, "has no 'query', 'terms' or 'entities'"),
        (
            WATCHLIST.replace("terms: [cloud]", "query: 'cloud AND (IA OR'"),
            6,
            "6:29: query: expected a term",
        ),
        (
            WATCHLIST.replace("terms: [cloud]", "query: cloud NEAR/x IA"),
            6,
            "6:18: query: NEAR needs a distance",
        ),
        (
            WATCHLIST.replace("terms: [cloud]", "query: '@dell AND cloud'"),
            6,
            "unknown entity 'dell'",
        ),
        (WATCHLIST.replace("terms: [cloud]", "terms: ['!!']"), 6, "no letters or digits"),
        (WATCHLIST.replace("terms:", "term:"), 6, "unknown key 'term'"),
        (WATCHLIST.replace("mailto://", "mailtoo://"), 2, "not a valid apprise URL"),
        # a port no service listens on: apprise takes it, and every delivery failed on it
        (WATCHLIST.replace(":2525", ":99999"), 2, "port 99999 is past 65535"),
        (
            WATCHLIST.replace(
                "mailto://127.0.0.1:2525?", "json://user:s3cret@hooks.example:70000/x?"
            ),
            2,
            "channel 'team': port 70000 is past 65535",
        ),
        (WATCHLIST + "  - name: wl\n    terms: [x]\n", 8, "already used on line 5"),
        (WATCHLIST.replace("- name: wl", "- name: 'Mauvais nom'"), 5, "invalid"),
        (WATCHLIST.replace("    terms: [cloud]", "    terms: [cloud\n"), 8, "starts on line 6"),
        (
            WATCHLIST.replace("terms: [cloud]", "terms: [cloud]\n    alert_per_language: 'oui'"),
            7,
            "alert_per_language must be true or false",
        ),
        # A misspelt key of a channel: its line and the key meant, as everywhere else in the
        # file (on main: the channel's line, and neither the guess nor the known keys).
        (WATCHLIST.replace("    url:", "    ulr:"), 3, "did you mean 'url'?"),
    ],
)
def test_bad_watchlists_name_file_line_and_problem(tmp_path, text, line, words):
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as caught:
        load_watchlists(path)
    assert caught.value.line == line, str(caught.value)
    assert words in str(caught.value)
    assert str(path) in str(caught.value)


def test_an_entity_that_cannot_be_read_is_reported_once_not_at_every_watchlist_naming_it(
    tmp_path,
):
    # On main its error came with one "uses unknown entity 'a' (known: none)" per watchlist
    # naming it or any entity declared after it: the entity is there, only misspelt.
    text = (
        "entities:\n  - id: a\n    name: A\n    alias: [Aa]\n  - id: b\n    name: B\n"
        "watchlists:\n  - name: one\n    entities: [a]\n  - name: two\n    query: '@b AND x'\n"
    )
    with pytest.raises(ConfigError) as caught:
        load_watchlists(write(tmp_path, text))
    message = str(caught.value)
    assert "unknown key 'alias' in entity" in message and caught.value.line == 4
    assert "unknown entity" not in message, message


def test_channel_with_unset_variable_is_off_and_falls_back_to_console(tmp_path, monkeypatch):
    monkeypatch.delenv("VEILLE_TEST_HOOK", raising=False)
    text = WATCHLIST.replace(
        '"mailto://127.0.0.1:2525?from=veille@example.ma&to=team@example.ma"',
        '"${VEILLE_TEST_HOOK}"',
    )
    delivery = load_watchlists(write(tmp_path, text)).delivery
    assert not delivery.channels["team"].usable
    assert delivery.channels["team"].missing == ("VEILLE_TEST_HOOK",)
    assert delivery.channels_for("wl") == [CONSOLE]


def test_secrets_file_fills_variables_and_errors_never_echo_values(tmp_path):
    secrets = write(
        tmp_path, "# comment\nexport VEILLE_TEST_HOOK='json://127.0.0.1:9/hook'\n", "secrets.env"
    )
    text = WATCHLIST.replace(
        '"mailto://127.0.0.1:2525?from=veille@example.ma&to=team@example.ma"',
        '"${VEILLE_TEST_HOOK}"',
    )
    delivery = load_watchlists(write(tmp_path, text), load_secrets_file(secrets)).delivery
    assert delivery.channels["team"].url == "json://127.0.0.1:9/hook"

    bad = write(tmp_path, "SMTP_PASSWORD hunter2-secret\n", "bad.env")
    with pytest.raises(ConfigError) as caught:
        load_secrets_file(bad)
    assert caught.value.line == 1
    assert "hunter2-secret" not in str(caught.value)


@pytest.mark.parametrize(
    "block, words",
    [
        ("defaults:\n  interval_minutes: .inf\n", "from 0.1 to 10080"),
        ("defaults:\n  interval_minutes: .nan\n", "from 0.1 to 10080"),
        ("defaults: [1, 2]\n", "'defaults' must be a mapping"),
    ],
)
def test_sources_defaults_are_checked(tmp_path, block, words):
    from crawler.core.errors import ConfigError
    from crawler.discovery.sources import load_sources

    path = tmp_path / "sources.yaml"
    path.write_text(
        block + "sources:\n  - name: le360\n    homepage: https://fr.le360.ma/\n"
        "    feeds: [https://fr.le360.ma/rss]\n",
        encoding="utf-8",
    )
    with pytest.raises(ConfigError) as caught:
        load_sources(path)
    assert words in str(caught.value)


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("slack://veille:Wq7-zzPass9@T000AAA/B000BBB", "invalid Slack (third) Token"),
        ("mailto://veille:Wq7-zzPass9@", "Invalid ~From~ email"),
    ],
)
def test_an_apprise_url_apprise_refuses_says_why_and_logs_nothing_of_its_password(
    tmp_path, caplog, url, reason
):
    # On main the error said only "not a valid apprise URL (scheme 'slack')", while apprise's
    # own log lines, with the reason, went to the log beside it, one of them repeating the
    # URL with the password's first and last letters ("W...9").
    text = WATCHLIST.replace(
        '"mailto://127.0.0.1:2525?from=veille@example.ma&to=team@example.ma"', f'"{url}"'
    )
    with caplog.at_level(logging.DEBUG), pytest.raises(ConfigError) as caught:
        load_watchlists(write(tmp_path, text))
    assert caught.value.line == 2 and reason in str(caught.value), str(caught.value)
    assert "W...9" not in str(caught.value) and "Wq7-zzPass9" not in str(caught.value)
    assert "W...9" not in caplog.text and "Wq7-zzPass9" not in caplog.text, caplog.text


def test_a_part_of_an_apprise_url_apprise_drops_is_still_said_when_the_file_loads(tmp_path, caplog):
    # apprise takes the URL but drops a recipient it cannot read: its warning was logged when
    # the file loaded until apprise's records of that reading were all held back, and then the
    # channel loaded without a word, its alerts going to no one the team meant.
    text = WATCHLIST.replace("to=team@example.ma", "to=team-at")
    with caplog.at_level(logging.WARNING):
        delivery = load_watchlists(write(tmp_path, text)).delivery
    assert delivery.channels_for("wl") == ["team"]
    assert "channel 'team'" in caplog.text, caplog.text
    assert "Dropped invalid To email (team-at)" in caplog.text, caplog.text

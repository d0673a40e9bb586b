"""Careless or hostile configuration files are refused when loaded, with file, line and fix:
prune expressions that select no element, unknown keys in `defaults`, YAML alias bombs."""

from __future__ import annotations

import tracemalloc

import pytest
from click.testing import CliRunner

from crawler.core.errors import ConfigError
from crawler.discovery.sources import load_sources
from monitors.cli import cli

SOURCES = """\
defaults:
  interval_minutes: 20
sources:
  - name: exemple
    homepage: https://www.exemple.ma/
    feeds: [https://www.exemple.ma/feed]
    prune_xpath:
      - //div[@class='promo']
      - {expression}
"""


@pytest.mark.parametrize(
    ("expression", "words"),
    [
        ("count(//p)", "computes a number, it selects no element"),
        ("boolean(//div)", "computes a truth value"),
        ("string(//h1)", "computes a string"),
        ("//p/text()", "selects text or attributes, not elements"),
        ("//div/@class", "selects text or attributes, not elements"),
        ("//*[veille()]", "cannot run"),
        ("//div[", "is not a valid XPath expression"),
    ],
)
def test_a_prune_expression_that_selects_no_element_is_refused(tmp_path, expression, words):
    path = tmp_path / "sources.yaml"
    path.write_text(SOURCES.format(expression=f'"{expression}"'), encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_sources(path)
    assert caught.value.line == 9 and words in caught.value.problem, str(caught.value)
    assert "fix:" in str(caught.value)
    result = CliRunner().invoke(cli, ["--sources", str(path), "sources", "check", "--offline"])
    assert result.exit_code == 2 and f"{path}:9: prune_xpath" in result.output


def test_element_prune_expressions_are_accepted(tmp_path):
    path = tmp_path / "sources.yaml"
    path.write_text(SOURCES.format(expression="//aside | //p[@class='ad']/.."), encoding="utf-8")
    (source,) = load_sources(path).sources
    assert source.prune_xpath == ("//div[@class='promo']", "//aside | //p[@class='ad']/..")
    assert source.interval_minutes == 20


def test_an_unknown_key_in_defaults_is_refused_with_a_guess(tmp_path):
    path = tmp_path / "sources.yaml"
    text = SOURCES.format(expression="//aside").replace("interval_minutes: 20", "interval: 20")
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_sources(path)
    assert str(caught.value) == (
        f"{path}:2: unknown key 'interval' in defaults (fix: did you mean 'interval_minutes'? "
        "known keys: interval_minutes, timezone)"
    )


def _alias_bomb(levels: int) -> str:
    """Watchlists whose notes nest aliases nine times over, `levels` deep, and a watchlist whose
    terms are the deepest one: 9**levels strings once expanded."""
    lines = [
        "watchlists:",
        "  - name: w0",
        "    terms: [cloud]",
        f"    notes: &a0 [{'lol, ' * 8}lol]",
    ]
    for level in range(1, levels):
        lines += [
            f"  - name: w{level}",
            "    terms: [cloud]",
            f"    notes: &a{level} [{', '.join([f'*a{level - 1}'] * 9)}]",
        ]
    lines += ["  - name: bomb", f"    terms: *a{levels - 1}"]
    return "\n".join(lines) + "\n"


def test_a_yaml_alias_bomb_is_refused_before_it_is_expanded(tmp_path):
    path = tmp_path / "watchlists.yaml"
    path.write_text(_alias_bomb(7), encoding="utf-8")
    tracemalloc.start()
    try:
        result = CliRunner().invoke(cli, ["--watchlists", str(path), "rules", "check"])
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert result.exit_code == 2
    assert f"{path}:19: aliases (*name) expand this value to more than 100,000 values" in (
        result.output
    )
    assert peak < 20e6, peak  # 4.8 million strings never built nor printed


def test_an_alias_inside_its_own_value_is_refused(tmp_path):
    path = tmp_path / "watchlists.yaml"
    path.write_text("watchlists: &w\n  - name: x\n    terms: *w\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["--watchlists", str(path), "rules", "check"])
    assert result.exit_code == 2
    assert "an alias refers to the value that holds it" in result.output


def test_a_few_aliases_stay_welcome(tmp_path):
    path = tmp_path / "watchlists.yaml"
    path.write_text(
        "watchlists:\n"
        "  - name: a\n    terms: &common [cloud, datacenter]\n"
        "  - name: b\n    terms: *common\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(cli, ["--watchlists", str(path), "rules", "check"])
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize("file", ["sources", "watchlists"])
@pytest.mark.parametrize("code", ["fe", "xx", "ra"])
def test_a_language_code_no_language_has_is_refused(tmp_path, file, code):
    """Two letters that are no ISO 639-1 code ('fe' typed for 'fr', 'ra' for 'ar') were taken:
    a watchlist limited to them never matched anything, a source's never agreed with its
    articles, without a word."""
    path = tmp_path / f"{file}.yaml"
    if file == "sources":
        path.write_text(
            "sources:\n  - name: a\n    homepage: https://www.exemple.ma/\n"
            f"    feeds: [https://www.exemple.ma/feed]\n    languages: [ar, {code}]\n",
            encoding="utf-8",
        )
        command = ["--sources", str(path), "sources", "check", "--offline"]
    else:
        path.write_text(
            f"watchlists:\n  - name: a\n    terms: [cloud]\n    languages: [fr, {code}]\n",
            encoding="utf-8",
        )
        command = ["--watchlists", str(path), "rules", "check"]
    result = CliRunner().invoke(cli, command)
    assert result.exit_code == 2, result.output
    assert f"{path}:" in result.output and f"language {code!r} is no language code" in result.output


def test_every_language_the_identifier_names_in_two_letters_is_a_code():
    from crawler.core.yamlfile import LANGUAGE_CODES
    from crawler.extraction.extract import _LANGUAGE_IDENTIFIER

    two_letters = {c for c in _LANGUAGE_IDENTIFIER.nb_classes if len(c) == 2}
    assert two_letters <= LANGUAGE_CODES, sorted(two_letters - LANGUAGE_CODES)


@pytest.mark.parametrize("require", ["[]", "[[souverain], []]"])
def test_an_empty_required_group_is_refused(tmp_path, require):
    """An empty group of `require` (a list left empty while editing) can never be met: the
    watchlist loaded, said '1 required groups' and never matched anything again."""
    path = tmp_path / "watchlists.yaml"
    path.write_text(
        f"watchlists:\n  - name: a\n    terms: [cloud]\n    require: {require}\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(cli, ["--watchlists", str(path), "rules", "check"])
    assert result.exit_code == 2, result.output
    assert f"{path}:4: watchlist 'a' has an empty group in 'require'" in result.output


@pytest.mark.parametrize(
    ("where", "url"),
    [
        ("feeds", "https://lecteur:FeedPa55word@www.exemple.ma/feed"),
        ("sitemaps", "https://lecteur:FeedPa55word@www.exemple.ma/sitemap.xml"),
        ("homepage", "https://lecteur:FeedPa55word@www.exemple.ma/"),
    ],
)
def test_an_address_holding_a_login_is_refused_without_showing_it(tmp_path, where, url):
    """An entry point written with a user and password (https://user:pass@host/feed) was taken:
    no crawl could fetch it (Scrapy: invalid hostname), and its password showed in the crawl
    log, every crawl's warning and `veille status`'s last error."""
    lines = {"homepage": "https://www.exemple.ma/", "feeds": "[https://www.exemple.ma/feed]"}
    lines[where] = url if where == "homepage" else f"[{url}]"
    path = tmp_path / "sources.yaml"
    path.write_text(
        "sources:\n  - name: a\n"
        + "".join(f"    {key}: {value}\n" for key, value in lines.items()),
        encoding="utf-8",
    )
    result = CliRunner().invoke(cli, ["--sources", str(path), "sources", "check", "--offline"])
    assert result.exit_code == 2, result.output
    assert f"{path}:" in result.output and "user or password" in result.output, result.output
    assert "FeedPa55word" not in result.output


def _language_file(tmp_path, file, codes):
    """A sources or watchlists file whose one entry has `languages: [codes]`, and the command
    that checks it."""
    path = tmp_path / f"{file}.yaml"
    if file == "sources":
        path.write_text(
            "sources:\n  - name: a\n    homepage: https://www.exemple.ma/\n"
            f"    feeds: [https://www.exemple.ma/feed]\n    languages: [{codes}]\n",
            encoding="utf-8",
        )
        return path, ["--sources", str(path), "sources", "check", "--offline"]
    path.write_text(
        f"watchlists:\n  - name: a\n    terms: [cloud]\n    languages: [{codes}]\n",
        encoding="utf-8",
    )
    return path, ["--watchlists", str(path), "rules", "check"]


@pytest.mark.parametrize("file", ["sources", "watchlists"])
@pytest.mark.parametrize("codes", ["ar, ary", "kab", "zxx"])
def test_the_codes_the_language_identifier_names_are_languages(tmp_path, file, codes):
    """Articles may carry the identifier's codes that are not ISO 639-1 (Kabyle text is read as
    'kab', a text of no language 'zxx'): a Moroccan team's `ary` (Darija) or `kab` was refused
    as 'not a two-letter language code', so no watchlist could be limited to them."""
    path, command = _language_file(tmp_path, file, codes)
    result = CliRunner().invoke(cli, command)
    assert result.exit_code == 0, result.output


def test_a_watchlist_limited_to_darija_is_told_arabic_script_is_ar(tmp_path):
    """veille reads a text mostly in Arabic script as Arabic, Darija too: limited to 'ary', a
    watchlist would leave out nearly every Darija article, and `rules check` says so."""
    path, command = _language_file(tmp_path, "watchlists", "ary")
    result = CliRunner().invoke(cli, command)
    assert result.exit_code == 0, result.output
    assert "'ary' alone leaves out Darija written in Arabic script" in result.output
    assert "write [ar, ary], or [ar]" in result.output
    path, command = _language_file(tmp_path, "watchlists", "ar, ary")
    assert "ary" not in CliRunner().invoke(cli, command).output


@pytest.mark.parametrize("file", ["sources", "watchlists"])
@pytest.mark.parametrize(
    "code, words",
    [
        ("ar-MA", "is not a code articles carry (fix: write 'ar', without the region"),
        ("FR", "(fix: write 'fr', in lower case)"),
        ("ara", "(fix: write 'ar', the two-letter code (ISO 639-1))"),
        ("zgh", "is an Amazigh language the language identifier does not name"),
        ("xyz", "is not a code articles carry (fix: write two-letter codes"),
    ],
)
def test_a_language_code_articles_never_carry_says_the_one_to_write(tmp_path, file, code, words):
    """A page's tag with its region (ar-MA), a three-letter code of ISO 639-2 (ara), an Amazigh
    language the identifier does not name: each was 'not a two-letter language code', with a
    list of other codes as its fix."""
    path, command = _language_file(tmp_path, file, code)
    result = CliRunner().invoke(cli, command)
    assert result.exit_code == 2, result.output
    assert f"{path}:" in result.output and f"language {code!r} " in result.output
    assert words in result.output, result.output


def test_the_identifiers_other_codes_are_known():
    from crawler.core.yamlfile import IDENTIFIER_CODES
    from crawler.extraction.extract import _LANGUAGE_IDENTIFIER

    assert {c for c in _LANGUAGE_IDENTIFIER.nb_classes if len(c) != 2} == IDENTIFIER_CODES


@pytest.mark.parametrize("file", ["sources", "watchlists"])
@pytest.mark.parametrize(
    "text, words",
    [
        (
            "watchlists:\n  - name: a\n    terms: [cloud\x00]\n",
            ":3:18: invalid YAML: the character #x0000 is not allowed in YAML",
        ),
        (
            "sources:\n  - name: a\x1b[0m\n",
            ":2:12: invalid YAML: the character #x001b is not allowed in YAML",
        ),
        ("watchlists: " + "[" * 1000 + "]" * 1000 + "\n", "nested too deep to read"),
    ],
    ids=["nul", "escape", "deep"],
)
def test_a_file_yaml_cannot_read_is_said_not_a_traceback(tmp_path, file, text, words):
    """A NUL or a terminal's escape pasted into a value (PyYAML's ReaderError), lists nested
    thousands deep (RecursionError): each was a traceback out of `rules check`, `sources
    check` and the daemon's start and reload."""
    path = tmp_path / f"{file}.yaml"
    path.write_text(text, encoding="utf-8")
    option = "--sources" if file == "sources" else "--watchlists"
    command = "sources check --offline" if file == "sources" else "rules check"
    result = CliRunner().invoke(cli, [option, str(path), *command.split()])
    assert result.exit_code == 2, result.output
    assert f"error: {path}" in result.output and words in result.output, result.output


def test_a_yes_in_a_list_of_words_says_to_quote_it(tmp_path):
    path = tmp_path / "watchlists.yaml"
    path.write_text("watchlists:\n  - name: a\n    terms: [cloud, on]\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["--watchlists", str(path), "rules", "check"])
    assert result.exit_code == 2, result.output
    assert "got True (fix: quote it ('on', '2026'): YAML reads yes, no, on, off" in result.output


@pytest.mark.parametrize(
    "file, text, words",
    [
        ("sources", "sources:\n  - name: on\n    homepage: https://a.ma/\n", "source name True"),
        ("watchlists", "watchlists:\n  - name: no\n    terms: [x]\n", "watchlist name False"),
        (
            "watchlists",
            "entities:\n  - id: 2026\n    aliases: [x]\nwatchlists:\n  - name: a\n    terms: [x]\n",
            "entity id 2026",
        ),
    ],
)
def test_a_name_yaml_reads_as_another_value_says_to_quote_it(tmp_path, file, text, words):
    """`name: on` is True to YAML: « source name True is missing or invalid » came with the fix
    to use lowercase letters, which 'on' is."""
    path = tmp_path / f"{file}.yaml"
    path.write_text(text, encoding="utf-8")
    option = "--sources" if file == "sources" else "--watchlists"
    command = "sources check --offline" if file == "sources" else "rules check"
    result = CliRunner().invoke(cli, [option, str(path), *command.split()])
    assert result.exit_code == 2, result.output
    assert f"{words} is missing or invalid (fix: quote it ('on', '2026')" in result.output


@pytest.mark.parametrize(
    "name, text, words",
    [
        (
            "apprise.yml",
            "urls:\n  - json://127.0.0.1:9/hook\n  - slack://notvalid\n",
            "Could not load Apprise YAML configuration entry #2",
        ),
        (
            "apprise.txt",
            "json://127.0.0.1:9/hook\nslack://notvalid\n",
            "Could not load URL slack://notvalid on line 2",
        ),
        ("apprise.txt", "json://127.0.0.1:9/hook\nbogus line\n", "Unparseable tag assignment"),
    ],
)
def test_a_channels_apprise_file_with_an_entry_apprise_drops_is_refused(
    tmp_path, name, text, words
):
    """apprise loads the entries of a configuration file it can and logs the others: the
    channel was valid ('rules check' exit 0) and the daemon started sending to part of its
    targets, the rest never reached, a log line of apprise's at start the only trace."""
    (tmp_path / name).write_text(text, encoding="utf-8")
    path = tmp_path / "watchlists.yaml"
    path.write_text(
        f"channels:\n  team:\n    config: {name}\nwatchlists:\n  - name: a\n    terms: [x]\n"
        "    notify: [team]\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(cli, ["--watchlists", str(path), "rules", "check"])
    assert result.exit_code == 2, result.output
    assert f"{path}:3: channel 'team': apprise could not load every entry of" in result.output
    assert words in result.output, result.output
    (tmp_path / name).write_text(text.split("\n")[0] + "\n", encoding="utf-8")
    if name.endswith(".yml"):
        (tmp_path / name).write_text("urls:\n  - json://127.0.0.1:9/hook\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["--watchlists", str(path), "rules", "check"])
    assert result.exit_code == 0, result.output


def test_a_channels_apprise_file_yaml_cannot_read_is_said_not_a_traceback(tmp_path):
    """A control character in a channel's apprise YAML file: apprise let PyYAML's ReaderError
    out, a traceback from rules check and the daemon's start."""
    (tmp_path / "apprise.yml").write_bytes(b"urls:\n  - json://127.0.0.1:9/hook\x00\n")
    path = tmp_path / "watchlists.yaml"
    path.write_text(
        "channels:\n  team:\n    config: apprise.yml\nwatchlists:\n  - name: a\n    terms: [x]\n"
        "    notify: [team]\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(cli, ["--watchlists", str(path), "rules", "check"])
    assert result.exit_code == 2, result.output
    assert f"{path}:3: channel 'team': apprise cannot read" in result.output
    assert "unacceptable character #x0000" in result.output


@pytest.mark.parametrize("hours", ["22:00-22:00", "00:00-00:00"])
def test_quiet_hours_that_end_when_they_begin_are_refused(tmp_path, hours):
    """'22:00-22:00' was taken, and no time was quiet: whoever wrote '00:00-00:00' to keep a
    watchlist quiet all day got every alert at once, without a word."""
    path = tmp_path / "watchlists.yaml"
    path.write_text(
        f"watchlists:\n  - name: a\n    terms: [x]\n    quiet_hours: '{hours}'\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(cli, ["--watchlists", str(path), "rules", "check"])
    assert result.exit_code == 2, result.output
    assert f"{path}:4: quiet_hours '{hours}' ends when it begins: no time is quiet" in (
        result.output
    )


@pytest.mark.parametrize("where", ["homepage", "feeds"])
def test_a_variable_in_a_sources_address_is_refused_with_its_line(tmp_path, where):
    """A ${VAR} in a source's address (a paywalled feed's ?token=${FEED_TOKEN}) was taken as
    written, as the sources file takes no ${VAR} where the watchlists file's channels do: the
    check said the file was valid and every crawl fetched « …?token=${FEED_TOKEN} », refused
    by the site, without a word of why."""
    url = "https://www.exemple.ma/feed?token=${FEED_TOKEN}"
    lines = {"homepage": "https://www.exemple.ma/", "feeds": "[https://www.exemple.ma/feed]"}
    lines[where] = f'"{url}"' if where == "homepage" else f'["{url}"]'
    path = tmp_path / "sources.yaml"
    path.write_text(
        "sources:\n  - name: a\n"
        + "".join(f"    {key}: {value}\n" for key, value in lines.items()),
        encoding="utf-8",
    )
    result = CliRunner().invoke(cli, ["--sources", str(path), "sources", "check", "--offline"])
    assert result.exit_code == 2, result.output
    line = 3 if where == "homepage" else 4
    assert f"{path}:{line}: " in result.output, result.output
    assert "holds ${FEED_TOKEN}: the sources file takes no ${VAR}" in result.output
    assert "fix: write the address itself" in result.output


def test_a_channels_apprise_file_others_may_read_is_warned_of(tmp_path):
    """A channel's apprise configuration file holds its tokens as the secrets file does: one of
    mode 644 gave them to every user of the machine without a word. It is warned of, with the
    chmod to run, as the secrets file is; one of mode 600 is not."""
    config = tmp_path / "apprise.yml"
    config.write_text("urls:\n  - json://127.0.0.1:9/hook\n", encoding="utf-8")
    path = tmp_path / "watchlists.yaml"
    path.write_text(
        "channels:\n  team:\n    config: apprise.yml\nwatchlists:\n  - name: a\n    terms: [x]\n"
        "    notify: [team]\n",
        encoding="utf-8",
    )
    config.chmod(0o644)
    result = CliRunner().invoke(cli, ["--watchlists", str(path), "rules", "check"])
    assert result.exit_code == 0, result.output
    assert (
        f"channel 'team': apprise configuration file {config} is open to other users (mode 644)"
        f", who may read its passwords and tokens: run `chmod 600 {config}`"
    ) in result.output
    config.chmod(0o600)
    result = CliRunner().invoke(cli, ["--watchlists", str(path), "rules", "check"])
    assert result.exit_code == 0 and "is open to" not in result.output, result.output


@pytest.mark.parametrize(
    ("url", "secret"),
    [
        (
            "mailto://veille:Sup3rPass@127.0.0.1:2525?from=veille@example.ma&to=a@example.ma",
            "Sup3rPass",
        ),
        ("json://127.0.0.1:9/hooks/Q9wErTy7uIoP3aSd", "Q9wErTy7uIoP3aSd"),
    ],
)
def test_a_watchlists_file_with_a_secret_in_a_channel_others_may_read_is_warned_of(
    tmp_path, url, secret
):
    """A channel's URL may hold its password or token as written (mailto://user:pass@…, a
    webhook's token in its path): a watchlists file of mode 644 then gave them to every user of
    the machine without a word, where the secrets file and an apprise file are warned of. The
    warning names the file and the chmod to run, never the secret; a file whose channels take
    their secrets from ${VAR} is not warned of whatever its mode, nor one of mode 600."""
    path = tmp_path / "watchlists.yaml"
    path.write_text(
        f"channels:\n  team: {{url: '{url}'}}\nwatchlists:\n  - name: a\n    terms: [x]\n"
        "    notify: [team]\n",
        encoding="utf-8",
    )
    path.chmod(0o644)
    result = CliRunner().invoke(cli, ["--watchlists", str(path), "rules", "check"])
    assert result.exit_code == 0, result.output
    assert (
        f"channel 'team' writes a password or token in its URL, and the watchlists file {path} "
        f"is open to other users (mode 644), who may read its passwords and tokens: run "
        f"`chmod 600 {path}` (or write it as ${{VAR}} with its value in the secrets file)"
    ) in result.output
    assert secret not in result.output
    path.chmod(0o600)
    result = CliRunner().invoke(cli, ["--watchlists", str(path), "rules", "check"])
    assert result.exit_code == 0 and "is open to" not in result.output, result.output
    path.write_text(path.read_text(encoding="utf-8").replace(secret, "${TEAM_SECRET}"))
    path.chmod(0o664)
    result = CliRunner().invoke(
        cli, ["--watchlists", str(path), "rules", "check"], env={"TEAM_SECRET": secret}
    )
    assert result.exit_code == 0 and "is open to" not in result.output, result.output


def test_a_watchlists_file_writing_a_secrets_value_as_an_address_is_not_warned_of(tmp_path):
    """A channel that takes its user, password and host from ${VAR} and writes an address that
    holds the same words (the SMTP user « veille » and a from=veille@…; another channel writing
    the host a ${VAR} gives the first) writes no password or token: it is not warned of as one
    whatever its mode, where it was told to write as ${VAR} what it already does."""
    path = tmp_path / "watchlists.yaml"
    path.write_text(
        "channels:\n"
        "  team: {url: 'mailto://${SMTP_USER}:${SMTP_PASSWORD}@${SMTP_HOST}"
        "?from=veille@example.ma&to=team@example.ma'}\n"
        "  direction: {url: 'mailto://${SMTP_USER}:${SMTP_PASSWORD}@relay.example.ma"
        "?from=veille@example.ma&to=direction@example.ma'}\n"
        "watchlists:\n  - name: a\n    terms: [x]\n    notify: [team, direction]\n",
        encoding="utf-8",
    )
    path.chmod(0o644)
    env = {"SMTP_USER": "veille", "SMTP_PASSWORD": "Kt8-long-pass", "SMTP_HOST": "relay.example.ma"}
    result = CliRunner().invoke(cli, ["--watchlists", str(path), "rules", "check"], env=env)
    assert result.exit_code == 0, result.output
    assert "is open to" not in result.output, result.output
    # The same file with a password written in it is warned of.
    path.write_text(path.read_text(encoding="utf-8").replace("${SMTP_PASSWORD}", "Wr1tten-pass"))
    result = CliRunner().invoke(cli, ["--watchlists", str(path), "rules", "check"], env=env)
    assert result.exit_code == 0, result.output
    assert "channel 'team' writes a password or token in its URL" in result.output


def test_a_password_the_secrets_give_written_in_the_file_too_is_warned_of(tmp_path):
    """A channel that writes in the file the very password the secrets give another channel
    (one channel moved to ${SMTP_PASSWORD}, one left as it was) holds that password where its
    group or other users may read it: warned of, as a password no ${VAR} gives is. A value
    given by ${VAR} counted as never written, wherever the file wrote it."""
    path = tmp_path / "watchlists.yaml"
    path.write_text(
        "channels:\n"
        "  team: {url: 'mailto://veille:${SMTP_PASSWORD}@relay.example.ma"
        "?from=veille@example.ma&to=team@example.ma'}\n"
        "  direction: {url: 'mailto://veille:Kt8-long-pass@relay.example.ma"
        "?from=veille@example.ma&to=direction@example.ma'}\n"
        "watchlists:\n  - name: a\n    terms: [x]\n    notify: [team, direction]\n",
        encoding="utf-8",
    )
    path.chmod(0o644)
    env = {"SMTP_PASSWORD": "Kt8-long-pass"}
    result = CliRunner().invoke(cli, ["--watchlists", str(path), "rules", "check"], env=env)
    assert result.exit_code == 0, result.output
    assert "channel 'direction' writes a password or token in its URL" in result.output
    assert "channel 'team' writes" not in result.output
    assert "Kt8-long-pass" not in result.output


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("https://[::1/feed", "is not a valid URL (Invalid IPv6 URL)"),
        ("https://www.exemple.ma:99999/feed", "is not a valid URL (Port out of range 0-65535)"),
        ("https://exa mple.ma/feed", "has a space in its host name"),
        ("https://lecteur:FeedPa55word@[::1/feed", "'https://***@[::1/feed' is not a valid URL"),
    ],
)
def test_an_address_no_crawl_could_fetch_is_refused_with_its_line(tmp_path, url, words):
    """An unclosed '[' in an address was a traceback (ValueError: Invalid IPv6 URL) from
    sources check, rules check and the daemon's start; a port past 65535 or a space in the host
    name passed the check, and every crawl of the source failed."""
    path = tmp_path / "sources.yaml"
    path.write_text(
        f'sources:\n  - name: a\n    homepage: https://www.exemple.ma/\n    feeds: ["{url}"]\n',
        encoding="utf-8",
    )
    result = CliRunner().invoke(cli, ["--sources", str(path), "sources", "check", "--offline"])
    assert result.exit_code == 2, result.output
    assert f"{path}:4: feed " in result.output and words in result.output, result.output
    assert "Traceback" not in result.output and "FeedPa55word" not in result.output


@pytest.mark.parametrize("option", ["--sources", "--watchlists"])
def test_a_file_too_large_to_be_a_configuration_file_is_refused_before_it_is_read(tmp_path, option):
    """A log given for the watchlists file (74 MB of lines) was parsed whole before being said
    not to be one: two minutes and 1.2 GB; a device (/dev/zero) was read until memory ran out."""
    log = tmp_path / "veille.log"
    line = "2026-12-06 10:00:00,000 INFO crawler.fetching: crawl done\n"
    log.write_text(line * (17_000_000 // len(line) + 1), encoding="utf-8")
    command = ["sources", "check"] if option == "--sources" else ["rules", "check"]
    result = CliRunner().invoke(cli, [option, str(log), *command])
    assert result.exit_code == 2, result.output
    assert f"{log}: is 17 MB, too large to be a sources or watchlists file" in result.output
    assert "check that it is the right file, not a log or a data file" in result.output
    result = CliRunner().invoke(cli, [option, "/dev/zero", *command])
    assert result.exit_code == 2, result.output
    assert "/dev/zero: is a device, not a file" in result.output


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("mailtos://veille:Pe0pleMailPw@smtp.example.ma:99999?from=v@example.ma", "port 99999"),
        ("mailtos://veille:Pe0pleMailPw@", "not a valid apprise URL (scheme 'mailtos')"),
    ],
)
def test_a_people_mail_url_apprise_cannot_use_is_refused_at_the_start(tmp_path, url, words):
    """VEILLE_PEOPLE_MAIL was checked for its scheme only: one with no host or a port past
    65535 started the daemon, and every person's alert then failed, said only in each
    delivery's stored reason. It is refused as a channel's URL is, its password unsaid."""
    path = tmp_path / "watchlists.yaml"
    path.write_text("watchlists:\n  - name: a\n    terms: [x]\n", encoding="utf-8")
    check = ["--watchlists", str(path), "rules", "check"]
    result = CliRunner().invoke(cli, check, env={"VEILLE_PEOPLE_MAIL": url})
    assert result.exit_code == 2, result.output
    assert 'VEILLE_PEOPLE_MAIL: channel "people\'s mail": ' in result.output
    assert words in result.output and "Pe0pleMailPw" not in result.output
    good = "mailtos://veille:Pe0pleMailPw@smtp.example.ma?from=v@example.ma"
    result = CliRunner().invoke(cli, check, env={"VEILLE_PEOPLE_MAIL": good})
    assert result.exit_code == 0, result.output

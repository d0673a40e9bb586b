"""Logs: JSON lines keep their tracebacks, and secrets stay out of both."""

from __future__ import annotations

import io
import json
import logging
import urllib.parse

import apprise
import pytest
from apprise.plugins.pushover import NotifyPushover
from apprise.plugins.telegram import NotifyTelegram

from crawler.core.errors import ConfigError
from crawler.core.secrets import RedactingFilter, redact, remember_secret
from monitors.cli import LOG_FORMAT, JsonFormatter
from monitors.service.watchlists import load_watchlists


def _log_exception(formatter: logging.Formatter) -> str:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(formatter)
    handler.addFilter(RedactingFilter())
    logger = logging.getLogger("veille-test-logging")
    logger.handlers[:] = [handler]
    logger.propagate = False
    try:
        raise RuntimeError("SMTP login failed for s3cr3t-P4ss")
    except RuntimeError:
        logger.exception("delivery failed with password s3cr3t-P4ss")
    return stream.getvalue()


def test_json_logs_keep_the_traceback_when_a_secret_is_configured():
    remember_secret("s3cr3t-P4ss")
    entry = json.loads(_log_exception(JsonFormatter()))
    assert "Traceback (most recent call last)" in entry["exception"]
    assert "RuntimeError" in entry["exception"]
    assert "s3cr3t-P4ss" not in json.dumps(entry)
    text = _log_exception(logging.Formatter(LOG_FORMAT))
    assert "Traceback" in text and "s3cr3t-P4ss" not in text


@pytest.mark.parametrize(
    ("url", "secrets"),
    [
        # A Telegram bot token is the URL's host: apprise's debug log writes the address it
        # posts to, https://api.telegram.org/bot<token>/sendMessage, and the socket error
        # quoting it.
        (
            "tgram://123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw/-1001234567",
            ["AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"],
        ),
        # A Pushover application token is the host, the user key the user part: apprise's
        # debug log writes the payload holding both.
        (
            "pover://uQiRzpo4DXghDmr9QzzfQu27cmVRsG@azGDORePK8gMaC0QOYAMyEEuzJnyUi",
            ["azGDORePK8gMaC0QOYAMyEEuzJnyUi", "uQiRzpo4DXghDmr9QzzfQu27cmVRsG"],
        ),
    ],
)
def test_a_token_that_is_an_inline_channel_urls_host_never_reaches_the_log(
    tmp_path, caplog, monkeypatch, url, secrets, closed_port
):
    """Only a URL's password and its long path and query words were taken for secrets: a
    token written as the host (Telegram, Pushover) was shown in veille's log at --log-level
    DEBUG whenever the channel sent, and in every failure's debug lines."""
    closed = f"http://127.0.0.1:{closed_port}"  # nothing listens: a connection error
    monkeypatch.setattr(NotifyTelegram, "notify_url", f"{closed}/bot")
    monkeypatch.setattr(NotifyPushover, "notify_url", f"{closed}/1/messages.json")
    path = tmp_path / "watchlists.yaml"
    path.write_text(
        f'channels:\n  c:\n    url: "{url}"\nwatchlists:\n  - name: x\n    terms: [a]\n'
        "    notify: [c]\n",
        encoding="utf-8",
    )
    delivery = load_watchlists(path).delivery
    plugin = apprise.Apprise.instantiate(delivery.channels["c"].url)
    plugin.request_rate_per_sec = 0
    target = apprise.Apprise()
    target.add(plugin)
    with caplog.at_level(logging.DEBUG):
        assert not target.notify(body="corps", title="titre")
    assert "127.0.0.1" in caplog.text  # the failure is logged, where it went readable
    for secret in secrets:
        assert secret not in caplog.text, caplog.text


def test_a_token_in_an_apprise_configuration_file_never_reaches_the_log(
    tmp_path, caplog, monkeypatch, closed_port
):
    """A channel given as an apprise configuration file (`config:`): its URLs' secrets were
    never taken for secrets at all, so a Telegram bot token showed in veille's log at
    --log-level DEBUG whenever the channel sent."""
    token = "AAGconfigFileOnly7Tq2WJxfSeofSAs0K"  # remembered by no other test
    monkeypatch.setattr(NotifyTelegram, "notify_url", f"http://127.0.0.1:{closed_port}/bot")
    (tmp_path / "apprise.yml").write_text(
        f"urls:\n  - tgram://123456789:{token}/-1001234567\n", encoding="utf-8"
    )
    path = tmp_path / "watchlists.yaml"
    path.write_text(
        "channels:\n  c:\n    config: apprise.yml\nwatchlists:\n  - name: x\n    terms: [a]\n"
        "    notify: [c]\n",
        encoding="utf-8",
    )
    delivery = load_watchlists(path).delivery
    config = apprise.AppriseConfig()
    config.add(delivery.channels["c"].config)
    target = apprise.Apprise()
    target.add(config)
    with caplog.at_level(logging.DEBUG):
        assert not target.notify(body="corps", title="titre")
    assert "127.0.0.1" in caplog.text
    assert token not in caplog.text, caplog.text


def _load_channel(tmp_path, url):
    path = tmp_path / "watchlists.yaml"
    path.write_text(
        f'channels:\n  c:\n    url: "{url}"\nwatchlists:\n  - name: x\n    terms: [a]\n'
        "    notify: [c]\n",
        encoding="utf-8",
    )
    assert load_watchlists(path).delivery.channels["c"].url


@pytest.mark.parametrize(
    ("url", "secrets"),
    [
        # Tokens with a dot (Pushbullet o.…, SendGrid SG.…) were never masked: the host and
        # user words with a dot were taken for host names.
        ("pbul://o.gn5kj6nfhv736I7jC3cj3QLRiyhgl98q", ["o.gn5kj6nfhv736I7jC3cj3QLRiyhgl98q"]),
        (
            "sendgrid://SG.aBcDeFgHiJkLq.mNoPqRsTuVwXyZ0123456789q:noreply@example.com/"
            "to@example.com",
            ["SG.aBcDeFgHiJkLq.mNoPqRsTuVwXyZ0123456789q"],
        ),
        # A Slack webhook's first two tokens and a Discord webhook's id are under 12 characters:
        # apprise's debug log writes the address it posts to, hooks.slack.com/services/T…/B…/…
        (
            "slack://T1JJ3T3LQ/B1BRTD4JQ/TIiajkdnlazkcOXrIdevi7FQ",
            ["T1JJ3T3LQ", "B1BRTD4JQ", "TIiajkdnlazkcOXrIdevi7FQ"],
        ),
        (
            "discord://4174216299/JHMHI8qBe7bk2ZwO5U711o3dV_jq",
            ["4174216299", "JHMHI8qBe7bk2ZwO5U711o3dV_jq"],
        ),
        # A password written percent-encoded is sent, and may be shown, decoded.
        ("mailtos://veille:pa%2Fss.w0rdQ@smtp.example.ma?to=a@example.ma", ["pa/ss.w0rdQ"]),
        # A token apprise writes as the user part, and the words of a generic webhook's path
        # and query that look like a token.
        ("ntfys://tk_q1w2e3r4t5y6u7i8o9p0@ntfy.sh/alerts", ["tk_q1w2e3r4t5y6u7i8o9p0"]),
        (
            "json://hooks.example.ma/hooks/9f8e7d6c5b4a3928170q?-token=abcdEFGH1234ijkq",
            ["9f8e7d6c5b4a3928170q", "abcdEFGH1234ijkq"],
        ),
        (
            "tgram://123456780:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaq/-1001234567",
            ["AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaq"],
        ),
    ],
)
def test_every_token_apprise_keeps_in_a_channel_url_is_masked(tmp_path, url, secrets):
    """The tokens of every shape of apprise URL are those apprise itself hides when it writes
    the URL for people to read, wherever its plugin keeps them."""
    _load_channel(tmp_path, url)
    line = redact(f"sending to {url} failed: {' '.join(secrets)}")
    for secret in secrets:
        assert secret not in line, line


def test_host_names_addresses_and_words_of_a_channel_url_stay_readable(tmp_path):
    """Every path and query word of 12 characters or more and every host word with a digit were
    taken for secrets: log lines showed *** for the relay's name, a recipient and a webhook's
    ordinary path words, where the team looks for which channel failed."""
    _load_channel(
        tmp_path,
        "mailtos://veille:Sup3rS3cretQ@smtp-relay-07.example.ma?from=veille@example.ma"
        "&to=redactionvigilance@example.ma",
    )
    _load_channel(tmp_path, "json://hooks.example.ma/api/communications/deliverystatus")
    line = (
        "delivery to redactionvigilance@example.ma through smtp-relay-07.example.ma "
        "(api/communications/deliverystatus) failed"
    )
    assert redact(line) == line
    assert redact("login Sup3rS3cretQ refused") == "login *** refused"


def test_a_percent_encoded_token_of_a_generic_webhook_never_reaches_the_log(
    tmp_path, caplog, closed_port
):
    """A token of a generic webhook's header or query holding '/', '+' or '=' (base64) is
    written percent-encoded in the URL: it was remembered decoded only, and apprise's debug log,
    which writes the URL it loaded with the header encoded, showed it whole."""
    token = "Hx/q8W+7e6R5t4Y3u2z="  # remembered by no other test
    written = urllib.parse.quote(token, safe="")
    url = f"json://127.0.0.1:{closed_port}/hooks?+X-Token={written}"
    path = tmp_path / "watchlists.yaml"
    path.write_text(
        f'channels:\n  c:\n    url: "{url}"\nwatchlists:\n  - name: x\n    terms: [a]\n'
        "    notify: [c]\n",
        encoding="utf-8",
    )
    delivery = load_watchlists(path).delivery
    with caplog.at_level(logging.DEBUG):  # nothing listens: a connection error
        plugin = apprise.Apprise.instantiate(delivery.channels["c"].url)
        plugin.request_rate_per_sec = 0
        target = apprise.Apprise()
        target.add(plugin)
        assert not target.notify(body="corps", title="titre")
    assert "127.0.0.1" in caplog.text and "X-Token" in caplog.text
    assert token not in caplog.text and written not in caplog.text, caplog.text


def test_the_tokens_of_an_apprise_configuration_file_are_masked_while_apprise_reads_it(
    tmp_path, caplog
):
    """apprise logs while it reads a channel's configuration file: each URL it loads (at DEBUG)
    and the token of one it refuses (at WARNING: An invalid Slack (third) Token (…)). The
    file's secrets were taken only from the URLs loaded, after the reading, so both lines
    showed their tokens. The file is refused for the entry apprise leaves out, its words
    masked too."""
    refused, loaded = "xoxq-CfgRefus3dT0ken", "Cfg9Token55bbq"
    (tmp_path / "apprise.yml").write_text(
        f"urls:\n  - slack://T1/B2/{refused}\n  - json://hooks.example.ma/hooks/{loaded}\n",
        encoding="utf-8",
    )
    path = tmp_path / "watchlists.yaml"
    path.write_text(
        "channels:\n  c:\n    config: apprise.yml\nwatchlists:\n  - name: x\n    terms: [a]\n"
        "    notify: [c]\n",
        encoding="utf-8",
    )
    with caplog.at_level(logging.DEBUG), pytest.raises(ConfigError) as error:
        load_watchlists(path)
    said = str(error.value)
    assert "apprise could not load every entry" in said and "hooks.example.ma" in caplog.text
    for token in (refused, loaded):
        assert token not in caplog.text and token not in said, (caplog.text, said)


def test_the_words_apprise_hides_with_a_channels_keys_stay_readable(tmp_path):
    """apprise hides a PagerDuty channel's source and component (« veille », « cron », or its
    own « Apprise » and « Notification ») and an SMSC channel's login along with their keys:
    taken for secrets with them, these words were masked in every log line (« /var/lib/***/ »,
    « *** sent »). The keys and the passwords, words or not, stay masked."""
    keys = ("Pd7kQ2xW9mZ4vB8n", "Pa3sX6cV1bN5mQ0w")  # remembered by no other test
    _load_channel(tmp_path, f"pagerduty://{keys[0]}@{keys[1]}/veille/cron")
    _load_channel(tmp_path, f"pagerduty://{keys[0]}@{keys[1]}")
    _load_channel(tmp_path, "smsc://veille:Sm5cPassw0rdQ@15551234567")
    # a password of one word, given as an argument or as the user part (Twist's)
    _load_channel(tmp_path, "mailtos://smtp.example.ma?user=veille&pass=motdepasseqz&to=a@b.ma")
    _load_channel(tmp_path, "twist://motdepassetw:amina@example.ma")
    line = "veille: Apprise Notification sent (cron), database /var/lib/veille/veille.db"
    assert redact(line) == line
    assert redact(f"keys {keys[0]} {keys[1]} Sm5cPassw0rdQ") == "keys *** *** ***"
    assert redact("login veille:motdepasseqz refused") == "login veille:*** refused"
    assert redact("login motdepassetw refused") == "login *** refused"


def test_a_token_given_as_an_argument_in_an_apprise_configuration_file_is_masked(tmp_path, caplog):
    """An apprise YAML file may give a URL's arguments under it (a generic webhook's header,
    `- +X-Token: …`): apprise writes them in the URL it logs as it reads the file, and only its
    URLs were read for secrets beforehand, so that line showed the token."""
    token = "Yx7q8W3e6R5t4Y3u2zArg"  # remembered by no other test
    (tmp_path / "apprise.yml").write_text(
        f"urls:\n  - json://hooks.example.ma/hooks:\n    - +X-Token: {token}\n", encoding="utf-8"
    )
    path = tmp_path / "watchlists.yaml"
    path.write_text(
        "channels:\n  c:\n    config: apprise.yml\nwatchlists:\n  - name: x\n    terms: [a]\n"
        "    notify: [c]\n",
        encoding="utf-8",
    )
    with caplog.at_level(logging.DEBUG):
        load_watchlists(path)
    assert "X-Token" in caplog.text and "hooks.example.ma" in caplog.text
    assert token not in caplog.text, caplog.text


def test_a_token_of_letters_alone_of_a_generic_webhook_never_reaches_the_log(
    tmp_path, caplog, closed_port
):
    """A generic webhook's token of letters alone (a random token of 24 letters has no digit
    once in 70) was not taken for one: apprise's debug log (Loaded JSON URL, JSON POST URL) and
    its socket error, which a delivery's stored reason carries, showed it whole."""
    in_path, in_query, in_header = (
        "QwErTyUiOpAsDfGhJkLzXcVb",
        "MnBvCxZlKjHgFdSaPoIuYtRe",
        "ZxCvBnMaSdFgHjKlQwErTyUi",
    )  # remembered by no other test
    url = (
        f"json://127.0.0.1:{closed_port}/hooks/{in_path}?-token={in_query}"
        f"&+Authorization=Bearer%20{in_header}"
    )
    path = tmp_path / "watchlists.yaml"
    path.write_text(
        f'channels:\n  c:\n    url: "{url}"\nwatchlists:\n  - name: x\n    terms: [a]\n'
        "    notify: [c]\n",
        encoding="utf-8",
    )
    delivery = load_watchlists(path).delivery
    with caplog.at_level(logging.DEBUG):  # nothing listens: a connection error
        plugin = apprise.Apprise.instantiate(delivery.channels["c"].url)
        plugin.request_rate_per_sec = 0
        target = apprise.Apprise()
        target.add(plugin)
        assert not target.notify(body="corps", title="titre")
    assert "/hooks/" in caplog.text and "Authorization" in caplog.text
    for token in (in_path, in_query, in_header):
        assert token not in caplog.text, caplog.text
    words = "hooks notifications deliverystatus Notifications"
    assert redact(words) == words


def test_a_short_secret_of_a_webhooks_path_never_reaches_the_log(tmp_path, caplog, closed_port):
    """A ${VAR} of three characters in a generic webhook's path was never taken for a secret
    (shorter than four): apprise's debug log (Loaded JSON URL, JSON POST URL) and its socket
    error, which a delivery's stored reason carries, showed it whole. It is masked where it
    stands alone, and stays readable inside a longer word."""
    path = tmp_path / "watchlists.yaml"
    path.write_text(
        f'channels:\n  c:\n    url: "json://127.0.0.1:{closed_port}/hooks/${{HOOK}}"\n'
        "watchlists:\n  - name: x\n    terms: [a]\n    notify: [c]\n",
        encoding="utf-8",
    )
    delivery = load_watchlists(path, {"HOOK": "q7J"}).delivery  # remembered by no other test
    with caplog.at_level(logging.DEBUG):  # nothing listens: a connection error
        plugin = apprise.Apprise.instantiate(delivery.channels["c"].url)
        plugin.request_rate_per_sec = 0
        target = apprise.Apprise()
        target.add(plugin)
        assert not target.notify(body="corps", title="titre")
    assert "/hooks/***" in caplog.text and "Socket Exception" in caplog.text, caplog.text
    assert "q7J" not in caplog.text, caplog.text
    assert redact("q7Jab ab_q7J q7J9 /q7J?") == "q7Jab ab_q7J q7J9 /***?"


def test_a_mail_login_a_variable_gives_stays_readable_in_the_log(tmp_path, monkeypatch):
    """An SMTP login taken from ${VAR} (« veille », on a relay of one's own) was remembered as a
    secret: every « veille » of the log was masked (« /var/lib/***/***.db »). apprise shows a
    mail login in the URL it writes for people: the login is readable, the password masked, as
    is a login written as ?user= and a password that is the login too. A port from ${VAR}
    (« 587 », a secret of three characters) hid every 587 of the log."""
    monkeypatch.setenv("F16_SMTP_USER", "veille")
    monkeypatch.setenv("F16_SMTP_PASSWORD", "Hq8pass-word-Z")
    _load_channel(
        tmp_path,
        "mailtos://${F16_SMTP_USER}:${F16_SMTP_PASSWORD}@smtp.example.ma"
        "?from=veille@example.ma&to=a@example.ma",
    )
    line = "database /var/lib/veille/veille.db, login veille refused (Hq8pass-word-Z)"
    assert redact(line) == "database /var/lib/veille/veille.db, login veille refused (***)"
    monkeypatch.setenv("F16_ARG_USER", "alertes-rabat")
    _load_channel(
        tmp_path,
        "mailtos://smtp.example.ma?user=${F16_ARG_USER}&pass=${F16_SMTP_PASSWORD}&to=a@b.ma",
    )
    assert redact("login alertes-rabat") == "login alertes-rabat"
    monkeypatch.setenv("F16_SMTP_PORT", "587")  # three characters, masked where alone
    _load_channel(
        tmp_path,
        "mailtos://veille:${F16_SMTP_PASSWORD}@smtp.example.ma:${F16_SMTP_PORT}?to=a@b.ma",
    )
    assert redact("587 articles, port 587") == "587 articles, port 587"
    # a provider's login that is a key (Mailjet's API key, an SES access key id) stays masked
    monkeypatch.setenv("F16_KEY_LOGIN", "AKIAQ7XB3M4ZK2PLW9RT")
    _load_channel(
        tmp_path, "mailtos://${F16_KEY_LOGIN}:${F16_SMTP_PASSWORD}@email-smtp.example.ma?to=a@b.ma"
    )
    assert redact("login AKIAQ7XB3M4ZK2PLW9RT refused") == "login *** refused"
    monkeypatch.setenv("F16_SAME", "Kz3same-as-login")
    _load_channel(tmp_path, "mailtos://${F16_SAME}:${F16_SAME}@smtp.example.ma?to=a@b.ma")
    assert redact("login Kz3same-as-login") == "login ***"


@pytest.mark.parametrize(
    "url",
    [
        "mailtos://AKIAQ7XB3M4ZK2PLW9RT:${F17_PASSWORD}@email-smtp.example.ma?to=a@b.ma",
        "json://AKIAQ7XB3M4ZK2PLW9RT:${F17_PASSWORD}@hook.example.ma/alerts",
    ],
)
def test_a_key_written_as_the_login_stays_masked(tmp_path, monkeypatch, url):
    """A login that is a key (an SES access key id) was masked when a ${VAR} or ?user= gave
    it, and shown when written in the URL's user part, in every log line and stored reason;
    a login of words stays readable."""
    monkeypatch.setenv("F17_PASSWORD", "Hq8pass-word-Z")
    _load_channel(tmp_path, url)
    assert redact("login AKIAQ7XB3M4ZK2PLW9RT refused") == "login *** refused"
    _load_channel(tmp_path, url.replace("AKIAQ7XB3M4ZK2PLW9RT", "alertes"))
    assert redact("login alertes refused") == "login alertes refused"


def test_the_people_mail_server_and_login_variables_give_stay_readable(tmp_path, monkeypatch):
    """VEILLE_PEOPLE_MAIL written with the variables of the seed's mail channel
    (mailtos://${VEILLE_SMTP_USER}:${VEILLE_SMTP_PASSWORD}@${VEILLE_SMTP_HOST}): its server,
    login and port were remembered as secrets when it was read (the configuration's check at
    the start, each person's delivery), so the channel's readable server and login were masked
    again, every « veille » of the log with them. Its password stays masked."""
    from monitors.people.mail import from_settings

    monkeypatch.setenv("F17_SMTP_USER", "veille")
    monkeypatch.setenv("F17_SMTP_PASSWORD", "Jw4pass-word-R")
    monkeypatch.setenv("F17_SMTP_HOST", "smtp-people.example.ma")
    monkeypatch.setenv("F17_SMTP_PORT", "465")
    people = from_settings(
        "mailtos://${F17_SMTP_USER}:${F17_SMTP_PASSWORD}@${F17_SMTP_HOST}:${F17_SMTP_PORT}"
        "?from=veille@example.ma",
        None,
        {},
    )
    assert people.mail_url is not None
    line = "/var/lib/veille/veille.db: smtp-people.example.ma:465 refused Jw4pass-word-R"
    assert redact(line) == "/var/lib/veille/veille.db: smtp-people.example.ma:465 refused ***"


def test_a_mail_server_a_variable_gives_is_named_in_errors_its_password_masked(
    tmp_path, monkeypatch
):
    """`veille init`'s mail channel takes its server from ${VEILLE_SMTP_HOST}: every value a
    ${VAR} gives was remembered as a secret, so a failed delivery said « Connection error while
    submitting email to "***" », in the log and in its stored reason, hiding the one word that
    said where it failed. The password stays masked, and a token in another scheme's host."""
    monkeypatch.setenv("F15_SMTP_HOST", "smtp-relay.example.ma")
    monkeypatch.setenv("F15_SMTP_PASSWORD", "Gx7pass-word-Q")
    _load_channel(
        tmp_path,
        "mailtos://alertes:${F15_SMTP_PASSWORD}@${F15_SMTP_HOST}:2525"
        "?from=alertes@example.ma&to=a@example.ma",
    )
    line = 'Connection error while submitting email to "smtp-relay.example.ma" (Gx7pass-word-Q)'
    assert (
        redact(line) == 'Connection error while submitting email to "smtp-relay.example.ma" (***)'
    )
    monkeypatch.setenv("F15_PB_TOKEN", "o.Kq2mZ8vXb4nW7cR1tY6uP3sA9dF5gH0j")
    _load_channel(tmp_path, "pbul://${F15_PB_TOKEN}")
    assert redact("token o.Kq2mZ8vXb4nW7cR1tY6uP3sA9dF5gH0j") == "token ***"

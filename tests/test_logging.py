"""Logs: JSON lines keep their tracebacks, and secrets stay out of both."""

from __future__ import annotations

import io
import json
import logging

import apprise
import pytest
from apprise.plugins.pushover import NotifyPushover
from apprise.plugins.telegram import NotifyTelegram

from crawler.core.secrets import RedactingFilter, remember_secret
from monitors.cli import LOG_FORMAT, JsonFormatter
from monitors.service.watchlists import load_watchlists

from .servers import free_port


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
    tmp_path, caplog, monkeypatch, url, secrets
):
    """Only a URL's password and its long path and query words were taken for secrets: a
    token written as the host (Telegram, Pushover) was shown in veille's log at --log-level
    DEBUG whenever the channel sent, and in every failure's debug lines."""
    closed = f"http://127.0.0.1:{free_port()}"  # nothing listens: a connection error
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
    tmp_path, caplog, monkeypatch
):
    """A channel given as an apprise configuration file (`config:`): its URLs' secrets were
    never taken for secrets at all, so a Telegram bot token showed in veille's log at
    --log-level DEBUG whenever the channel sent."""
    token = "AAGconfigFileOnly7Tq2WJxfSeofSAs0K"  # remembered by no other test
    monkeypatch.setattr(NotifyTelegram, "notify_url", f"http://127.0.0.1:{free_port()}/bot")
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

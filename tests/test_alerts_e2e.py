"""The whole product, end to end: fixture sites → crawl → SQLite → watchlists → a real SMTP
server and a real webhook endpoint on loopback. Only Slack's host name is redirected."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import pytest
from apprise.plugins.slack import NotifySlack

from crawler.storage import store
from monitors.alerts.delivery import Sender
from monitors.service.config import load_config
from monitors.service.cycle import run_cycle

from .conftest import make_settings
from .servers import SmtpServer, WebhookServer, bound_socket

pytestmark = pytest.mark.slow  # end-to-end: real processes (README, "Development")

SLACK_TOKEN = "Xq7tLm2Rz9VbN4kP8wJc3HyD"  # the secret part of a Slack webhook URL
SMTP_PASSWORD = "s3cr3t-Mot-De-Passe"

WATCHLISTS = """
channels:
  email-analystes:
    url: "mailto://127.0.0.1:{smtp_port}?from=veille@example.ma&to=analystes@example.ma&mode=insecure"
  slack-veille:
    url: "https://hooks.slack.com/services/T0VEILLE1/B0VEILLE2/${{TEST_SLACK_TOKEN}}"
watchlists:
  - name: um6p-supercalculateur
    title: UM6P et supercalculateur
    terms: [UM6P]
    require: [supercalculateur]
    notify: [email-analystes]
  - name: football
    title: Football
    terms: [Botola]
    notify: [slack-veille]
  - name: souverainete-numerique
    title: Souveraineté numérique
    terms: [souveraineté numérique, السيادة الرقمية]
"""


@pytest.fixture
def slack(monkeypatch):
    server = WebhookServer().start()
    monkeypatch.setattr(NotifySlack, "webhook_url", server.url + "/services")
    yield server
    server.stop()


@pytest.fixture
def config(tmp_path, sources_file, smtp, slack, monkeypatch):
    monkeypatch.setenv("TEST_SLACK_TOKEN", SLACK_TOKEN)
    watchlists = tmp_path / "watchlists.yaml"
    watchlists.write_text(WATCHLISTS.format(smtp_port=smtp.port), encoding="utf-8")
    return load_config(make_settings(tmp_path, sources_file, watchlists))


def all_logs(caplog, tmp_path) -> str:
    return caplog.text + (tmp_path / "crawl.log").read_text(encoding="utf-8", errors="replace")


def test_one_email_and_one_slack_message_and_never_twice(
    config, smtp, slack, sites, caplog, tmp_path
):
    console = io.StringIO()
    first = run_cycle(config, console=console)
    assert first.crawl.new_articles == 9
    # um6p (1 article, email), football (1 article, Slack), souveraineté (FR + AR articles, console)
    assert first.matches.alerts == 4
    assert first.deliveries.sent == 4

    assert len(smtp.messages) == 1
    message = smtp.messages[0]
    assert message["Subject"] == (
        "[veille] UM6P et supercalculateur : L'UM6P met en service un nouveau supercalculateur à Benguérir"
    )
    assert message["To"] == "analystes@example.ma"
    link = sites["lequotidien"].base_url + "/2026/11/19/um6p-supercalculateur-benguerir/"
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert link in text and "Le Quotidien Numérique\u2069 — \u206819 nov. 2026, 15:10" in text
    assert "Termes trouvés : " in text and "supercalculateur" in text
    assert f'<a href="{link}"' in html
    assert "<strong>supercalculateur</strong>" in html or "<strong>UM6P</strong>" in html
    assert "<blockquote" in html

    assert len(slack.posts) == 1
    post = slack.posts[0]
    assert post["path"] == f"/services/T0VEILLE1/B0VEILLE2/{SLACK_TOKEN}"
    payload = post["json"]
    attachment = payload["attachments"][0]
    assert "Botola Pro : un derby de Casablanca sans vainqueur" in attachment["title"]
    assert (
        sites["lequotidien"].base_url + "/2026/11/18/botola-derby-casablanca/" in attachment["text"]
    )

    printed = console.getvalue()
    assert printed.count("=== [veille] Souveraineté numérique") == 2
    assert "السيادة الرقمية" in printed

    second = run_cycle(config, console=console)
    assert second.crawl.new_articles == 0
    assert second.matches.alerts == 0 and second.deliveries.sent == 0
    assert len(smtp.messages) == 1 and len(slack.posts) == 1

    db = store.open_database(config.settings.db)
    states = dict(db.execute("SELECT state, count(*) FROM deliveries GROUP BY state").fetchall())
    assert states == {"sent": 4}
    assert SLACK_TOKEN not in all_logs(caplog, tmp_path)


def test_failed_sends_retry_later_and_deliver_once(
    tmp_path, sources_file, sites, smtp, slack, monkeypatch, caplog
):
    """SMTP down and the webhook answering 500: both retried after backoff, each delivered once,
    and no secret in any log line or stored error."""
    monkeypatch.setenv("TEST_SLACK_TOKEN", SLACK_TOKEN)
    monkeypatch.setenv("TEST_SMTP_PASSWORD", SMTP_PASSWORD)
    down = bound_socket()  # nothing listens (SMTP down); no other server can take the port
    down_port = down.getsockname()[1]
    watchlists = tmp_path / "watchlists.yaml"
    watchlists.write_text(
        WATCHLISTS.format(smtp_port=down_port).replace(
            "mailto://127.0.0.1", "mailto://veille:${TEST_SMTP_PASSWORD}@127.0.0.1"
        ),
        encoding="utf-8",
    )
    config = load_config(make_settings(tmp_path, sources_file, watchlists))
    slack.statuses = [500]
    report = run_cycle(config, console=io.StringIO())
    assert report.deliveries.retrying == 2 and report.deliveries.sent == 2  # console ones went out

    db = store.open_database(config.settings.db)
    pending = db.execute(
        "SELECT channel, attempts, last_error, next_attempt_at FROM deliveries WHERE state='pending'"
    ).fetchall()
    assert {row[0] for row in pending} == {"email-analystes", "slack-veille"}
    assert all(row[1] == 1 and row[2] for row in pending)

    sender = Sender(db, config.delivery, io.StringIO(), min_interval=0)
    assert sender.deliver_pending().sent == 0  # not due yet: backoff

    smtp_back = SmtpServer(password=SMTP_PASSWORD, sock=down).start()  # back on that port
    try:
        later = datetime.now(UTC) + timedelta(minutes=5)
        assert sender.deliver_pending(now=later).sent == 2
        assert sender.deliver_pending(now=later + timedelta(hours=1)).sent == 0
    finally:
        smtp_back.stop()
    assert len(smtp_back.messages) == 1 and len(slack.posts) == 1
    assert smtp_back.logins == ["veille"]

    stored_errors = " ".join(
        e or "" for (e,) in db.execute("SELECT last_error FROM deliveries").fetchall()
    )
    logs = all_logs(caplog, tmp_path)
    for secret in (SLACK_TOKEN, SMTP_PASSWORD):
        assert secret not in logs
        assert secret not in stored_errors
    assert "attempt 1 failed, will retry" in logs

"""The link to the reader in a text or Slack message is a line of its own: with
VEILLE_READER_URL set, « Veille : Cloud souverain (cloud)Lire dans veille : https://… » ran the
watchlist's line and the link together in the webhook's, the console's and every text channel's
message, and « Veille : Cloud souverain<https://…|Lire dans veille> » in Slack's (the template's
line break was taken by the block before it). Delivered to a real HTTP receiver on loopback
(a json:// webhook and Slack's incoming webhook), from matches stored on SQLite and PostgreSQL."""

from __future__ import annotations

import io

import pytest
from apprise.plugins.slack import NotifySlack

from crawler.core.normalize import content_hash
from crawler.storage import store
from monitors.alerts.delivery import Sender
from monitors.alerts.outbox import match_pending
from monitors.people.mail import PeopleMail
from monitors.service.watchlists import load_watchlists

from .servers import WebhookServer

pytestmark = pytest.mark.slow  # end-to-end: real processes (README, "Development")

READER = "https://veille.example.ma"
RULES = """
channels:
  hook:
    url: "json://127.0.0.1:{port}/hook"
  slack:
    url: "https://hooks.slack.com/services/T0VEILLE1/B0VEILLE2/abcdefghijklmnopqrstuvwx"
watchlists:
  - name: cloud
    title: Cloud souverain
    terms: [cloud]
    notify: [hook]
  - name: cloud-slack
    title: Cloud (Slack)
    terms: [cloud]
    notify: [slack]
"""


@pytest.fixture
def receiver(monkeypatch):
    server = WebhookServer().start()
    monkeypatch.setattr(NotifySlack, "webhook_url", server.url + "/services")
    yield server
    server.stop()


def test_the_readers_link_is_a_line_of_its_own(db_location, tmp_path, receiver):
    rules_path = tmp_path / "watchlists.yaml"
    port = receiver.server.server_address[1]
    rules_path.write_text(RULES.format(port=port), encoding="utf-8")
    rules = load_watchlists(rules_path)
    db = store.open_database(db_location)
    db.execute("INSERT INTO sources(name) VALUES ('presse') ON CONFLICT DO NOTHING")
    title = "Le cloud national avance"
    text = f"{title}. " + " ".join(f"mot{i}" for i in range(80)) + "."
    article = store.StoredArticle("presse", "https://presse.example.ma/1", title, None, None,
                                  "fr", None, None, text, content_hash(text))  # fmt: skip
    store.store_articles(db, [article])
    article_id = db.execute("SELECT id FROM articles").fetchone()[0]
    assert match_pending(db, *rules, max_age=None).alerts == 2
    people = PeopleMail(None, READER)
    sent = Sender(db, rules.delivery, io.StringIO(), min_interval=0, people=people)
    assert sent.deliver_pending().failed == 0
    db.close()
    posts = {post["path"].split("/")[1]: post["json"] for post in receiver.posts}
    lines = posts["hook"]["message"].splitlines()
    assert "Veille : Cloud souverain (cloud)" in lines, lines
    assert f"Lire dans veille : {READER}/articles/{article_id}" in lines, lines
    slack = posts["services"]["attachments"][0]["text"].splitlines()
    assert "Veille : Cloud (Slack)" in slack, slack
    assert f"<{READER}/articles/{article_id}|Lire dans veille>" in slack, slack[-3:]

"""The matched terms of an alert name the title in the message's language: « cloud (titre) » in
a French email, « cloud (title) » in an English one, « cloud (العنوان) » in an Arabic one, where
every message said « (titre/title) ». Delivered through a real SMTP server on loopback, from
matches stored on SQLite and PostgreSQL."""

from __future__ import annotations

import io

import pytest

from crawler.core.normalize import content_hash
from crawler.storage import store
from monitors.alerts.delivery import Sender
from monitors.alerts.outbox import match_pending
from monitors.service.watchlists import load_watchlists

pytestmark = pytest.mark.slow  # end-to-end: real processes (README, "Development")

RULES = """
channels:
  mail-fr:
    url: "mailto://127.0.0.1:{port}?from=veille@example.ma&to=fr@example.ma"
  mail-en:
    url: "mailto://127.0.0.1:{port}?from=veille@example.ma&to=en@example.ma"
  mail-ar:
    url: "mailto://127.0.0.1:{port}?from=veille@example.ma&to=ar@example.ma"
watchlists:
  - name: cloud-fr
    title: Cloud souverain
    terms: [cloud]
    notify: [mail-fr]
  - name: cloud-en
    title: Sovereign cloud
    terms: [cloud]
    language: en
    notify: [mail-en]
  - name: cloud-ar
    title: السحابة السيادية
    terms: [cloud]
    language: ar
    notify: [mail-ar]
"""
SAID = {  # each channel's message, in its watchlist's language
    "fr@example.ma": "Termes trouvés : cloud (titre), cloud",
    "en@example.ma": "Matched terms: cloud (title), cloud",
    "ar@example.ma": "الكلمات المرصودة: cloud (العنوان)، cloud",
}


def test_the_title_is_named_in_the_messages_language(db_location, tmp_path, smtp):
    rules_path = tmp_path / "watchlists.yaml"
    rules_path.write_text(RULES.format(port=smtp.port), encoding="utf-8")
    rules = load_watchlists(rules_path)
    db = store.open_database(db_location)
    db.execute("INSERT INTO sources(name) VALUES ('presse') ON CONFLICT DO NOTHING")
    title = "Le cloud national avance"
    text = f"{title}. " + " ".join(f"mot{i}" for i in range(80)) + "."
    article = store.StoredArticle("presse", "https://presse.example.ma/1", title, None, None,
                                  "fr", None, None, text, content_hash(text))  # fmt: skip
    store.store_articles(db, [article])
    assert match_pending(db, *rules, max_age=None).alerts == 3
    sent = Sender(db, rules.delivery, io.StringIO(), min_interval=0).deliver_pending()
    db.close()
    assert sent.failed == 0 and len(smtp.messages) == 3
    for message in smtp.messages:
        plain = message.get_body(("plain",)).get_content()
        html = message.get_body(("html",)).get_content()
        said = SAID[message["To"]]
        assert said in plain and said in html, plain
        assert "titre/title" not in plain + html

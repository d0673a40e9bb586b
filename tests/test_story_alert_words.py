"""A story's page names the alert each watchlist it triggered sent, in the page's language:
« alerte #1 » was written in French on the English and Arabic pages too. Through `veille serve`
on SQLite and PostgreSQL (the alerts are stored)."""

from __future__ import annotations

import re

import pytest

from crawler.storage import store
from crawler.storage.importer import ImportRecord, import_records
from monitors.alerts.outbox import match_pending
from monitors.service.watchlists import load_watchlists

from .conftest import database_from
from .reader_client import FormClient, serving

pytestmark = pytest.mark.slow  # end-to-end: real processes (README, "Development")

RULES = """\
watchlists:
  - name: um6p
    title: UM6P
    terms: [UM6P]
"""


@pytest.fixture
def served(engine, tmp_path, request):
    rules = tmp_path / "watchlists.yaml"
    rules.write_text(RULES, encoding="utf-8")
    path = tmp_path / "v.db"
    db = store.open_database(path)
    text = "L'UM6P a mis en service un supercalculateur à Benguérir pour la recherche. "
    record = ImportRecord(line=1, url="https://exemple.ma/um6p", title="L'UM6P et son calcul",
                          text=text * 4, published="2026-12-05T10:00:00Z", source="exemple",
                          language="fr")  # fmt: skip
    import_records(db, [record])
    match_pending(db, *load_watchlists(rules), max_age=None)
    story = db.execute("SELECT story_id FROM articles").fetchone()[0]
    db.close()
    return database_from(request, engine, path), rules, story


def test_the_alert_a_story_triggered_is_named_in_the_pages_language(served):
    location, rules, story = served
    with serving(location, watchlists=rules) as base:
        for lang, words in (("fr", "alerte #1"), ("en", "alert #1"), ("ar", "التنبيه رقم 1")):
            status, page = FormClient({"Accept-Language": lang}).get(f"{base}/stories/{story}")
            found = re.search(r'<a href="/watchlists/um6p">UM6P</a>(.*?)</li>', page, re.S)
            assert status == 200 and found, page[-2000:]
            assert found[1].strip() == f"— {words}", (lang, found[1])

"""A bar of a watchlist's chart of matches per day, pointed at, says its day as the page's
language writes it (« 3 déc. 2026 : 1 », « 3 دجنبر 2026: 1 »), where it said « 2026-12-03 : 1 »
on every page. Through `veille serve` on SQLite and PostgreSQL (matches are stored)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest

from crawler.storage import store
from crawler.storage.importer import ImportRecord, import_records
from monitors.alerts.localized import format_day
from monitors.alerts.outbox import match_pending
from monitors.service.watchlists import load_watchlists

from .conftest import database_from
from .reader_client import WATCHLISTS, FormClient, serving

pytestmark = pytest.mark.slow  # end-to-end: real processes (README, "Development")

TEXT = "Le cloud national et la souveraineté numérique avancent au Maroc, selon la ministre. "
# Noon, UTC, three days ago: well inside the chart's 30 days, and the same day in Casablanca.
DAY = (datetime.now(UTC) - timedelta(days=3)).date().isoformat()


@pytest.fixture
def location(engine, tmp_path, request):
    path = tmp_path / "v.db"
    db = store.open_database(path)
    outlet = SimpleNamespace(name="exemple", title="Exemple", homepage=None, languages=("fr",))
    store.register_sources(db, [outlet])
    record = ImportRecord(line=1, url="https://exemple.ma/cloud", title="Le cloud national",
                          text=TEXT * 10, published=f"{DAY}T12:00:00Z", source="exemple",
                          language="fr")  # fmt: skip
    import_records(db, [record])
    match_pending(db, *load_watchlists(WATCHLISTS), max_age=None)
    db.close()
    return database_from(request, engine, path)


def test_a_bars_day_is_written_in_the_pages_language(location):
    with serving(location) as base:
        for lang in ("fr", "en", "ar"):
            status, page = FormClient().get(f"{base}/watchlists/souverainete-numerique?lang={lang}")
            bars = re.findall(r'<rect class="bar"[^>]*><title>(.*?)</title>', page)
            colon = " : " if lang == "fr" else ": "  # no space before it in English and Arabic
            assert status == 200 and bars == [f"{format_day(DAY, lang)}{colon}1"], (lang, bars)

"""A watchlist page's matches per day are counted by the reader's days: the publication days in
the time zone the pages show dates in (VEILLE_WEB_TIMEZONE, Africa/Casablanca by default), on
SQLite and PostgreSQL, through `veille serve` as a user starts it (the search form's days are
the same: tests/test_search_days.py)."""

from __future__ import annotations

import os
import re
import urllib.request
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from crawler.core.normalize import content_hash
from crawler.core.times import iso
from crawler.storage import store
from monitors.alerts.outbox import match_pending
from monitors.service.watchlists import load_watchlists

from .conftest import database_from
from .reader_client import serving

pytestmark = pytest.mark.slow  # end-to-end: `veille serve` in its own process

RULES = """
watchlists:
  - name: port
    title: Ports
    terms: [port]
"""
CASABLANCA = ZoneInfo("Africa/Casablanca")
# Three days ago in Casablanca (the chart shows the last 30 days, ending today there).
DAY = datetime.now(CASABLANCA).date() - timedelta(days=3)
BEFORE = DAY - timedelta(days=1)
# Published at 00:30 on DAY in Casablanca: 23:30 UTC the day before (an hour ahead in
# December); at noon on DAY; at noon the day before.
PUBLISHED = [
    datetime.combine(DAY, time(0, 30), tzinfo=CASABLANCA),
    datetime.combine(DAY, time(12, 0), tzinfo=CASABLANCA),
    datetime.combine(BEFORE, time(12, 0), tzinfo=CASABLANCA),
]
# And one dated by DAY alone, as pages give a day: DAY's in any zone.


@pytest.fixture
def location(engine, tmp_path, request):
    rules = tmp_path / "watchlists.yaml"
    rules.write_text(RULES, encoding="utf-8")
    db = store.open_database(tmp_path / "v.db")
    db.execute("INSERT INTO sources(name) VALUES ('presse')")
    articles = []
    for n, published in enumerate([*map(iso, PUBLISHED), DAY.isoformat()]):
        title = f"Le port de Tanger Med, bilan numéro {n}"
        text = f"{title}. " + " ".join(f"mot{n}x{i}" for i in range(60)) + "."
        articles.append(
            store.StoredArticle(
                "presse",
                f"https://presse.example.ma/{n}",
                title,
                None,
                published,
                "fr",
                None,
                None,
                text,
                content_hash(text),
            )  # fmt: skip
        )
    store.store_articles(db, articles)
    match_pending(db, *load_watchlists(rules), max_age=None)
    db.close()
    return database_from(request, engine, tmp_path / "v.db"), rules


def per_day(base: str) -> dict[str, int]:
    """The bars of the watchlist page's chart: {day: matches}."""
    with urllib.request.urlopen(f"{base}/watchlists/port", timeout=30) as response:
        page = response.read().decode()
    bars = re.findall(r'<rect class="bar" data-day="(\d{4}-\d\d-\d\d)" data-count="(\d+)"', page)
    return {day: int(n) for day, n in bars}


def test_the_days_of_a_watchlists_matches_are_the_readers(location):
    db, rules = location
    assert PUBLISHED[0].astimezone(ZoneInfo("UTC")).date() == BEFORE, "23:30 UTC the day before"
    with serving(db, watchlists=rules) as base:
        # 00:30 on DAY in Casablanca is DAY's, as the page dates it
        assert per_day(base) == {DAY.isoformat(): 3, BEFORE.isoformat(): 1}
    # where the day begins at 00:00 UTC, DAY given alone (which sorts before DAY's moments) was
    # counted the day before
    utc = os.environ | {"VEILLE_WEB_TIMEZONE": "UTC"}
    with serving(db, watchlists=rules, env=utc) as base:
        assert per_day(base) == {DAY.isoformat(): 2, BEFORE.isoformat(): 2}

"""The reader's days hold the articles dated by a day alone in every time zone: east of UTC
(Africa/Casablanca, an hour ahead outside Ramadan), at UTC and west of it (America/New_York),
on SQLite and PostgreSQL, through `veille serve` as a user starts it and the command line.

A day alone is stored as « 2026-03-01 », a moment as « 2026-03-01T05:00:00Z »: in New York the
1st begins at « 2026-03-01T05:00:00Z », after which « 2026-03-01 » sorts, so the search page,
`veille search` and `veille export` left a day-alone article out of since its day, took one in
before the day it is dated, and the watchlist page's chart counted it on the day before. Each
article here is expected on its day there: a moment's local day, a day alone's own day."""

from __future__ import annotations

import json
import os
import re
import urllib.parse
import urllib.request
from collections import Counter
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from crawler.core.normalize import content_hash
from crawler.core.times import iso
from crawler.storage import store
from monitors.alerts.outbox import match_pending
from monitors.service.watchlists import load_watchlists

from .conftest import database_from
from .reader_client import serving

pytestmark = pytest.mark.slow  # end-to-end: `veille serve` in its own process, three zones

ZONES = ("America/New_York", "Africa/Casablanca", "UTC")
RULES = """
watchlists:
  - name: port
    title: Ports
    terms: [port]
"""
# Five days ago in UTC: within the chart's last 30 days in every zone.
DAY = datetime.now(UTC).date() - timedelta(days=5)


def dated() -> list[tuple[str, str, dict[str, date]]]:
    """(title, stored date, {zone: the day the reader shows it on}) of every article: in each
    zone, 23:30 the day before, 00:30 and 23:30 on DAY, 00:30 the day after; and DAY, the day
    before and the day after given alone."""
    moments = [
        datetime.combine(day, at, tzinfo=ZoneInfo(zone))
        for zone in ZONES
        for day, at in (
            (DAY - timedelta(days=1), time(23, 30)),
            (DAY, time(0, 30)),
            (DAY, time(23, 30)),
            (DAY + timedelta(days=1), time(0, 30)),
        )
    ]
    articles = [
        (iso(moment), {zone: moment.astimezone(ZoneInfo(zone)).date() for zone in ZONES})
        for moment in moments
    ]
    articles += [
        (day.isoformat(), dict.fromkeys(ZONES, day))
        for day in (DAY - timedelta(1), DAY, DAY + timedelta(1))
    ]
    return [(f"Depeche-{n:02d}-fin", stored, days) for n, (stored, days) in enumerate(articles)]


ARTICLES = dated()


@pytest.fixture
def location(engine, tmp_path, request):
    rules = tmp_path / "watchlists.yaml"
    rules.write_text(RULES, encoding="utf-8")
    db = store.open_database(tmp_path / "v.db")
    db.execute("INSERT INTO sources(name) VALUES ('presse')")
    stored = []
    for n, (title, published, _) in enumerate(ARTICLES):
        text = f"Le port de Tanger Med, bilan numéro {n}. " + " ".join(
            f"mot{n}x{i}" for i in range(60)
        )
        stored.append(
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
    store.store_articles(db, stored)
    match_pending(db, *load_watchlists(rules), max_age=None)
    db.close()
    return database_from(request, engine, tmp_path / "v.db"), rules


def expected(zone: str, since: date | None = None, until: date | None = None) -> list[str]:
    """The titles shown on a day from `since` on and before `until`, in `zone`."""
    return sorted(
        title
        for title, _, days in ARTICLES
        if (since is None or days[zone] >= since) and (until is None or days[zone] < until)
    )


def on_page(page: str) -> list[str]:
    return sorted(set(re.findall(r"Depeche-\d\d-fin", page)))


def searched(base: str, **filters: str) -> list[str]:
    query = urllib.parse.urlencode({"q": "port", "order": "newest", **filters})
    with urllib.request.urlopen(f"{base}/search?{query}", timeout=30) as response:
        return on_page(response.read().decode())


def per_day(base: str) -> dict[str, int]:
    """The bars of the watchlist page's chart that are not empty: {day: matches}."""
    with urllib.request.urlopen(f"{base}/watchlists/port", timeout=30) as response:
        page = response.read().decode()
    bars = re.findall(r'<rect class="bar" data-day="(\d{4}-\d\d-\d\d)" data-count="(\d+)"', page)
    return {day: int(n) for day, n in bars if int(n)}


BOUNDS = [
    {"since": DAY},
    {"until": DAY + timedelta(days=1)},
    {"until": DAY},
    {"since": DAY, "until": DAY + timedelta(days=1)},
    {"since": DAY + timedelta(days=1)},
]


@pytest.mark.parametrize("zone", ZONES)
def test_the_reader_finds_and_counts_each_article_on_its_day(location, zone):
    db, rules = location
    env = os.environ | {"VEILLE_WEB_TIMEZONE": zone}
    with serving(db, watchlists=rules, env=env) as base:
        for bound in BOUNDS:
            filters = {name: day.isoformat() for name, day in bound.items()}
            assert searched(base, **filters) == expected(zone, **bound), (zone, bound)
        counted = Counter(days[zone].isoformat() for _, _, days in ARTICLES)
        assert per_day(base) == dict(counted), zone


@pytest.mark.parametrize("zone", ZONES)
def test_the_command_line_finds_and_exports_each_article_on_its_day(location, zone, monkeypatch):
    from click.testing import CliRunner

    from monitors.cli import cli

    db, rules = location
    monkeypatch.setenv("VEILLE_WEB_TIMEZONE", zone)

    def run(*args: str) -> str:
        result = CliRunner().invoke(cli, ["--db", str(db), "--watchlists", str(rules), *args])
        assert result.exit_code == 0, result.output
        return result.stdout

    for bound in BOUNDS:
        options = [f"--{name}={day.isoformat()}" for name, day in bound.items()]
        hits = json.loads(run("search", "port", "--limit", "50", "--json", *options))
        assert sorted(hit["title"] for hit in hits) == expected(zone, **bound), (zone, bound)
        for watchlist in ([], ["--watchlist", "port"]):
            lines = run("export", "--format", "jsonl", *watchlist, *options).splitlines()
            exported = sorted(json.loads(line)["title"] for line in lines)
            assert exported == expected(zone, **bound), (zone, bound, watchlist)
        atom = run("export", "--format", "atom", "--watchlist", "port", *options)
        assert on_page(atom) == expected(zone, **bound), (zone, bound)

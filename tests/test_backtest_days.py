"""`veille rules backtest --since` takes the reader's day, as `veille search` and `veille export`
do: it begins at midnight in the team's time zone (VEILLE_WEB_TIMEZONE, Africa/Casablanca by
default), and each match is printed on the day the reader shows it. An article published at
00:30 in Casablanca on the 6th (23:30 UTC on the 5th) was left out of a backtest since the 6th,
which `veille search --since` of the 6th finds, and printed on the 5th. On SQLite and PostgreSQL."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from monitors.cli import cli

from .dated_articles import dated_database

# As the pages wrote them, stored in UTC (Casablanca is an hour ahead in December).
PUBLISHED = {
    "Bilan du port de Tanger Med": "2026-12-05T23:30:00+01:00",  # the 5th there
    "Conseil de gouvernement à Rabat": "2026-12-06T00:30:00+01:00",  # the 6th there
    "Salon de l'aéronautique à Marrakech": "2026-12-06T13:00:00+01:00",
    "Journée de l'artisanat à Fès": "2026-12-06",  # a day alone
}


@pytest.fixture
def location(engine, tmp_path, request):
    return dated_database(request, engine, tmp_path / "v.db", PUBLISHED)


def test_the_backtests_since_is_the_readers_day(location, tmp_path, monkeypatch):
    tanger, rabat, marrakech, fes = PUBLISHED
    rules = tmp_path / "watchlists.yaml"
    rules.write_text("watchlists:\n  - name: ministere\n    terms: [ministère]\n", "utf-8")
    base = ["--db", str(location), "--watchlists", str(rules), "rules", "backtest", "ministere"]

    def titles(*args: str) -> set[str]:
        result = CliRunner().invoke(cli, [*base, *args, "--json"])
        assert result.exit_code == 0, result.output
        return {m["title"] for m in json.loads(result.stdout)["matches"]}

    def searched(*args: str) -> set[str]:
        search = ["--db", str(location), "search", "ministère", "--json", *args]
        result = CliRunner().invoke(cli, search)
        assert result.exit_code == 0, result.output
        return {hit["title"] for hit in json.loads(result.stdout)}

    assert titles("--since", "2026-12-06") == {rabat, marrakech, fes}
    assert titles("--since", "2026-12-06") == searched("--since", "2026-12-06")
    assert titles("--since", "2026-12-05") == set(PUBLISHED)
    printed = CliRunner().invoke(cli, [*base, "--since", "2026-12-06"]).stdout
    assert f"2026-12-06  exemple  {rabat}" in printed  # the day the reader shows it on
    assert f"2026-12-06  exemple  {fes}" in printed
    assert "3 of 3 stored articles match" in printed
    monkeypatch.setenv("VEILLE_WEB_TIMEZONE", "UTC")
    assert titles("--since", "2026-12-06") == {marrakech, fes}
    printed = CliRunner().invoke(cli, base).stdout
    assert f"2026-12-05  exemple  {rabat}" in printed
    # west of UTC the 6th begins at 05:00 UTC: the day alone « 2026-12-06 » is still the 6th's
    monkeypatch.setenv("VEILLE_WEB_TIMEZONE", "America/New_York")
    assert titles("--since", "2026-12-06") == {marrakech, fes}
    assert titles("--since", "2026-12-07") == set()


def test_the_watchlist_editors_preview_counts_the_readers_days(location, tmp_path):
    """The preview of a watchlist being edited in the reader backtests it over its last days:
    they began at midnight UTC, not in the team's time zone, so on the 7th a preview of « the
    last day » in Casablanca left out the article of 00:30 on the 6th there, which `veille
    rules backtest --since` of the 6th and the search take in."""
    from contextlib import contextmanager
    from datetime import UTC, datetime

    from crawler.storage import store
    from monitors.rules.backtest import ScanBudget
    from monitors.service.watchlists import load_watchlists
    from monitors.web.views.watchlist import backtest_days

    tanger, rabat, marrakech, fes = PUBLISHED
    rules = tmp_path / "watchlists.yaml"
    rules.write_text("watchlists:\n  - name: ministere\n    terms: [ministère]\n", "utf-8")
    rule_set = load_watchlists(rules).rules

    @contextmanager
    def reading_db():
        db = store.open_database(location)
        try:
            yield db
        finally:
            db.close()

    def previewed(now: str, timezone: str) -> tuple[str, set[str]]:
        budget = ScanBudget(10_000_000, 60.0)
        moment = datetime.fromisoformat(now).astimezone(UTC)
        done = backtest_days(reading_db, rule_set, "ministere", 1, budget, timezone, now=moment)
        return done["since"], {hit.title for hit in done["hits"]}

    # noon on the 7th in Casablanca: the last day began at midnight on the 6th there
    assert previewed("2026-12-07T12:00:00+01:00", "Africa/Casablanca") == (
        "2026-12-06",
        {rabat, marrakech, fes},
    )
    # 00:30 on the 7th there is still the 6th in UTC: the same day, whatever UTC's date
    assert previewed("2026-12-07T00:30:00+01:00", "Africa/Casablanca") == (
        "2026-12-06",
        {rabat, marrakech, fes},
    )
    assert previewed("2026-12-07T12:00:00+00:00", "UTC") == ("2026-12-06", {marrakech, fes})
    assert previewed("2026-12-07T12:00:00-05:00", "America/New_York") == (
        "2026-12-06",
        {marrakech, fes},
    )

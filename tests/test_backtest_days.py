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

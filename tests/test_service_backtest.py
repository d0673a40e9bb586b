"""monitors.service.backtest: the backtest summary `veille rules backtest` prints and the
reader's watchlist and editing pages show, on a real SQLite file."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from crawler.storage import store
from monitors.rules.backtest import ScanBudget
from monitors.service.backtest import backtest_watchlist
from monitors.service.watchlists import load_watchlists

from .test_reader_guard import make_db


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    # 5 articles published 1 to 5 hours ago, newest first; every one names UM6P
    database = store.open_database(make_db(tmp_path_factory.mktemp("backtest"), articles=4))
    yield database
    database.close()


@pytest.fixture(scope="module")
def rules(tmp_path_factory):
    path = tmp_path_factory.mktemp("rules") / "watchlists.yaml"
    path.write_text(
        "watchlists:\n  - name: um6p\n    terms: [UM6P]\n  - name: none\n    terms: [Zanzibar]\n",
        encoding="utf-8",
    )
    return load_watchlists(path).rules


def test_every_match_is_counted_and_the_first_kept(db, rules):
    summary = backtest_watchlist(db, rules, "um6p", keep=2)
    assert (summary.scanned, summary.matched, len(summary.matches)) == (5, 5, 2)
    assert summary.partial is None and summary.too_old_to_alert == 0
    published = [m.hit.published for m in summary.matches]
    assert published == sorted(published, reverse=True)  # newest first
    assert summary.hits == [m.hit for m in summary.matches]
    nothing = backtest_watchlist(db, rules, "none")
    assert (nothing.scanned, nothing.matched, nothing.matches) == (5, 0, [])


def test_matches_older_than_the_age_limit_are_counted_too_old(db, rules):
    later = datetime.now(UTC) + timedelta(hours=1, minutes=30)  # two are then under 4 hours old
    summary = backtest_watchlist(db, rules, "um6p", max_age_days=4 / 24, now=later)
    assert summary.too_old_to_alert == 3
    assert [m.too_old_to_alert for m in summary.matches] == [False, False, True, True, True]


def test_a_scan_cut_short_says_why(db, rules):
    by_count = backtest_watchlist(db, rules, "um6p", max_articles=3)
    assert (by_count.scanned, by_count.matched, by_count.partial) == (3, 3, "articles")
    budget = ScanBudget(max_chars=1)  # not even one article
    by_size = backtest_watchlist(db, rules, "um6p", budget=budget)
    assert (by_size.scanned, by_size.partial) == (0, "characters")

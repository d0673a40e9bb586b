"""Pacing, as pure functions: quiet sources slow down, failing ones back off, a source with a
history follows its rhythm of publication."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from monitors.service.pacing import MAX_POLL, MIN_POLL, hourly_rates, next_pace, rhythm_delay


def test_pacing_slows_quiet_sources_and_backs_off_failing_ones():
    from monitors.service.pacing import MAX_BACKOFF

    now = datetime(2026, 11, 23, tzinfo=UTC)
    base = timedelta(minutes=30)
    assert next_pace(base, True, 3, 0, 5, now).due == now + base  # news: back to normal
    quiet = [next_pace(base, True, 0, 0, q, now).due - now for q in range(10)]
    assert quiet == sorted(quiet) and quiet[0] > base and quiet[-1] == base * 4  # bounded
    failing = [next_pace(base, False, 0, f, 0, now) for f in range(12)]
    delays = [p.due - now for p in failing]
    assert delays == sorted(delays) and delays[-1] == MAX_BACKOFF
    assert failing[2].description == "backing off after 3 failed crawl(s)"
    assert next_pace(base, True, 1, 7, 0, now).failures == 0  # recovery resets the backoff


def test_a_busy_source_is_polled_often_in_its_busy_hours_and_rarely_at_night():
    # 140 articles a day between 08:00 and 20:00 UTC, every day, over four weeks
    counts = {(w, h): 4 * 140 // 12 for w in range(7) for h in range(8, 20)}
    rates = hourly_rates(counts, 28)
    noon = datetime(2026, 11, 23, 12, tzinfo=UTC)
    night = datetime(2026, 11, 23, 1, tzinfo=UTC)
    assert MIN_POLL <= rhythm_delay(rates, noon) < timedelta(minutes=15)  # the interval's
    assert rhythm_delay(rates, night) > timedelta(hours=5)  # until the morning's articles
    assert rhythm_delay([0.0] * 168, noon) == MAX_POLL  # nothing ever: the ceiling


def test_a_weekly_magazine_is_watched_on_its_day():
    counts = {(3, 9): 4 * 6}  # six articles every Thursday at 09:00 UTC, four weeks
    rates = hourly_rates(counts, 28)
    thursday = datetime(2026, 11, 26, 9, tzinfo=UTC)
    monday = datetime(2026, 11, 23, 9, tzinfo=UTC)
    assert rhythm_delay(rates, thursday) < timedelta(minutes=15)  # the interval's
    # Mondays at 09:00 get the share of the any-day rate (half the rhythm): watched, less often.
    assert rhythm_delay(rates, monday) > 2 * rhythm_delay(rates, thursday)
    sunday_night = datetime(2026, 11, 22, 23, tzinfo=UTC)
    assert rhythm_delay(rates, sunday_night) > timedelta(hours=3)  # nothing expected then
    paced = next_pace(timedelta(minutes=30), True, 2, 0, 0, thursday, rates)
    assert paced.description.startswith("rhythm:") and paced.due < thursday + timedelta(hours=1)


def test_a_stored_weekly_magazine_is_read_as_one_thursday_morning_a_week(engine, tmp_path, request):
    """source_rates buckets stored articles by weekday and hour of publication (else of fetch),
    whatever the timestamp's spelling, and keeps the pace it recorded on the source's row."""
    from crawler.storage import store
    from monitors.service.pacing import is_due, record_outcome, source_rates

    location = (
        tmp_path / "veille.db"
        if engine == "sqlite"
        else request.getfixturevalue("postgres_cluster").new_database()
    )
    db = store.open_database(location)
    db.execute("INSERT INTO sources(name) VALUES ('weekly'), ('other')")
    thursdays = [datetime(2026, 11, 5, 9, tzinfo=UTC) + timedelta(weeks=w) for w in range(4)]
    spellings = ["%Y-%m-%dT%H:%M:%SZ", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S+01:00"]
    rows = []
    for w, day in enumerate(thursdays):
        for n in range(6):
            published = (day + timedelta(minutes=n)).strftime(spellings[(w + n) % 3])
            rows.append((f"{w}-{n}", published, day.strftime("%Y-%m-%dT%H:%M:%SZ")))
    # Unknown publication time: the fetch time counts (Monday 15:00); another source is ignored.
    rows.append(("fetched", None, "2026-11-23T15:00:00Z"))
    with db.transaction():
        for key, published, fetched in rows:
            db.execute(
                "INSERT INTO articles(source, url, url_key, text, content_hash, fetched_at, "
                "published) VALUES ('weekly', ?, ?, 'x', ?, ?, ?)",
                (f"https://w.example/{key}", key, key, fetched, published),
            )
        db.execute(
            "INSERT INTO articles(source, url, url_key, text, content_hash, fetched_at) "
            "VALUES ('other', 'https://o.example/1', 'o1', 'x', 'o1', '2026-11-24T03:00:00Z')"
        )
    now = datetime(2026, 11, 30, 12, tzinfo=UTC)
    rates = source_rates(db, "weekly", now)
    assert rates is not None
    busiest = max(range(168), key=lambda i: rates[i])
    assert divmod(busiest, 24) == (3, 9)  # Thursday, 09:00 UTC
    assert rates[0 * 24 + 15] > 0 and rates[1 * 24 + 3] == 0  # the fetched one; not 'other'
    assert source_rates(db, "other", now) is None  # too little history
    pace = record_outcome(db, "weekly", 30, {"entry_ok": 1, "new": 0}, now)
    assert pace.description.startswith("rhythm:")
    assert not is_due(db, "weekly", now) and is_due(db, "weekly", pace.due)
    assert is_due(db, "never-paced", now)
    db.close()


# -- the rhythm read from stored articles ----------------------------------------------------------

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)  # a Monday at noon, the injected clock


def busy_source_db(tmp_path, published_of) -> object:
    """A real database with one source, `busy`, that published 60 articles a day, 08:00 to
    19:45 UTC every day for three weeks; `published_of(moment)` is what its pages said."""
    from types import SimpleNamespace

    from crawler.storage import store

    db = store.open_database(tmp_path / "v.db")
    source = SimpleNamespace(name="busy", title="Busy", homepage="https://busy.ma/", languages=())
    store.register_sources(db, [source])
    articles, fetched = [], []
    for day in range(21, 0, -1):
        for slot in range(60):
            moment = NOW.replace(hour=8) - timedelta(days=day) + timedelta(minutes=12 * slot)
            number = len(articles)
            articles.append(
                store.StoredArticle(
                    source="busy",
                    url=f"https://busy.ma/{number}",
                    title=f"Article {number}",
                    author=None,
                    published=published_of(moment),
                    language="fr",
                    sitename=None,
                    description=None,
                    text=f"Texte numéro {number} " * 20,
                    content_hash=f"hash-{number}",
                )
            )
            fetched.append(moment + timedelta(minutes=10))  # polled every 30 minutes or so
    ids = [article_id for article_id, _ in store.store_articles(db, articles)]
    with db.conn:
        db.conn.executemany(
            "UPDATE articles SET fetched_at = ? WHERE id = ?",
            [
                (when.strftime("%Y-%m-%dT%H:%M:%SZ"), i)
                for when, i in zip(fetched, ids, strict=True)
            ],
        )
    return db


@pytest.mark.slow
def test_a_source_with_dates_without_time_is_polled_by_its_interval(tmp_path):
    """Its pages say "23/11/2026", no time: that is not "everything at midnight" (which made a
    busy site polled every 6 hours in the daytime). It knows no hour, so it keeps its interval."""
    from monitors.service.pacing import record_outcome

    db = busy_source_db(tmp_path, lambda moment: moment.strftime("%Y-%m-%d"))
    pace = record_outcome(db, "busy", 30, {"entry_ok": 1, "new": 2}, now=NOW)
    assert pace.description == "normal" and pace.due == NOW + timedelta(minutes=30)
    row = db.execute("SELECT next_due_at, pace FROM sources WHERE name = 'busy'").fetchone()
    assert row == ("2026-11-23T12:30:00Z", "normal")


@pytest.mark.slow
def test_the_same_source_with_times_follows_its_rhythm_in_utc(tmp_path):
    """With times (written in Moroccan summer time, +01:00), the same source is polled every
    few minutes at noon UTC and rarely at night."""
    from monitors.service.pacing import record_outcome

    def local(moment: datetime) -> str:
        return (moment + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:00+01:00")

    db = busy_source_db(tmp_path, local)
    pace = record_outcome(db, "busy", 30, {"entry_ok": 1, "new": 2}, now=NOW)
    assert pace.description.startswith("rhythm: 60 articles a day")
    assert pace.due - NOW < timedelta(minutes=30)  # more often than its interval at noon
    morning = NOW.replace(hour=8)  # its first hour in UTC (09:00 by its own clock)
    early = record_outcome(db, "busy", 30, {"entry_ok": 1, "new": 1}, now=morning)
    assert early.due - morning < timedelta(minutes=30)  # 08:00 UTC is busy (09:00 local)
    night = NOW.replace(hour=21, minute=30)
    late = record_outcome(db, "busy", 30, {"entry_ok": 1, "new": 0}, now=night + timedelta(hours=2))
    assert late.due - (night + timedelta(hours=2)) > timedelta(hours=5)  # until the morning


def test_a_rhythm_is_trusted_only_over_a_week_of_observation():
    """A first crawl's backlog (60 articles of one afternoon) is no rhythm of the week."""
    from monitors.service.pacing import MIN_SPAN, rhythm_from

    afternoon = [NOW - timedelta(minutes=5 * i) for i in range(60)]
    assert rhythm_from(afternoon, NOW) is None
    spread = [NOW - MIN_SPAN - timedelta(hours=1)] + afternoon
    assert rhythm_from(spread, NOW) is not None


@pytest.mark.slow
def test_every_simulated_source_alerts_no_slower_than_fixed_polling_with_fewer_polls():
    """bench/freshness.py's three sources (a busy portal, a business medium in office hours, a
    weekly magazine on Thursday mornings), four weeks of history then a week of polls paced by
    next_pace on a simulated clock: each source's median delay from publication to alert is at
    most fixed 15-minute polling's, and all three together take fewer polls. (The pacing by
    expected articles per poll left the weekly's articles waiting an hour at the median.)"""
    import random

    from bench import freshness

    for seed in (1,):
        rng = random.Random(seed)
        begin = freshness.START + timedelta(days=freshness.HISTORY_DAYS)
        end = begin + timedelta(days=7)
        polls = {"rhythm": 0, "fixed": 0}
        for name, per_day, shape, weekdays in freshness.SOURCES:
            times = freshness.publications(
                per_day, shape, weekdays, freshness.HISTORY_DAYS + 7, rng
            )
            paced, paced_polls = freshness.simulate(times, begin, end, True, rng)
            fixed, fixed_polls = freshness.simulate(times, begin, end, False, rng)
            polls["rhythm"] += paced_polls
            polls["fixed"] += fixed_polls
            assert sorted(paced)[len(paced) // 2] <= sorted(fixed)[len(fixed) // 2], (seed, name)
        assert polls["rhythm"] < polls["fixed"], (seed, polls)

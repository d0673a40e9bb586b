"""Pacing, as pure functions: quiet sources slow down, failing ones back off, a source with a
history follows its rhythm of publication."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

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
    assert MIN_POLL <= rhythm_delay(rates, noon) <= timedelta(minutes=5)
    assert rhythm_delay(rates, night) > timedelta(hours=5)  # until the morning's articles
    assert rhythm_delay([0.0] * 168, noon) == MAX_POLL  # nothing ever: the ceiling


def test_a_weekly_magazine_is_watched_on_its_day():
    counts = {(3, 9): 4 * 6}  # six articles every Thursday at 09:00 UTC, four weeks
    rates = hourly_rates(counts, 28)
    thursday = datetime(2026, 11, 26, 9, tzinfo=UTC)
    monday = datetime(2026, 11, 23, 9, tzinfo=UTC)
    assert rhythm_delay(rates, thursday) < timedelta(minutes=30)
    assert rhythm_delay(rates, monday) == MAX_POLL
    paced = next_pace(timedelta(minutes=30), True, 2, 0, 0, thursday, rates)
    assert paced.description.startswith("rhythm:") and paced.due < thursday + timedelta(hours=1)

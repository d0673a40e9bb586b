"""When alerts may go out: digest schedules, quiet hours and the flood window, computed in each
watchlist's own time zone. Pure functions of a given `now`, so tests control the clock."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from monitors.alerts.channels import Channel
from monitors.alerts.cron import next_fire_time
from monitors.alerts.routing import Route

FLOOD_WINDOW = timedelta(hours=1)


def next_digest_time(watchlist: Route | Channel, now: datetime) -> datetime:
    """The next digest of this watchlist (or channel with a combined digest) strictly after
    `now`; the next full hour if it has no digest schedule (where alerts rolled over by flood
    control or quiet hours go)."""
    if watchlist.digest:  # read with cron's weekdays (0 = Sunday), see monitors/alerts/cron.py
        return next_fire_time(watchlist.digest, watchlist.timezone, now).astimezone(UTC)
    return (now + timedelta(hours=1)).replace(minute=0, second=0, microsecond=0).astimezone(UTC)


def quiet_until(watchlist: Route, now: datetime) -> datetime | None:
    """If `now` falls in the watchlist's quiet hours, when they end (UTC); otherwise None."""
    if not watchlist.quiet_hours:
        return None
    zone = ZoneInfo(watchlist.timezone)
    local = now.astimezone(zone)
    start, end = (time.fromisoformat(t) for t in watchlist.quiet_hours)
    here = local.time()
    overnight = start > end
    inside = (here >= start or here < end) if overnight else (start <= here < end)
    if not inside:
        return None
    end_day = local.date() + timedelta(days=1) if overnight and here >= start else local.date()
    return datetime.combine(end_day, end, tzinfo=zone).astimezone(UTC)

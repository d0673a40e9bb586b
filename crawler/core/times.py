"""Time as veille stores it: UTC ISO 8601 text (which sorts and compares correctly), and back."""

from __future__ import annotations

import re
from datetime import UTC, datetime


def iso(when: datetime) -> str:
    """Timestamps are stored as UTC ISO 8601 text, which sorts and compares correctly."""
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def utcnow() -> str:
    return iso(datetime.now(UTC))


def parse_timestamp(value: str) -> datetime | None:
    """An ISO 8601 timestamp as an aware UTC-comparable datetime (naive ones are taken as UTC)."""
    try:
        when = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


# A time of day written after the date ("2026-11-16T10:00", or with a space, as some feeds do).
_TIME_OF_DAY = re.compile(r"\d[T ]\d{2}:\d{2}")
# How storing writes a moment (`iso`), and so how `veille export` and `--json` answers write one.
STORED_MOMENT = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z")


def stored_date(value: str | None, *, own_spelling: bool = False) -> str | None:
    """A publication date as it is stored, so that every stored date sorts and compares as text
    with every other and with the bounds of a page (a day in the reader's zone, a keyset page's
    key): a moment in UTC as `iso` writes it, for « 2026-11-20T23:05:00+01:00 » that is
    « 2026-11-20T22:05:00Z » (kept as written, it sorted an hour late and fell in the next day);
    a date without a time of day, or at midnight, which is how pages write a day alone, as that
    day (YYYY-MM-DD), so it still reads as a day and not as a moment. A value that is not an
    ISO 8601 date, or whose moment in UTC falls outside the calendar (« 9999-12-31T23:30:00-01:00 »
    is in year 10000 there), is kept as given, blanks around it taken off.

    `own_spelling`: the value comes from veille's own writing (`veille import` of what `veille
    export --format jsonl` or a `--json` answer wrote), where a moment is in the stored
    spelling even at midnight UTC (« 2023-11-01T00:00:00Z », 01:00 in Casablanca in winter):
    such a value is kept as that moment, not read as a day as a page's midnight is."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    when = parse_timestamp(text)
    if when is None:
        return text
    if own_spelling and STORED_MOMENT.fullmatch(text):
        return text
    if _TIME_OF_DAY.search(text) and (when.hour, when.minute) != (0, 0):
        try:
            return iso(when)
        except OverflowError:
            return text
    return when.date().isoformat()
